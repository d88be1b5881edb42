"""Keeping the supervisors' case projection current."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import TypeAdapter
from temporalio import activity

from activities.database import session
from models import CaseRecord
from workflows.common import CaseState

STATE = TypeAdapter(CaseState)


@activity.defn
def record_case(state: CaseState) -> None:
    """Upsert the case's row; a late retry of an older revision changes nothing."""
    with session() as db:
        row = db.get(CaseRecord, state.case_id, with_for_update=True)
        if row is not None and row.revision >= state.revision:
            return
        row = row or CaseRecord(case_id=state.case_id, received_at=state.received_at)
        deadline = state.deadline
        row.case_number = state.case_number
        row.process = state.process
        row.ruleset = state.ruleset
        row.jurisdiction = state.jurisdiction
        row.status = state.status.value
        row.stage = state.stage
        row.outcome = state.outcome
        row.applicant_department_id = state.parties.applicant
        row.provider_department_id = state.parties.provider
        row.received_at = state.received_at
        row.due = deadline.due if deadline and state.status == "open" else None
        row.last_day = deadline.last_day if deadline and state.status == "open" else None
        row.counted_from = deadline.counted_from if deadline and state.status == "open" else None
        row.provisional = bool(deadline and deadline.provisional)
        row.overdue = state.overdue
        row.revision = state.revision
        row.state = STATE.dump_python(state, mode="json")
        row.updated_at = datetime.now(UTC)
        db.add(row)
        db.commit()
