"""Cases: submit, view, act, list. Access first, then validation, then Temporal.

Temporal holds where a case stands; `CaseSubmission` holds who may see it from the moment it
is accepted; `CaseRecord` is the projection lists and filters read.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import ColumnElement, func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api.deps import Caller
from api.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    Unavailable,
    describe_problems,
    from_rpc,
)
from api.processes import PROCESSES, Process
from api.schemas import ActionBody, CaseOut, CaseSummary, DeadlineOut, Page
from calendars import (
    BEIJING,
    ChinaCalendar,
    Deadline,
    deadline,
    end_of_day,
    working_days_left,
)
from models import CaseCounter, CaseRecord, CaseSubmission
from regulations import Ruleset, Rulesets
from shixian.settings import Settings
from workflows.case import CaseWorkflow, new_state
from workflows.common import (
    ActionInput,
    CaseState,
    Parties,
    PlannedDeadline,
    ReplanInput,
    Role,
    StateQuery,
)

STATE = TypeAdapter(CaseState)
SETTLE_POLLS = 100  # 5 seconds
QUERY_TIMEOUT = timedelta(seconds=5)
NUMBER_ATTEMPTS = 50


def process_named(name: object) -> Process:
    process = PROCESSES.get(str(name))
    if process is None:
        known = "、".join(PROCESSES)
        raise Invalid(f"未知的事项类型“{name}”，可选：{known}。", "unknown_process")
    return process


def process_of(case_id: str) -> Process:
    slug = case_id.split("/", 1)[0]
    for process in PROCESSES.values():
        if process.slug == slug:
            return process
    raise NotFound(f"案件“{case_id}”不存在。", "case_not_found")


# -- submit --------------------------------------------------------------------------------


async def submit(
    *,
    session: Session,
    temporal: Client,
    settings: Settings,
    rulesets: Rulesets,
    caller: Caller,
    body: dict[str, Any],
    idempotency_key: str | None,
    received_at: datetime,
) -> tuple[CaseSubmission, bool]:
    """Start a case; returns its submission and whether it is new."""
    process = process_named(body.get("process"))
    caller.require(*process.submitters)
    # A member of the public has no department; staff submit for theirs.
    if caller.department is None and caller.role is not Role.PUBLIC:
        raise Forbidden("提交人未关联部门，不能提交案件。", "no_department")
    try:
        request = process.request.model_validate(body)
    except ValidationError as error:
        raise Invalid(describe_problems(error.errors()), "invalid_request") from error
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()

    async def replayed(previous: CaseSubmission) -> tuple[CaseSubmission, bool]:
        if previous.request_hash != digest:
            raise Conflict("该 Idempotency-Key 已用于另一份不同的申请。", "idempotency_key_reused")
        await _start(temporal, settings, process, previous, new=False)
        return previous, False

    def previous() -> CaseSubmission | None:
        if not idempotency_key:
            return None
        return session.exec(
            select(CaseSubmission).where(
                CaseSubmission.user_id == caller.id,
                CaseSubmission.idempotency_key == idempotency_key,
            )
        ).first()

    if (earlier := previous()) is not None:
        return await replayed(earlier)

    # A retry above replays even if the resource has changed since.
    if process.jurisdiction_of is not None:
        jurisdiction = process.jurisdiction_of(session, caller, request)
    else:
        jurisdiction = caller.jurisdiction or ""
    ruleset = rulesets.resolve(
        jurisdiction=jurisdiction,
        received_on=received_at.astimezone(BEIJING).date(),
        process=process.name,
        requested=getattr(request, "ruleset", None),
    )
    draft = process.prepare(session, caller, request, ruleset)
    year = received_at.astimezone(BEIJING).year
    for _ in range(NUMBER_ATTEMPTS):
        submission, created = _allocate(
            session,
            taken=previous,
            prefix=ruleset.spec.case_prefix,
            ruleset=ruleset.id,
            year=year,
            make=lambda number: CaseSubmission(
                user_id=caller.id,
                idempotency_key=idempotency_key or None,
                request_hash=digest,
                case_id=f"{process.slug}/{number}",
                process=process.name,
                ruleset=ruleset.id,
                jurisdiction=jurisdiction,
                applicant_department_id=draft.parties.applicant,
                provider_department_id=draft.parties.provider,
                second_provider_department_id=draft.parties.second_provider,
                start=_dump(draft.build(f"{process.slug}/{number}", number, received_at)),
            ),
        )
        if not created:
            return await replayed(submission)
        try:
            await _start(temporal, settings, process, submission, new=True)
            return submission, True
        except WorkflowAlreadyStartedError:
            # Temporal already has a case with this number (a database restored behind it):
            # never attach to it; the number stays used and the next one is tried.
            pass
        except Unavailable:
            # Nothing was started: take the submission back so no half-written case remains.
            session.delete(submission)
            session.commit()
            raise
        session.delete(submission)
        session.commit()
    raise Unavailable("案件编号与工作流服务中的既有案件冲突，请联系管理员。", "numbering_conflict")


def _dump(value: Any) -> dict[str, Any]:
    return TypeAdapter(type(value)).dump_python(value, mode="json")  # type: ignore[no-any-return]


def _allocate(
    session: Session,
    *,
    taken: Callable[[], CaseSubmission | None],
    prefix: str,
    ruleset: str,
    year: int,
    make: Callable[[str], CaseSubmission],
) -> tuple[CaseSubmission, bool]:
    """Give the next number of the ruleset's year to a new submission, in one transaction.

    If a concurrent request with the same Idempotency-Key won, returns its submission, and
    False for "not created"."""
    for _ in range(5):
        counter = session.exec(
            select(CaseCounter)
            .where(CaseCounter.ruleset == ruleset, CaseCounter.year == year)
            .with_for_update()
        ).first() or CaseCounter(ruleset=ruleset, year=year, last=0)
        counter.last += 1
        submission = make(f"{prefix}-{year}-{counter.last:06d}")
        session.add(counter)
        session.add(submission)
        try:
            session.commit()
            return submission, True
        except IntegrityError:
            # Another request took this number, created the counter, or carried the same
            # Idempotency-Key first.
            session.rollback()
            if (winner := taken()) is not None:
                return winner, False
    raise Unavailable("案件编号分配繁忙，请重试。", "numbering_busy")


async def _start(
    temporal: Client, settings: Settings, process: Process, submission: CaseSubmission, new: bool
) -> None:
    """Start the submission's workflow. For a retried submission the workflow may already
    exist: it is this submission's own, started by the first attempt."""
    start_input = TypeAdapter(process.input).validate_python(submission.start)
    try:
        await temporal.start_workflow(
            process.run,
            start_input,
            id=submission.case_id,
            task_queue=settings.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
        )
    except WorkflowAlreadyStartedError:
        if new:
            raise
    except RPCError as error:
        raise from_rpc(error) from error


# -- read ----------------------------------------------------------------------------------


def submission_for(session: Session, caller: Caller, case_id: str) -> CaseSubmission:
    """The case's submission if the caller may see the case; 404 hides other cases' existence
    from parties who are not involved, 403 tells staff of the wrong jurisdiction."""
    submission = session.exec(
        select(CaseSubmission).where(
            or_(
                CaseSubmission.case_id == case_id,
                col(CaseSubmission.case_id).endswith("/" + case_id),
            )
        )
    ).first()
    if submission is None:
        raise NotFound(f"案件“{case_id}”不存在。", "case_not_found")
    if not may_read(caller, submission):
        raise Forbidden("无权查看该案件：不属于本部门或本辖区。", "case_forbidden")
    return submission


def departments_of(submission: CaseSubmission) -> tuple[str | None, ...]:
    """The departments party to a case: they read it, and find it in their list."""
    return (
        submission.applicant_department_id,
        submission.provider_department_id,
        submission.second_provider_department_id,
    )


def may_read(caller: Caller, submission: CaseSubmission) -> bool:
    match caller.role:
        case Role.AUDITOR:
            return True
        case Role.SUPERVISOR:
            return caller.oversees(submission.jurisdiction) or caller.user.department_id in (
                departments_of(submission)
            )
        case Role.CASEWORKER:
            return caller.user.department_id in departments_of(submission)
        case Role.PUBLIC:
            return submission.user_id == caller.id
    return False


async def view(
    *,
    session: Session,
    temporal: Client,
    caller: Caller,
    case_id: str,
    now: datetime,
    calendar: ChinaCalendar,
    settle: bool = False,
) -> CaseOut:
    """The case as the caller sees it. With `settle`, a case just started is given a moment
    to enter its first stage, so the submitter sees what is due."""
    submission = submission_for(session, caller, case_id)
    handle: WorkflowHandle[Any, Any] = temporal.get_workflow_handle(submission.case_id)
    query = partial(
        handle.query, CaseWorkflow.view, StateQuery(caller.actor()), rpc_timeout=QUERY_TIMEOUT
    )
    try:
        state = await query()
        for _ in range(SETTLE_POLLS if settle else 0):
            if state.stage != "received":
                break
            await asyncio.sleep(0.05)
            state = await query()
    except RPCError as error:
        if settle:
            # Just started, but no worker has run it yet: it is received all the same.
            return present(_received(submission), now, calendar)
        record = session.get(CaseRecord, submission.case_id)
        if error.status is not RPCStatusCode.NOT_FOUND or record is None:
            raise from_rpc(error) from error
        # Past Temporal's retention the projection's last snapshot is the record.
        state = STATE.validate_python(record.state)
    return present(state, now, calendar)


def _received(submission: CaseSubmission) -> CaseState:
    """A started case no worker has run yet, as its submission describes it."""
    start = submission.start
    return new_state(
        case_id=submission.case_id,
        case_number=start["case_number"],
        process=submission.process,
        ruleset=submission.ruleset,
        jurisdiction=submission.jurisdiction,
        received_at=datetime.fromisoformat(start["received_at"]),
        parties=TypeAdapter(Parties).validate_python(start["parties"]),
        details={},
    )


def present(state: CaseState, now: datetime, calendar: ChinaCalendar) -> CaseOut:
    data = STATE.dump_python(state)
    data["deadline"] = _deadline_out(state.deadline, now, calendar) if state.deadline else None
    return CaseOut.model_validate(data)


def _deadline_out(planned: PlannedDeadline, now: datetime, calendar: ChinaCalendar) -> DeadlineOut:
    left = days_left(planned.counted_from, planned.last_day, now, calendar)
    return DeadlineOut.model_validate({**planned.__dict__, "working_days_left": left})


def days_left(
    counted_from: datetime, last_day: date, now: datetime, calendar: ChinaCalendar
) -> int:
    """Working days left at `now`; the day the period started from is never one of them."""
    counted = Deadline(
        received_on=counted_from.astimezone(BEIJING).date(),
        working_days=0,
        last_day=last_day,
        due=end_of_day(last_day),
        provisional=False,
        notices=(),
    )
    return working_days_left(counted, now, calendar)


# -- act -----------------------------------------------------------------------------------


async def act(
    *,
    session: Session,
    temporal: Client,
    caller: Caller,
    case_id: str,
    action: str,
    body: ActionBody,
    now: datetime,
    calendar: ChinaCalendar,
) -> CaseOut:
    submission = submission_for(session, caller, case_id)
    process = process_of(submission.case_id)
    update = process.actions.get(action)
    if update is None:
        raise NotFound(
            f"{process.title}没有“{action}”操作；可用操作：{'、'.join(process.actions)}。",
            "unknown_action",
        )
    if caller.role in (Role.AUDITOR, Role.ADMIN):
        raise Forbidden("审计人员和系统管理员只能查看，不能办理案件。", "read_only_role")
    handle: WorkflowHandle[Any, Any] = temporal.get_workflow_handle(submission.case_id)
    request = ActionInput(
        actor=caller.actor(),
        reason=body.reason,
        legal_basis=body.legal_basis,
        decision=body.decision,
        note=body.note,
        working_days=body.working_days,
    )
    try:
        state = await handle.execute_update(update, request)
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            # The case exists (its submission does): Temporal says so of a finished workflow.
            raise Conflict("案件已办结，不能再办理。", "case_closed") from error
        raise from_rpc(error) from error
    return present(state, now, calendar)


# -- list ----------------------------------------------------------------------------------


def in_beijing(moment: datetime) -> datetime:
    """A filter's time as given; without a zone it means Beijing time, as the API shows."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=BEIJING)


def involving(department: str | None) -> ColumnElement[bool]:
    """Cases to which `department` is party, in the case projection."""
    return or_(
        CaseRecord.applicant_department_id == department,
        CaseRecord.provider_department_id == department,
        CaseRecord.second_provider_department_id == department,
    )


def list_cases(
    *,
    session: Session,
    caller: Caller,
    now: datetime,
    calendar: ChinaCalendar,
    process: str | None = None,
    ruleset: str | None = None,
    stage: str | None = None,
    status: str | None = None,
    department: str | None = None,
    overdue: bool | None = None,
    due_within: int | None = None,
    received_from: datetime | None = None,
    received_to: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[CaseSummary]:
    query = select(CaseRecord)
    match caller.role:
        case Role.AUDITOR:
            pass
        case Role.SUPERVISOR:
            own = caller.jurisdiction or "-"
            query = query.where(
                or_(
                    CaseRecord.jurisdiction == own,
                    col(CaseRecord.jurisdiction).startswith(own + "."),
                )
            )
        case Role.CASEWORKER:
            query = query.where(involving(caller.user.department_id))
        case Role.PUBLIC:
            # A member of the public sees the cases they submitted, and no others.
            own = select(CaseSubmission.case_id).where(CaseSubmission.user_id == caller.id)
            query = query.where(col(CaseRecord.case_id).in_(own))
        case _:
            raise Forbidden("无权查看案件列表。", "role_not_allowed")
    if process:
        query = query.where(CaseRecord.process == process)
    if ruleset:
        query = query.where(CaseRecord.ruleset == ruleset)
    if stage:
        query = query.where(CaseRecord.stage == stage)
    if status:
        query = query.where(CaseRecord.status == status)
    if department:
        query = query.where(involving(department))
    if overdue is not None:
        # A timer that fired while the worker was down is overdue all the same.
        late = or_(col(CaseRecord.overdue).is_(True), col(CaseRecord.due) <= now)
        late_open = (CaseRecord.status == "open") & late
        query = query.where(late_open if overdue else ~late_open)
    if due_within is not None:
        horizon = deadline(now, due_within, calendar).due if due_within > 0 else now
        query = query.where(CaseRecord.status == "open", col(CaseRecord.due) <= horizon)
    if received_from:
        query = query.where(CaseRecord.received_at >= in_beijing(received_from))
    if received_to:
        query = query.where(CaseRecord.received_at < in_beijing(received_to))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(
        query.order_by(col(CaseRecord.due).is_(None), col(CaseRecord.due), CaseRecord.case_id)
        .limit(limit)
        .offset(offset)
    ).all()
    items = [
        CaseSummary(
            case_id=row.case_id,
            case_number=row.case_number,
            process=row.process,
            ruleset=row.ruleset,
            jurisdiction=row.jurisdiction,
            status=row.status,
            stage=row.stage,
            outcome=row.outcome,
            applicant_department_id=row.applicant_department_id,
            provider_department_id=row.provider_department_id,
            received_at=row.received_at,
            due=row.due,
            last_day=row.last_day,
            working_days_left=days_left(row.counted_from, row.last_day, now, calendar)
            if row.last_day and row.counted_from
            else None,
            provisional=row.provisional,
            overdue=row.status == "open"
            and (row.overdue or (row.due is not None and row.due <= now)),
        )
        for row in rows
    ]
    return Page[CaseSummary](total=total, limit=limit, offset=offset, items=items)


# -- calendar revisions --------------------------------------------------------------------


async def replan_open_cases(*, session: Session, temporal: Client, reason: str) -> int:
    """Ask every open case to recount its deadlines; returns how many were asked.

    The workflows recount through their deadline activity, which loads the revised calendar,
    and record any deadline that moved. Cases that closed meanwhile are skipped.
    """
    open_ids = session.exec(select(CaseRecord.case_id).where(CaseRecord.status == "open")).all()
    asked = 0
    for case_id in open_ids:
        try:
            await temporal.get_workflow_handle(case_id).signal(
                CaseWorkflow.replan_deadlines, ReplanInput(reason)
            )
            asked += 1
        except RPCError as error:
            if error.status is not RPCStatusCode.NOT_FOUND:
                raise from_rpc(error) from error
    return asked


# -- cases the platform opens itself -------------------------------------------------------


def open_platform_case(
    session: Session,
    *,
    process: Process,
    ruleset: Ruleset,
    key: str,
    user_id: int,
    jurisdiction: str,
    parties: Parties,
    build: Callable[[str, str, datetime], Any],
    received_at: datetime,
) -> tuple[CaseSubmission, Any]:
    """Number a case the platform opens on its own (a schedule), once per `key`: a retry
    finds the submission made the first time. Returns it with the workflow input to start."""

    def taken() -> CaseSubmission | None:
        return session.exec(
            select(CaseSubmission).where(
                CaseSubmission.user_id == user_id, CaseSubmission.idempotency_key == key
            )
        ).first()

    if (earlier := taken()) is not None:
        return earlier, TypeAdapter(process.input).validate_python(earlier.start)
    year = received_at.astimezone(BEIJING).year
    submission, _ = _allocate(
        session,
        taken=taken,
        prefix=ruleset.spec.case_prefix,
        ruleset=ruleset.id,
        year=year,
        make=lambda number: CaseSubmission(
            user_id=user_id,
            idempotency_key=key,
            request_hash=hashlib.sha256(key.encode()).hexdigest(),
            case_id=f"{process.slug}/{number}",
            process=process.name,
            ruleset=ruleset.id,
            jurisdiction=jurisdiction,
            applicant_department_id=parties.applicant,
            provider_department_id=parties.provider,
            start=_dump(build(f"{process.slug}/{number}", number, received_at)),
        ),
    )
    return submission, TypeAdapter(process.input).validate_python(submission.start)
