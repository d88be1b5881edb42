"""What the workbench keeps for people: their login sessions and which notices they have read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.db import UTCDateTime
from models.reference import utcnow


class WebSession(SQLModel, table=True):
    """A login. The cookie carries a random token; only its SHA-256 is stored, so a copy of
    the database opens no session. Expiry is decided from the two instants and the settings
    in force when a request comes, so shortening a setting applies at once."""

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True)
    # Every form of the session carries it; a POST without it is refused (CSRF).
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class NoticeRead(SQLModel, table=True):
    """A person has read a notice. Per person, not per department: each caseworker of a
    department has their own unread count."""

    __table_args__ = (UniqueConstraint("notice_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    notice_id: int = Field(foreign_key="notice.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    read_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
