"""Keeping the supervisors' case projection current."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.authorizations import (
    GrantAuthorizationInput,
    grant_authorization,
    held_grant,
    new_grant,
)
from activities.database import session
from activities.notices import SendNoticeInput, commit_with, new_notices, send_notice
from models import CaseRecord, CaseSubmission
from models.cases import record_fields
from workflows.common import CaseState


@dataclass(frozen=True)
class StepRecord:
    """What one step of a case leaves: its grant, its notices, and its record where the step
    changed the case (`record_case`'s input; None for notices alone, such as a reminder's)."""

    notices: list[SendNoticeInput] = field(default_factory=list)
    state: CaseState | None = None
    grant: GrantAuthorizationInput | None = None


@activity.defn
def record_step(step: StepRecord) -> int | None:
    """Store the step's grant (once per case and stage), its notices (each recipient's once)
    and its record, in one transaction; returns the grant's id. A step that grants and tells
    someone runs this one activity, where it ran one for the grant, one for each notice and
    one for the record (workflows/case.py `_store_step`)."""
    with session() as db:
        stored, granted = _store_together(db, step)
        if stored:
            return granted
    # An attempt running at the same time stored a row first: each on its own, once.
    granted = grant_authorization(step.grant) if step.grant is not None else None
    for notice in step.notices:
        send_notice(notice)
    if step.state is not None:
        _record_alone(step.state, granted)
    return granted


def _store_together(db: Session, step: StepRecord) -> tuple[bool, int | None]:
    """Whether the step was stored, and its grant's id; not stored (rolled back) where an
    attempt running at the same time stored one of its rows first."""
    # Everything is read before anything is written: SQLite's write lock is held for no read.
    with db.no_autoflush:
        granted = held_grant(db, step.grant) if step.grant is not None else None
        notices = new_notices(db, step.notices)
        row = _held_row(db, step.state) if step.state is not None else None
    if step.grant is not None and granted is None:
        grant = new_grant(db, step.grant)
        try:
            db.flush()  # written first, for the record to name it
        except IntegrityError:
            db.rollback()
            return False, None
        granted = grant.id
    if step.state is not None:
        _add_record(db, step.state, row, granted)
    return commit_with(db, notices), granted


@activity.defn
def record_case(state: CaseState) -> None:
    """Upsert the case's row; a late retry of an older revision changes nothing.

    `state` carries the events from `state.events_from` on; the row holds the earlier ones
    (a case records every step, and its events, once recorded, do not change)."""
    _record_alone(state, None)


def _record_alone(state: CaseState, authorization_id: int | None) -> None:
    with session() as db:
        _add_record(db, state, _held_row(db, state), authorization_id)
        db.commit()


def _held_row(db: Session, state: CaseState) -> CaseRecord | None:
    return db.get(CaseRecord, state.case_id, with_for_update=True)


def _add_record(
    db: Session, state: CaseState, row: CaseRecord | None, authorization_id: int | None
) -> None:
    """Add, uncommitted, the case's row (`row` as held) as `state` has it, unless the row
    holds a later revision. `authorization_id`: the grant stored with it, which the state,
    made before, could not name."""
    if row is not None and row.revision >= state.revision:
        return
    fields = record_fields(state)
    if authorization_id is not None:
        fields["state"]["details"]["authorization_id"] = authorization_id
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
    if row is not None and row.revision == 0:
        # The workflow's first record replaces the row listed at submission: the case runs, so
        # its submission started (service/register.py), which its answer need not write.
        db.execute(
            update(CaseSubmission)
            .where(
                col(CaseSubmission.case_id) == state.case_id,
                col(CaseSubmission.started_at).is_(None),
            )
            .values(started_at=fields["updated_at"])
            .execution_options(synchronize_session=False)  # nothing loaded to bring up to date
        )
    if row is None:
        row = CaseRecord(case_id=state.case_id, **fields)
    else:
        row.sqlmodel_update(fields)
    db.add(row)
