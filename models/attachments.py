"""Evidence attachments: stored once by digest, cited by cases."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.db import UTCDateTime
from models.reference import utcnow


class Attachment(SQLModel, table=True):
    """One upload. The bytes live under `<data_dir>/attachments/<sha256>`, shared by uploads
    with the same digest."""

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(index=True, max_length=64)
    name: str = Field(max_length=200)
    content_type: str = Field(max_length=40)
    size: int
    uploaded_by: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AttachmentCitation(SQLModel, table=True):
    """A case citing an attachment: the parties of that case may read it."""

    __table_args__ = (UniqueConstraint("attachment_id", "case_id"),)

    id: int | None = Field(default=None, primary_key=True)
    attachment_id: int = Field(foreign_key="attachment.id", index=True)
    case_id: str = Field(index=True, max_length=120)
