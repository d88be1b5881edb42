"""Attachments cited by a case: recorded once, so the case's parties may read them."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import col, select
from temporalio import activity

from activities.database import commit_once, session
from models import AttachmentCitation


@dataclass(frozen=True)
class CiteAttachmentsInput:
    case_id: str
    attachment_ids: list[int] = field(default_factory=list)


@activity.defn
def cite_attachments(request: CiteAttachmentsInput) -> None:
    """Adds the citations not yet recorded: a retry adds nothing."""
    with session() as db:
        known = set(
            db.exec(
                select(AttachmentCitation.attachment_id).where(
                    AttachmentCitation.case_id == request.case_id,
                    col(AttachmentCitation.attachment_id).in_(request.attachment_ids),
                )
            ).all()
        )
        for attachment_id in dict.fromkeys(request.attachment_ids):
            if attachment_id not in known:
                db.add(AttachmentCitation(attachment_id=attachment_id, case_id=request.case_id))
        commit_once(db)
