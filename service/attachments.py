"""Evidence attachments: stored once by digest, size-limited, type-checked from their bytes,
readable by the service's own user only (0600 in a 0700 directory).

Any process may cite attachments by id: `cited_by_caller` checks a submission's ids, and the
workflow records the citation (activities/attachments.py), which lets the case's parties read
them. Who may read an attachment is service/access.py's rule: its uploader, auditors, and
whoever may read a case citing it.
"""

from __future__ import annotations

import hashlib
import os
import struct
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlmodel import Session, col, select

from models import Attachment
from service.access import Caller, may_read_attachment
from service.errors import Forbidden, Invalid, NotFound, TooLarge, Unavailable
from service.platform import Platform
from service.text import NAME
from service.validation import clean_text, private_directory

MAX_BYTES = 10 * 1024 * 1024
CHUNK = 64 * 1024
# How much of each end of a file the type checks read.
HEAD = 64
TAIL = 1024
TYPE_NAMES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_END = b"\x00\x00\x00\x00IEND\xae\x42\x60\x82"


class Upload(Protocol):
    """A file being uploaded (what Starlette's UploadFile offers)."""

    @property
    def filename(self) -> str | None: ...
    @property
    def content_type(self) -> str | None: ...

    async def read(self, size: int = -1) -> bytes: ...


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int
    content_type: str


def sniff(head: bytes, tail: bytes) -> str | None:
    """The type both ends of the file confirm, or None. A magic prefix alone proves nothing:
    a PDF also ends with its %%EOF marker, a PNG starts with an intact IHDR chunk (its CRC
    checked) and ends with IEND, a JPEG ends with its end-of-image marker FFD9."""
    if head.startswith(b"%PDF-") and b"%%EOF" in tail:
        return "application/pdf"
    if head.startswith(PNG_SIGNATURE) and tail.endswith(PNG_END) and _intact_ihdr(head):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff") and tail.endswith(b"\xff\xd9"):
        return "image/jpeg"
    return None


def _intact_ihdr(head: bytes) -> bool:
    chunk = head[8:33]  # length, type, 13 bytes of data, CRC
    if len(chunk) < 25:
        return False
    length, kind, data, crc = chunk[:4], chunk[4:8], chunk[8:21], chunk[21:25]
    return (
        length == struct.pack(">I", 13)
        and kind == b"IHDR"
        and struct.pack(">I", zlib.crc32(kind + data)) == crc
    )


def directory(data_dir: Path) -> Path:
    return data_dir / "attachments"


async def _store(upload: Upload, data_dir: Path) -> Stored:
    """Copy the upload under `<data_dir>/attachments/<sha256>` in chunks, never more than the
    limit; the file appears whole or not at all (write to a temporary name, then rename)."""
    folder = private_directory(directory(data_dir))
    digest, size, head, tail = hashlib.sha256(), 0, b"", b""
    # mkstemp creates the file 0600; the rename keeps it so.
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as out:
            while chunk := await upload.read(CHUNK):
                size += len(chunk)
                if size > MAX_BYTES:
                    raise too_large()
                if len(head) < HEAD:
                    head = (head + chunk)[:HEAD]
                tail = (tail + chunk)[-TAIL:]
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise Invalid("附件为空文件。", "attachment_empty")
        content_type = checked_type(head, tail, upload.content_type)
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


def checked_type(head: bytes, tail: bytes, declared: str | None) -> str:
    actual = sniff(head, tail)
    allowed = "、".join(TYPE_NAMES.values())
    if actual is None:
        raise Invalid(
            f"附件类型不受支持或文件不完整：只接受完整的 {allowed} 文件。",
            "attachment_type_unsupported",
        )
    declared_type = (declared or "").split(";")[0].strip().lower()
    if declared_type != actual:
        raise Invalid(
            f"附件声明的类型（{declared_type or '未声明'}）"
            f"与文件内容（{TYPE_NAMES[actual]}）不符。",
            "attachment_type_mismatch",
        )
    return actual


def too_large() -> TooLarge:
    return TooLarge(f"附件不能超过 {MAX_BYTES // 1024 // 1024} MB。", "attachment_too_large")


async def upload(platform: Platform, caller: Caller, file: Upload) -> Attachment:
    """Store an evidence file (any authenticated user) and record who uploaded it."""
    # A name is kept as sent, shortened: long names are common and harmless once checked.
    name = clean_text(file.filename, "file_name", "附件文件名", max_length=4096, required=False)
    stored = await _store(file, platform.settings.data_dir)
    attachment = Attachment(
        sha256=stored.sha256,
        name=name[:NAME] or stored.sha256,
        content_type=stored.content_type,
        size=stored.size,
        uploaded_by=caller.id,
    )

    def record(session: Session) -> Attachment:
        session.add(attachment)
        session.commit()
        session.refresh(attachment)
        return attachment

    return await platform.run(record)


def readable(platform: Platform, caller: Caller, attachment_id: int) -> tuple[Attachment, Path]:
    """The attachment and where its bytes are, if the caller may read it."""
    with platform.session() as session:
        attachment = session.get(Attachment, attachment_id)
        if attachment is None:
            raise NotFound(f"附件 {attachment_id} 不存在。", "attachment_not_found")
        if not may_read_attachment(session, caller, attachment_id, attachment.uploaded_by):
            raise Forbidden(
                "无权查看该附件：仅上传人和引用该附件的案件的当事方可以查看。",
                "attachment_forbidden",
            )
    stored = directory(platform.settings.data_dir) / attachment.sha256
    if not stored.is_file():
        # The row is there, the bytes are not: a data directory not shared or not restored.
        raise Unavailable(
            f"附件“{attachment.name}”的文件不在存储目录中，请联系运维人员恢复。",
            "attachment_file_missing",
        )
    return attachment, stored


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


def described(platform: Platform, caller: Caller, ids: list[int]) -> list[Attachment]:
    """The attachments among `ids` the caller may read, in the order given."""
    with platform.session() as session:
        found = {
            a.id: a
            for a in session.exec(select(Attachment).where(col(Attachment.id).in_(ids))).all()
        }
        return [
            found[i]
            for i in dict.fromkeys(ids)
            if i in found and may_read_attachment(session, caller, i, found[i].uploaded_by)
        ]
