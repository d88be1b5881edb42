"""Keeping the supervisors' case projection current."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.database import session
from activities.notices import SendNoticeInput, commit_with, new_notices, send_notice
from models import CaseRecord
from models.cases import record_fields
from workflows.common import CaseState


@dataclass(frozen=True)
class StepRecord:
    """What one step of a case leaves: its notices, and its record where the step changed
    the case (`record_case`'s input; None for notices alone, such as a reminder's)."""

    notices: list[SendNoticeInput] = field(default_factory=list)
    state: CaseState | None = None


@activity.defn
def record_step(step: StepRecord) -> None:
    """Store the step's notices, each recipient's once, and its record, in one transaction:
    a step that tells someone runs this one activity, where it ran one for each notice and
    one for the record (workflows/case.py `_notify`)."""
    with session() as db:
        # Everything is written at the commit: SQLite's write lock is held for no read.
        with db.no_autoflush:
            notices = new_notices(db, step.notices)
            if step.state is not None:
                _add_record(db, step.state)
        if commit_with(db, notices):
            return
    # An attempt running at the same time stored a notice first: each on its own, once.
    for notice in step.notices:
        send_notice(notice)
    if step.state is not None:
        record_case(step.state)


@activity.defn
def record_case(state: CaseState) -> None:
    """Upsert the case's row; a late retry of an older revision changes nothing.

    `state` carries the events from `state.events_from` on; the row holds the earlier ones
    (a case records every step, and its events, once recorded, do not change)."""
    with session() as db:
        _add_record(db, state)
        db.commit()


def _add_record(db: Session, state: CaseState) -> None:
    """Add, uncommitted, the case's row as `state` has it, unless it holds a later revision."""
    row = db.get(CaseRecord, state.case_id, with_for_update=True)
    if row is not None and row.revision >= state.revision:
        return
    fields = record_fields(state)
    if state.events_from:
        held = row.state["events"] if row is not None else []
        if len(held) < state.events_from:
            raise ApplicationError(
                f"案件列表中本案仅存 {len(held)} 个步骤，少于已记录的 {state.events_from} 个，"
                "无法续记。",
                type="projection_behind",
                non_retryable=True,
            )
        fields["state"]["events"] = held[: state.events_from] + fields["state"]["events"]
    if row is None:
        row = CaseRecord(case_id=state.case_id, **fields)
    else:
        row.sqlmodel_update(fields)
    db.add(row)
