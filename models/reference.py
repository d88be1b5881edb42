"""Reference data: departments, users and their tokens, the data catalog."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import JSON, Column, String
from sqlmodel import Field, SQLModel

from models.db import UTCDateTime
from workflows.common import DeliveryMethod, DepartmentKind, OpenType, Role, ShareType


def utcnow() -> datetime:
    return datetime.now(UTC)


class DepartmentBase(SQLModel):
    id: str = Field(primary_key=True, max_length=64, description="Stable code, e.g. hubei-health.")
    name: str = Field(max_length=200)
    jurisdiction: str = Field(
        index=True,
        max_length=100,
        description="Dotted jurisdiction code, e.g. hubei or hubei.lichuan.",
    )
    kind: DepartmentKind = Field(default=DepartmentKind.ORDINARY, sa_type=String(40))


class Department(DepartmentBase, table=True):
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class UserBase(SQLModel):
    name: str = Field(max_length=200)
    role: Role = Field(sa_type=String(40))
    department_id: str | None = Field(default=None, foreign_key="department.id")


class User(UserBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # The workbench login: staff get a username from an administrator, the public register
    # with a phone number or an email address. Only the argon2 hash of the password is kept.
    username: str | None = Field(default=None, unique=True, max_length=120)
    password_hash: str | None = Field(default=None, max_length=200)
    # Consecutive failed logins, and until when the account refuses logins after too many.
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ApiToken(SQLModel, table=True):
    """Only the SHA-256 of a token is stored; the token itself is shown once."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(unique=True, max_length=64)
    prefix: str = Field(max_length=12)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # None: issued before tokens expired (migration 0008), or the bootstrap admin's.
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CatalogResourceBase(SQLModel):
    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    provider_id: str = Field(foreign_key="department.id", index=True)
    share_type: ShareType = Field(sa_type=String(40))
    open_type: OpenType = Field(default=OpenType.NOT_OPEN, sa_type=String(40))
    legal_basis: str = ""
    conditions: str = ""
    fields: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    update_cycle: str = ""
    # How the provider shares it once it consents (809 第二十二条第二款): through the platform's
    # service interface (the grant is the delivery), or by batch exchange or file (the
    # provider then delivers within 20 working days of its consent).
    delivery_method: DeliveryMethod = Field(default=DeliveryMethod.INTERFACE, sa_type=String(20))


class CatalogResource(CatalogResourceBase, table=True):
    # Sharing between departments (共享): active, suspended, retired; and why it last changed.
    status: str = Field(default="active", max_length=20)
    version: int = 1
    created_by_case: str | None = Field(default=None, max_length=120)
    status_reason: str = ""
    # The opening to the public (开放), apart from sharing (hubei 第三条): open, suspended,
    # withdrawn (`OpenStatus`); the objection (开放数据异议) case number whose suspension holds
    # it, and why the open status last changed. Meaningful only for an opened `open_type`.
    open_status: str = Field(default="open", max_length=20)
    suspended_by_case: str | None = Field(default=None, max_length=40)
    open_status_reason: str = ""
    # A temporary share type for a sudden public event (dongying 第二十条): the case that set
    # it, its last day, the type it replaced, and why the share type last changed.
    reclassified_by_case: str | None = Field(default=None, max_length=40)
    reclassified_until: date | None = None
    share_type_before: ShareType | None = Field(default=None, sa_type=String(40))
    share_type_reason: str = ""
    # The negative-listing case whose recorded government approval made the resource
    # not-shared, and that approval as refusals cite it. A not-shared mark without them
    # predates the process and is listed for operators to regularize.
    negative_list_case: str | None = Field(default=None, max_length=40)
    negative_list_approval: str = ""
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
