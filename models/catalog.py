"""Catalog versions: every publication of a catalog-update case (目录更新), and what it changed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from models.db import UTCDateTime


class CatalogVersion(SQLModel, table=True):
    """One published draft. A case publishes at most once: a retried publication finds its
    version by case and creates nothing more."""

    number: int = Field(primary_key=True)
    case_id: str = Field(unique=True, max_length=120)
    case_number: str = Field(max_length=40)
    department_id: str = Field(foreign_key="department.id", index=True)
    published_by: int = Field(foreign_key="user.id")
    published_at: datetime = Field(sa_type=UTCDateTime, index=True)


class CatalogChange(SQLModel, table=True):
    """A resource before and after a version (empty before: added)."""

    id: int | None = Field(default=None, primary_key=True)
    version_number: int = Field(foreign_key="catalogversion.number", index=True)
    resource_id: str = Field(max_length=64, index=True)
    op: str = Field(max_length=10)  # add, change, retire
    reason: str = ""
    before: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    after: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
