"""What the database knows of cases: the supervisors' projection, submissions, case numbers.

Temporal is the system of record for where a case stands; `CaseRecord` is a projection the
workflow keeps current through an activity, so that lists and filters are plain SQL.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.db import UTCDateTime
from models.reference import utcnow
from workflows.common import CaseState


class CaseRecord(SQLModel, table=True):
    # The supervisors' views' indexes (migration 0011): every column they filter, group and
    # count open cases by, covering (counting never reads a row and its state); a month's
    # deemed consents.
    __table_args__ = (
        Index(
            "ix_caserecord_open_cases",
            "status",
            "jurisdiction",
            "applicant_jurisdiction",
            "due",
            "overdue",
            "process",
            "stage",
            "provider_department_id",
            "applicant_department_id",
            "second_provider_department_id",
            "case_id",
        ),
        Index("ix_caserecord_granted_by_closed_at", "granted_by", "closed_at"),
    )

    case_id: str = Field(primary_key=True, max_length=120)
    case_number: str = Field(unique=True, max_length=40)
    process: str = Field(max_length=40)
    ruleset: str = Field(index=True, max_length=40)
    # Whose instruments govern the case (a sharing application's: the provider's).
    jurisdiction: str = Field(index=True, max_length=100)
    # The other side's, where the submitting department's differs: a cross-jurisdiction case
    # is read by the supervisors of both, and counted in both reports under its own side.
    applicant_jurisdiction: str | None = Field(default=None, index=True, max_length=100)
    status: str = Field(max_length=10)
    stage: str = Field(max_length=40)
    outcome: str | None = Field(default=None, max_length=40)
    applicant_department_id: str | None = Field(default=None, index=True, max_length=64)
    provider_department_id: str | None = Field(default=None, index=True, max_length=64)
    second_provider_department_id: str | None = Field(default=None, index=True, max_length=64)
    received_at: datetime = Field(sa_type=UTCDateTime, index=True)
    due: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    last_day: date | None = None
    counted_from: datetime | None = Field(default=None, sa_type=UTCDateTime)
    provisional: bool = False
    overdue: bool = False
    # When it closed, and how it was granted (a deemed consent, 视为同意, among others): the
    # dashboard counts a month's deemed consents from these, never from `state`.
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    granted_by: str | None = Field(default=None, max_length=40)
    revision: int = 0
    state: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CaseSubmission(SQLModel, table=True):
    """An accepted POST /cases: the Idempotency-Key and the request it answered."""

    __table_args__ = (
        UniqueConstraint("user_id", "idempotency_key"),
        # The yearly maintenance's cases by key, every department's at once (migration 0011).
        Index("ix_casesubmission_idempotency_key", "idempotency_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    idempotency_key: str | None = Field(default=None, max_length=200)
    request_hash: str = Field(max_length=64)
    case_id: str = Field(unique=True, max_length=120)
    process: str = Field(max_length=40)
    ruleset: str = Field(max_length=40)
    jurisdiction: str = Field(max_length=100)
    applicant_jurisdiction: str | None = Field(default=None, max_length=100)
    applicant_department_id: str | None = Field(default=None, max_length=64)
    provider_department_id: str | None = Field(default=None, max_length=64)
    second_provider_department_id: str | None = Field(default=None, max_length=64)
    # The workflow input, so a retry can start a case whose first start was interrupted.
    start: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Temporal confirmed the case's workflow (None: not yet, or numbered before this was kept).
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # A number whose workflow never started, given up with the reason, so that the register
    # has no unexplained gap (service.submissions_sweep).
    voided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    void_reason: str | None = Field(default=None, max_length=500)


class CaseCounter(SQLModel, table=True):
    """The last case number given per ruleset and year (HB419-2026-000123)."""

    __table_args__ = (UniqueConstraint("ruleset", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    ruleset: str = Field(max_length=40)
    year: int
    last: int = 0


_STATE = TypeAdapter(CaseState)


def record_fields(state: CaseState) -> dict[str, Any]:
    """The case's row as `state` has it, but for its key and the applicant's jurisdiction
    (which the submission knows, not the workflow). The `state` column holds the events
    `state` carries: from `state.events_from` on."""
    deadline = state.deadline if state.status == "open" else None
    snapshot = _STATE.dump_python(replace(state, events_from=0), mode="json")
    closing = next((e for e in reversed(state.events) if e.kind == "closed"), None)
    return {
        "case_number": state.case_number,
        "process": state.process,
        "ruleset": state.ruleset,
        "jurisdiction": state.jurisdiction,
        "status": state.status.value,
        "stage": state.stage,
        "outcome": state.outcome,
        "applicant_department_id": state.parties.applicant,
        "provider_department_id": state.parties.provider,
        "second_provider_department_id": state.parties.second_provider,
        "received_at": state.received_at,
        "due": deadline.due if deadline else None,
        "last_day": deadline.last_day if deadline else None,
        "counted_from": deadline.counted_from if deadline else None,
        "provisional": bool(deadline and deadline.provisional),
        "overdue": state.overdue,
        "closed_at": closing.at if closing and state.status == "closed" else None,
        "granted_by": (snapshot.get("details") or {}).get("granted_by"),
        "revision": state.revision,
        "state": snapshot,
        "updated_at": datetime.now(UTC),
    }
