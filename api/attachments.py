"""Evidence attachments: stored once by digest, size-limited, type-checked from their bytes.

Any process may cite attachments by id: `cited_by_caller` checks a submission's ids, and the
workflow records the citation (activities/attachments.py), which lets the case's parties read
them. Who may read an attachment:

- its uploader;
- auditors;
- for each case citing it: the case's parties and the supervisors overseeing its jurisdiction
  (the rule `may_read` of api/cases.py; where a member of the public submitted the case, that
  user is the party).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, col, select
from starlette.datastructures import UploadFile

from api.deps import Caller
from api.errors import DomainError, Forbidden, Invalid, NotFound
from models import Attachment, AttachmentCitation, CaseSubmission
from workflows.common import Role

MAX_BYTES = 10 * 1024 * 1024
CHUNK = 64 * 1024
# Leading bytes of each accepted type.
SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
TYPE_NAMES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}


class TooLarge(DomainError):
    status, code = 413, "attachment_too_large"


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int
    content_type: str


def sniff(head: bytes) -> str | None:
    for content_type, prefixes in SIGNATURES.items():
        if head.startswith(prefixes):
            return content_type
    return None


def directory(data_dir: Path) -> Path:
    return data_dir / "attachments"


async def store(upload: UploadFile, data_dir: Path) -> Stored:
    """Copy the upload under `<data_dir>/attachments/<sha256>` in chunks, never more than the
    limit; the file appears whole or not at all (write to a temporary name, then rename)."""
    folder = directory(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    digest, size, head = hashlib.sha256(), 0, b""
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as out:
            while chunk := await upload.read(CHUNK):
                size += len(chunk)
                if size > MAX_BYTES:
                    raise TooLarge(f"附件不能超过 {MAX_BYTES // 1024 // 1024} MB。")
                if len(head) < 16:
                    head = (head + chunk)[:16]
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise Invalid("附件为空文件。", "attachment_empty")
        content_type = checked_type(head, upload.content_type)
        target = folder / digest.hexdigest()
        if target.exists():
            os.unlink(temporary)
        else:
            os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    return Stored(digest.hexdigest(), size, content_type)


def checked_type(head: bytes, declared: str | None) -> str:
    actual = sniff(head)
    allowed = "、".join(TYPE_NAMES.values())
    if actual is None:
        raise Invalid(f"附件类型不受支持：只接受 {allowed} 文件。", "attachment_type_unsupported")
    declared_type = (declared or "").split(";")[0].strip().lower()
    if declared_type != actual:
        raise Invalid(
            f"附件声明的类型（{declared_type or '未声明'}）"
            f"与文件内容（{TYPE_NAMES[actual]}）不符。",
            "attachment_type_mismatch",
        )
    return actual


def record(session: Session, caller: Caller, name: str, stored: Stored) -> Attachment:
    attachment = Attachment(
        sha256=stored.sha256,
        name=(name or stored.sha256)[:200],
        content_type=stored.content_type,
        size=stored.size,
        uploaded_by=caller.id,
    )
    session.add(attachment)
    session.commit()
    session.refresh(attachment)
    return attachment


def readable(session: Session, caller: Caller, attachment_id: int) -> Attachment:
    from api.cases import may_read  # api.cases imports the processes, which import this module

    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound(f"附件 {attachment_id} 不存在。", "attachment_not_found")
    if caller.role is Role.AUDITOR or attachment.uploaded_by == caller.id:
        return attachment
    citing = session.exec(
        select(CaseSubmission).where(
            col(CaseSubmission.case_id).in_(
                select(AttachmentCitation.case_id).where(
                    AttachmentCitation.attachment_id == attachment_id
                )
            )
        )
    ).all()
    if any(may_read(caller, submission) for submission in citing):
        return attachment
    raise Forbidden(
        "无权查看该附件：仅上传人和引用该附件的案件的当事方可以查看。", "attachment_forbidden"
    )


def cited_by_caller(session: Session, caller: Caller, ids: list[int]) -> list[Attachment]:
    """The attachments a submission cites: each must exist and be the caller's own upload."""
    found = {
        a.id: a for a in session.exec(select(Attachment).where(col(Attachment.id).in_(ids))).all()
    }
    for attachment_id in ids:
        attachment = found.get(attachment_id)
        if attachment is None:
            raise Invalid(f"附件 {attachment_id} 不存在，请先上传。", "attachment_not_found")
        if attachment.uploaded_by != caller.id:
            raise Invalid(f"附件 {attachment_id} 不是本人上传的，不能引用。", "attachment_not_own")
    return [found[i] for i in dict.fromkeys(ids)]
