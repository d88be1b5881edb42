"""The effects of decisions: authorizations granted, notices sent, data corrected."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.db import UTCDateTime
from models.reference import utcnow
from workflows.common import GrantedBy


class Authorization(SQLModel, table=True):
    """One grant per case and stage: a retried activity finds the row and grants nothing more."""

    __table_args__ = (UniqueConstraint("case_id", "stage"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(index=True, max_length=120)
    stage: str = Field(max_length=60)
    applicant_department_id: str = Field(foreign_key="department.id", index=True)
    resource_id: str = Field(foreign_key="catalogresource.id", index=True)
    granted_by: GrantedBy = Field(sa_type=String(40))
    fields: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    purpose: str = ""
    scenario: str = ""
    cite: str = ""
    granted_at: datetime = Field(sa_type=UTCDateTime)
    valid_until: date | None = None
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Granted under a temporary share type (dongying 第二十条第三款): the reclassification case
    # number. Such a grant lasts until that type is restored, then is revoked (`revoked_reason`)
    # unless an ordinary grant made since covers it (`kept_by_case`, that grant's case id).
    reclassified_by_case: str | None = Field(default=None, max_length=40, index=True)
    revoked_reason: str = ""
    kept_by_case: str | None = Field(default=None, max_length=120)


class Notice(SQLModel, table=True):
    """Addressed to a department, or (for a member of the public, who has none) to a user."""

    __table_args__ = (
        UniqueConstraint("case_id", "key", "recipient_department_id"),
        UniqueConstraint("case_id", "key", "recipient_user_id", name="uq_notice_user"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(index=True, max_length=120)
    key: str = Field(max_length=80)
    kind: str = Field(max_length=40)
    recipient_department_id: str | None = Field(
        default=None, foreign_key="department.id", index=True
    )
    recipient_user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    title: str = Field(max_length=300)
    body: str
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DataCorrection(SQLModel, table=True):
    """A repair (修复) made by a quality verification case: the resource's new version and
    what changed. One per case and resource, so a retried activity bumps the version once."""

    __table_args__ = (UniqueConstraint("case_id", "resource_id"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(index=True, max_length=120)
    resource_id: str = Field(foreign_key="catalogresource.id", index=True, max_length=64)
    version: int
    change: str
    made_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
