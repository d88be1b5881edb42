"""What the platform keeps about faults: cases that cannot go on by themselves, and the answers
to actions sent with an Idempotency-Key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.db import UTCDateTime
from models.reference import utcnow


class StuckCase(SQLModel, table=True):
    """A case that cannot go on by itself, as a worker found it: an effect that failed for
    good (`effect`: it waits for an operator's retry), one that keeps failing and is still
    retried (`retrying`), or a workflow task that keeps failing (`workflow_task`: a defect in
    the workflow code or in what it was given; it goes on once a fixed worker runs it)."""

    __table_args__ = (UniqueConstraint("case_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(index=True, max_length=120)
    kind: str = Field(max_length=20)
    activity: str | None = Field(default=None, max_length=80)
    error_type: str = Field(default="", max_length=120)
    message: str = Field(default="", sa_column=Column(Text, nullable=False))
    attempts: int = 1
    since: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ActionReceipt(SQLModel, table=True):
    """An action sent with an Idempotency-Key: the update that carries it to the case, and
    once it is known, the answer a retry with the same key gets again."""

    __table_args__ = (UniqueConstraint("user_id", "idempotency_key"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    idempotency_key: str = Field(max_length=200)
    request_hash: str = Field(max_length=64)
    case_id: str = Field(max_length=120)
    action: str = Field(max_length=40)
    # The update of the latest attempt: a retry after "recorded" waits for this one; after
    # "not recorded" it is sent afresh under a new id.
    update_id: str = Field(max_length=80)
    recorded: bool = False
    status_code: int | None = None  # None: no final answer yet (the last attempt got a 503)
    response: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
