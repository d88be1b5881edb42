"""Cases: submit, view, act, list. Access first, then validation, then Temporal.

Temporal holds where a case stands; `CaseSubmission` holds who may see it from the moment it
is accepted; `CaseRecord` is the projection lists and filters read. Every database step runs
in a worker thread with a session of its own (`Platform.run`), closed before Temporal is
awaited.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime, timedelta
from enum import Enum
from functools import partial
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from calendars import BEIJING, ChinaCalendar, Deadline, deadline, end_of_day, working_days_left
from models import CaseCounter, CaseRecord, CaseSubmission, Department
from regulations import Ruleset, RulesetNotApplicable
from regulations.compose import Composed, compose
from service.access import Caller, listed_cases, party_to, readable_case
from service.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    Unavailable,
    describe_problems,
    from_rpc,
    from_ruleset,
    from_update_failure,
)
from service.labels import label, listing
from service.moments import period_end, period_start
from service.overdue import overdue_now
from service.platform import Platform
from service.submissions import PROCESSES, Draft, Process
from service.text import IDEMPOTENCY_KEY, NAME
from service.validation import clean_text
from service.views import ActionBody, CaseOut, CaseSummary, DeadlineOut, Page
from workflows.case import CaseWorkflow, SettleInput, new_state
from workflows.common import (
    ActionInput,
    Actor,
    CaseDetails,
    CaseState,
    Parties,
    PlannedDeadline,
    ReplanInput,
    Role,
    StateQuery,
)
from workflows.registry import PROCESSES as DECLARED

T = TypeVar("T")
STATE = TypeAdapter(CaseState)
DEADLINE = TypeAdapter(PlannedDeadline)
QUERY_TIMEOUT = timedelta(seconds=5)
NUMBER_ATTEMPTS = 50


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def adapter(kind: type[T]) -> TypeAdapter[T]:
    """One TypeAdapter per type for the process: building one takes milliseconds (a case's
    workflow input about 10), which every submission used to pay again. Two threads may both
    build the first one; either serves."""
    found = _ADAPTERS.get(kind)
    if found is None:
        found = _ADAPTERS[kind] = TypeAdapter(kind)
    return found


def process_named(name: object) -> Process:
    process = PROCESSES.get(name) if isinstance(name, str) else None
    if process is None:
        known = listing((p.name, p.title) for p in PROCESSES.values())
        given = clean_text(name, "process", "事项类型", max_length=NAME, required=True)
        raise Invalid(f"未知的事项类型“{given}”，可选：{known}。", "unknown_process")
    return process


def process_of(case_id: str) -> Process:
    slug = case_id.split("/", 1)[0]
    for process in PROCESSES.values():
        if process.slug == slug:
            return process
    raise NotFound(f"案件“{case_id}”不存在。", "case_not_found")


# -- submit --------------------------------------------------------------------------------


async def submit(
    platform: Platform,
    caller: Caller,
    body: dict[str, Any],
    idempotency_key: str | None = None,
) -> tuple[CaseOut, bool]:
    """Start a case; returns it as the submitter sees it, and whether it is new (False: the
    same Idempotency-Key and body answered before, and this is that case)."""
    process = process_named(body.get("process"))
    caller.require(*process.submitters)
    # A member of the public has no department; staff submit for theirs.
    if caller.department is None and caller.role is not Role.PUBLIC:
        raise Forbidden("提交人未关联部门，不能提交案件。", "no_department")
    try:
        request = process.request.model_validate(body)
    except ValidationError as error:
        raise Invalid(
            describe_problems(error.errors(), process.request), "invalid_request"
        ) from error
    if idempotency_key is not None:
        idempotency_key = clean_text(
            idempotency_key,
            "idempotency_key",
            "Idempotency-Key",
            max_length=IDEMPOTENCY_KEY,
            required=False,
        )
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
    received_at = platform.now()
    temporal = await platform.temporal()

    def register(session: Session) -> tuple[CaseSubmission, bool]:
        if (earlier := _previous(session, caller, idempotency_key)) is not None:
            return earlier, False
        # A retry above replays even if the resource has changed since.
        try:
            return _register(
                session, caller, process, request, received_at, platform, digest, idempotency_key
            )
        except ValueError as error:
            raise from_ruleset(error) from error

    for _ in range(NUMBER_ATTEMPTS):
        submission, new = await platform.run(register)
        if not new:
            if submission.request_hash != digest:
                raise Conflict(
                    "该 Idempotency-Key 已用于另一份不同的申请。", "idempotency_key_reused"
                )
            await _restart(temporal, platform, process, submission)
            try:
                return await view(platform, caller, submission.case_id), False
            except Unavailable:  # no worker has taken it up yet: received all the same
                return present(_received(submission), platform.now(), platform.calendar()), False
        try:
            state = await _open(temporal, platform, process, submission, caller)
            return present(state, platform.now(), platform.calendar()), True
        except WorkflowAlreadyStartedError:
            # Temporal already has a case with this number (a database restored behind it):
            # never attach to it; the number stays used and the next one is tried.
            await platform.run(partial(_withdraw, submission=submission))
        except DomainError:
            # Nothing was started: take the submission back so no half-written case remains.
            await platform.run(partial(_withdraw, submission=submission))
            raise
    raise Unavailable("案件编号与工作流服务中的既有案件冲突，请联系管理员。", "numbering_conflict")


def _previous(session: Session, caller: Caller, key: str | None) -> CaseSubmission | None:
    if not key:
        return None
    return session.exec(
        select(CaseSubmission).where(
            CaseSubmission.user_id == caller.id, CaseSubmission.idempotency_key == key
        )
    ).first()


def _register(
    session: Session,
    caller: Caller,
    process: Process,
    request: Any,
    received_at: datetime,
    platform: Platform,
    digest: str,
    key: str | None,
) -> tuple[CaseSubmission, bool]:
    """Check the submission against the catalog and the ruleset in force, and number it."""
    if process.jurisdiction_of is not None:
        jurisdiction = process.jurisdiction_of(session, caller, request)
    else:
        jurisdiction = caller.jurisdiction or ""
    law = compose(
        platform.rulesets(),
        process=process.name,
        jurisdiction=jurisdiction,
        received=received_at,
        track=process.track_of(session, caller, request) if process.track_of else None,
        counterpart=caller.jurisdiction,
    )
    requested = getattr(request, "ruleset", None)
    if requested is not None and requested != law.id:
        raise RulesetNotApplicable(
            f"本案依法由《{law.title}》（{law.id}）管辖，不能指定规则集“{requested[:60]}”。"
        )
    draft = process.prepare(session, caller, request, law, received_at)
    ruleset = law.ruleset
    return allocate(
        session,
        taken=lambda: _previous(session, caller, key),
        ruleset=ruleset,
        year=received_at.astimezone(BEIJING).year,
        make=lambda number: _submission(
            process,
            draft,
            number,
            ruleset=ruleset.id,
            jurisdiction=jurisdiction,
            governed_by=list(law.governed_by),
            applicant_jurisdiction=caller.jurisdiction,
            received_at=received_at,
            submitted_by=caller.actor(),
            key=key or None,
            digest=digest,
        ),
    )


def _submission(
    process: Process,
    draft: Draft,
    number: str,
    *,
    ruleset: str,
    jurisdiction: str,
    governed_by: list[str],
    applicant_jurisdiction: str | None,
    received_at: datetime,
    submitted_by: Actor,
    key: str | None,
    digest: str,
) -> CaseSubmission:
    """A numbered case's submission, with its workflow input (a retry starts it again)."""
    start = process.start(
        draft,
        case_number=number,
        ruleset=ruleset,
        jurisdiction=jurisdiction,
        received_at=received_at,
        submitted_by=submitted_by,
        governed_by=governed_by,
    )
    return CaseSubmission(
        user_id=submitted_by.user_id,
        idempotency_key=key,
        request_hash=digest,
        case_id=start.case_id,
        process=process.name,
        ruleset=ruleset,
        jurisdiction=jurisdiction,
        applicant_jurisdiction=applicant_jurisdiction,
        applicant_department_id=draft.parties.applicant,
        provider_department_id=draft.parties.provider,
        second_provider_department_id=draft.parties.second_provider,
        start=_dump(start),
    )


def _withdraw(session: Session, *, submission: CaseSubmission) -> None:
    """Take back a numbered submission whose workflow was never started."""
    listed = session.get(CaseRecord, submission.case_id)
    if listed is not None:
        session.delete(listed)
    session.delete(session.merge(submission))
    session.commit()


def _dump(value: Any) -> dict[str, Any]:
    return adapter(type(value)).dump_python(value, mode="json")  # type: ignore[no-any-return]


def allocate(
    session: Session,
    *,
    taken: Callable[[], CaseSubmission | None],
    ruleset: Ruleset,
    year: int,
    make: Callable[[str], CaseSubmission],
) -> tuple[CaseSubmission, bool]:
    """Give the next number of the ruleset's year to a new submission, in one transaction.

    If a concurrent request with the same Idempotency-Key won, returns its submission, and
    False for "not created"."""
    for _ in range(5):
        last = _next_number(session, ruleset.id, year)
        submission = make(f"{ruleset.spec.case_prefix}-{year}-{last:06d}")
        session.add(submission)
        # Listed from the moment it is numbered; the workflow's projection takes over.
        session.add(_listed(submission))
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


def _next_number(session: Session, ruleset: str, year: int) -> int:
    """Take the next number of the ruleset's year, holding the counter until the commit.

    One atomic UPDATE ... RETURNING: on PostgreSQL it locks the row, on SQLite it takes the
    write lock, so concurrent submissions wait for each other instead of reading the same last
    number and failing at the commit (a read, then a write, lost that race at ten users). The
    year's first case inserts the counter; a concurrent first insert fails at the commit and
    the caller retries."""
    taken = session.execute(
        update(CaseCounter)
        .where(col(CaseCounter.ruleset) == ruleset, col(CaseCounter.year) == year)
        .values(last=col(CaseCounter.last) + 1)
        .returning(col(CaseCounter.last))
    ).scalar_one_or_none()
    if taken is not None:
        return int(taken)
    session.add(CaseCounter(ruleset=ruleset, year=year, last=1))
    return 1


async def _open(
    temporal: Client,
    platform: Platform,
    process: Process,
    submission: CaseSubmission,
    caller: Caller,
) -> CaseState:
    """Start the submission's workflow and return the case as its first stage shows it: the
    `settle` update rides on the start (update-with-start) and returns once the case waits
    for its first action or has closed, an event rather than a poll. A case no worker has
    taken up within `first_stage_wait` is received all the same, and is answered so."""
    start = WithStartWorkflowOperation(
        process.run,
        adapter(process.input).validate_python(submission.start),
        id=submission.case_id,
        task_queue=platform.settings.task_queue,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
    )
    try:
        state: CaseState = await temporal.execute_update_with_start_workflow(
            CaseWorkflow.settle,
            SettleInput(viewer=caller.actor()),
            start_workflow_operation=start,
            rpc_timeout=timedelta(seconds=platform.settings.first_stage_wait),
        )
        return state
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        return _received(submission)
    except RPCError as error:
        if error.status is RPCStatusCode.ALREADY_EXISTS:
            raise WorkflowAlreadyStartedError(submission.case_id, process.name) from error
        # The start may have happened before the wait failed (a server answering a deadline
        # it could not keep with an error): a started case is received all the same.
        if await _started(temporal, submission.case_id):
            return _received(submission)
        raise from_rpc(error) from error


async def _started(temporal: Client, case_id: str) -> bool:
    try:
        await temporal.get_workflow_handle(case_id).describe(rpc_timeout=QUERY_TIMEOUT)
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            return False
        raise from_rpc(error) from error
    return True


async def _restart(
    temporal: Client, platform: Platform, process: Process, submission: CaseSubmission
) -> None:
    """Start a retried submission's workflow, if its first attempt did not get that far; a
    workflow of that id is this submission's own."""
    try:
        await temporal.start_workflow(
            process.run,
            adapter(process.input).validate_python(submission.start),
            id=submission.case_id,
            task_queue=platform.settings.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
        )
    except WorkflowAlreadyStartedError:
        pass
    except RPCError as error:
        raise from_rpc(error) from error


# -- read ----------------------------------------------------------------------------------


async def view(platform: Platform, caller: Caller, case_id: str) -> CaseOut:
    """The case as the caller sees it, with the actions the caller may take now."""
    submission = await platform.run(lambda session: readable_case(session, caller, case_id))
    state = await case_state(platform, submission, viewer=caller)
    return present(state, platform.now(), platform.calendar())


async def case_state(
    platform: Platform,
    submission: CaseSubmission,
    *,
    viewer: Caller | None,
) -> CaseState:
    """The case's state from its workflow (with the actions `viewer` may take), or past
    Temporal's retention from the projection's last snapshot."""
    temporal = await platform.temporal()
    handle: WorkflowHandle[Any, Any] = temporal.get_workflow_handle(submission.case_id)
    actor = viewer.actor() if viewer is not None else None

    async def query() -> CaseState:
        state: CaseState = await handle.query(
            CaseWorkflow.view, StateQuery(actor), rpc_timeout=QUERY_TIMEOUT
        )
        return state

    try:
        return await query()
    except RPCError as error:
        record = await platform.run(lambda session: session.get(CaseRecord, submission.case_id))
        if error.status is not RPCStatusCode.NOT_FOUND or record is None:
            raise from_rpc(error) from error
        # Past Temporal's retention the projection's last snapshot is the record.
        return STATE.validate_python(record.state)


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
        parties=adapter(Parties).validate_python(start["parties"]),
        details=None,
        governed_by=list(start.get("governed_by") or []),
    )


def _listed(submission: CaseSubmission) -> CaseRecord:
    """The case projection's first row: received, before its workflow has recorded anything
    (the workflow's first record has revision 1 and replaces it)."""
    state = _received(submission)
    return CaseRecord(
        case_id=state.case_id,
        case_number=state.case_number,
        process=state.process,
        ruleset=state.ruleset,
        jurisdiction=state.jurisdiction,
        applicant_jurisdiction=submission.applicant_jurisdiction,
        status=state.status.value,
        stage=state.stage,
        applicant_department_id=state.parties.applicant,
        provider_department_id=state.parties.provider,
        second_provider_department_id=state.parties.second_provider,
        received_at=state.received_at,
        revision=0,
        state=STATE.dump_python(state, mode="json"),
    )


def present(state: CaseState, now: datetime, calendar: ChinaCalendar) -> CaseOut:
    data = STATE.dump_python(state)
    data["deadline"] = _deadline_out(state.deadline, now, calendar) if state.deadline else None
    data["deadlines"] = [_deadline_out(planned, now, calendar) for planned in state.deadlines]
    data["details"] = details_out(state.process, state.details)
    return CaseOut.model_validate(data)


def typed_details(process: str, details: Any) -> CaseDetails | None:
    """A case's details as its process declares them (they cross Temporal as JSON)."""
    if details is None or process not in DECLARED:
        return None
    typed: CaseDetails = adapter(DECLARED[process].details_type).validate_python(details)
    return typed


def details_out(process: str, details: Any) -> dict[str, Any]:
    """The details as the API shows them: instants in Beijing time, like every time it shows."""
    typed = typed_details(process, details)
    return in_beijing(asdict(typed)) if typed is not None else {}


def in_beijing(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(BEIJING).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {key: in_beijing(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [in_beijing(item) for item in value]
    return value


def _deadline_out(planned: PlannedDeadline, now: datetime, calendar: ChinaCalendar) -> DeadlineOut:
    left = days_left(planned.counted_from, planned.last_day, now, calendar)
    return DeadlineOut.model_validate(
        {
            **DEADLINE.dump_python(planned),
            "working_days_left": left,
            "provenance": planned.provenance(),
            "passed": planned.fired,
        }
    )


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
    platform: Platform, caller: Caller, case_id: str, action: str, body: ActionBody
) -> CaseOut:
    submission = await platform.run(lambda session: readable_case(session, caller, case_id))
    process = process_of(submission.case_id)
    update = process.actions.get(action)
    if update is None:
        raise NotFound(
            f"{process.title}没有“{action[:60]}”操作；可用操作："
            f"{listing((a, label('kinds', process.name, a)) for a in process.actions)}。",
            "unknown_action",
        )
    if caller.role in (Role.AUDITOR, Role.ADMIN):
        raise Forbidden("审计人员和系统管理员只能查看，不能办理案件。", "read_only_role")
    request = ActionInput(
        actor=caller.actor(),
        reason=body.reason,
        legal_basis=body.legal_basis,
        decision=body.decision,
        note=body.note,
        working_days=body.working_days,
    )
    state = await execute(platform, submission.case_id, update, request)
    return present(state, platform.now(), platform.calendar())


async def execute(platform: Platform, case_id: str, update: Any, request: Any) -> CaseState:
    """Run one of the case's updates; a refused or impossible one is a domain error."""
    temporal = await platform.temporal()
    handle: WorkflowHandle[Any, Any] = temporal.get_workflow_handle(case_id)
    try:
        state: CaseState = await handle.execute_update(update, request)
    except WorkflowUpdateFailedError as error:
        raise from_update_failure(error) from error
    except WorkflowUpdateRPCTimeoutOrCancelledError as error:
        # Temporal did not answer in time (an overloaded server): the action may or may not
        # have been taken, so the caller is told to look before trying again.
        raise Unavailable(
            "工作流服务繁忙，未能及时确认本次操作是否已办理；请刷新案件查看后再决定是否重试。",
            "action_unconfirmed",
        ) from error
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            # The case exists (its submission does): Temporal says so of a finished workflow.
            raise Conflict("案件已办结，不能再办理。", "case_closed") from error
        raise from_rpc(error) from error
    return state


# -- list ----------------------------------------------------------------------------------


def list_cases(
    platform: Platform,
    caller: Caller,
    *,
    process: str | None = None,
    ruleset: str | None = None,
    stage: str | None = None,
    status: str | None = None,
    department: str | None = None,
    applicant: str | None = None,
    overdue: bool | None = None,
    due_within: int | None = None,
    received_from: str | None = None,
    received_to: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[CaseSummary]:
    """Cases the caller may read, soonest due first. `department`: requesting or providing;
    `applicant`: requesting only (a department's own applications)."""
    if process is not None:
        process_named(process)
    if ruleset is not None and platform.rulesets().get(ruleset) is None:
        known = listing((r.id, f"《{r.spec.title}》") for r in platform.rulesets())
        raise Invalid(f"规则集“{ruleset[:60]}”不存在；可选：{known}。", "unknown_ruleset")
    if stage is not None:
        stages = {
            "received": label("stages", "", "received"),
            "closed": label("stages", "", "closed"),
        }
        for declared in DECLARED.values():
            if process is None or declared.name == process:
                stages |= {s.name: s.label for s in declared.stages if s.name not in stages}
        if stage not in stages:
            named = listing(sorted(stages.items()))
            raise Invalid(f"环节“{stage[:60]}”不存在；可选：{named}。", "unknown_stage")
    now, calendar = platform.now(), platform.calendar()
    late = overdue_now(now)
    query = select(CaseRecord, late).where(listed_cases(caller))
    if process:
        query = query.where(CaseRecord.process == process)
    if ruleset:
        query = query.where(CaseRecord.ruleset == ruleset)
    if stage:
        query = query.where(CaseRecord.stage == stage)
    if status:
        query = query.where(CaseRecord.status == status)
    if department:
        query = query.where(party_to(CaseRecord, department))
    if applicant:
        query = query.where(CaseRecord.applicant_department_id == applicant)
    if overdue is not None:
        query = query.where(late if overdue else ~late)
    if due_within is not None:
        horizon = deadline(now, due_within, calendar).due if due_within > 0 else now
        query = query.where(CaseRecord.status == "open", col(CaseRecord.due) <= horizon)
    if received_from:
        query = query.where(CaseRecord.received_at >= period_start(received_from, "收件起始"))
    if received_to:
        query = query.where(CaseRecord.received_at < period_end(received_to, "收件截止"))
    with platform.session() as session:
        if department and session.get(Department, department) is None:
            raise Invalid(f"部门“{department[:60]}”不存在。", "unknown_department")
        # Counted and paged over the conditions alone, from the open-cases index where they
        # allow (migration 0011): only the page's rows are read, without the state a summary
        # never shows (2 KB of JSON a row). NULLS LAST: the order `due IS NULL, due` gave.
        conditions = query.whereclause
        total = session.exec(
            select(func.count()).select_from(CaseRecord).where(conditions)  # type: ignore[arg-type]
        ).one()
        order = (col(CaseRecord.due).asc().nulls_last(), col(CaseRecord.case_id))
        page = (
            select(CaseRecord.case_id)
            .where(conditions)  # type: ignore[arg-type]
            .order_by(*order)
            .limit(limit)
            .offset(offset)
        )
        rows = session.exec(
            select(CaseRecord, late)
            .where(col(CaseRecord.case_id).in_(page.scalar_subquery()))
            .options(defer(CaseRecord.state))  # type: ignore[arg-type]
            .order_by(*order)
        ).all()
        names = department_names(
            session,
            {r.applicant_department_id for r, _ in rows}
            | {r.provider_department_id for r, _ in rows},
        )
    items = [summarize(row, bool(is_late), now, calendar, names) for row, is_late in rows]
    return Page[CaseSummary](total=total, limit=limit, offset=offset, items=items)


def department_names(session: Session, ids: set[str | None]) -> dict[str, str]:
    """Department id → name, for the ids given."""
    wanted = [department for department in ids if department]
    found = session.exec(
        select(Department.id, Department.name).where(col(Department.id).in_(wanted))
    ).all()
    return dict(found)


def summarize(
    row: CaseRecord, late: bool, now: datetime, calendar: ChinaCalendar, names: dict[str, str]
) -> CaseSummary:
    """A listed case, with its departments' names and its working days left at `now`."""
    return CaseSummary(
        case_id=row.case_id,
        case_number=row.case_number,
        process=row.process,
        ruleset=row.ruleset,
        jurisdiction=row.jurisdiction,
        status=row.status,
        stage=row.stage,
        outcome=row.outcome,
        applicant_department_id=row.applicant_department_id,
        applicant_name=names.get(row.applicant_department_id or ""),
        provider_department_id=row.provider_department_id,
        provider_name=names.get(row.provider_department_id or ""),
        received_at=row.received_at,
        due=row.due,
        last_day=row.last_day,
        working_days_left=days_left(row.counted_from, row.last_day, now, calendar)
        if row.last_day and row.counted_from
        else None,
        provisional=row.provisional,
        overdue=late,
    )


# -- calendar revisions --------------------------------------------------------------------


async def replan_open_cases(platform: Platform, reason: str) -> int:
    """Ask every open case to recount its deadlines; returns how many were asked.

    The workflows recount through their deadline activity, which loads the revised calendar,
    and record any deadline that moved. Cases that closed meanwhile are skipped.
    """
    open_ids = await platform.run(
        lambda session: session.exec(
            select(CaseRecord.case_id).where(CaseRecord.status == "open")
        ).all()
    )
    temporal = await platform.temporal()
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
    law: Composed,
    key: str,
    submitted_by: Actor,
    jurisdiction: str,
    draft: Draft,
    received_at: datetime,
) -> tuple[CaseSubmission, Any]:
    """Number a case the platform opens on its own (a schedule), once per `key`: a retry
    finds the submission made the first time. Returns it with the workflow input to start."""

    def taken() -> CaseSubmission | None:
        return session.exec(
            select(CaseSubmission).where(
                CaseSubmission.user_id == submitted_by.user_id,
                CaseSubmission.idempotency_key == key,
            )
        ).first()

    if (earlier := taken()) is not None:
        return earlier, adapter(process.input).validate_python(earlier.start)
    submission, _ = allocate(
        session,
        taken=taken,
        ruleset=law.ruleset,
        year=received_at.astimezone(BEIJING).year,
        make=lambda number: _submission(
            process,
            draft,
            number,
            ruleset=law.id,
            jurisdiction=jurisdiction,
            governed_by=list(law.governed_by),
            applicant_jurisdiction=None,
            received_at=received_at,
            submitted_by=submitted_by,
            key=key,
            digest=hashlib.sha256(key.encode()).hexdigest(),
        ),
    )
    return submission, adapter(process.input).validate_python(submission.start)
