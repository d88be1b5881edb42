"""Cases: submit, view, act, list. Access first, then validation, then Temporal.

Temporal holds where a case stands; `CaseSubmission` holds who may see it from the moment it
is accepted; `CaseRecord` is the projection lists and filters read. Every database step runs
in a worker thread with a session of its own (`Platform.run`), closed before Temporal is
awaited.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import asdict, replace
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
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateHandle,
    WorkflowUpdateRPCTimeoutOrCancelledError,
    WorkflowUpdateStage,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from calendars import BEIJING, ChinaCalendar, Deadline, deadline, end_of_day, working_days_left
from models import ActionReceipt, CaseCounter, CaseRecord, CaseSubmission, Department
from models.cases import record_fields
from regulations import Ruleset, RulesetNotApplicable
from regulations.compose import Composed, compose
from service import diagnosis
from service import register as register_
from service.access import Caller, listed_cases, party_to, readable_case
from service.attachments import cited_by_caller
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
from service.platform import Platform, now_utc
from service.submissions import PROCESSES, Draft, Process
from service.text import IDEMPOTENCY_KEY, NAME
from service.validation import clean_text
from service.views import ActionBody, CaseOut, CaseSummary, DeadlineOut, Page
from workflows import trust
from workflows.case import CaseWorkflow, SettleInput, new_state
from workflows.common import (
    ActionInput,
    Actor,
    Assertion,
    CaseDetails,
    CaseEvent,
    CaseState,
    Parties,
    PlannedDeadline,
    ReplanInput,
    Role,
    StateQuery,
    SupplementItem,
)
from workflows.registry import PROCESSES as DECLARED

T = TypeVar("T")
STATE = TypeAdapter(CaseState)
EVENTS = TypeAdapter(list[CaseEvent])
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
    idempotency_key = _key(idempotency_key)
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
    received_at = platform.now()
    temporal = await platform.temporal()

    def register(session: Session) -> tuple[CaseSubmission, bool]:
        if (earlier := _previous(session, caller.id, idempotency_key)) is not None:
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
            await restart(temporal, submission, platform.settings.task_queue)
            await platform.run(
                partial(register_.mark_started, case_id=submission.case_id, at=platform.now())
            )
            try:
                return await view(platform, caller, submission.case_id), False
            except Unavailable:  # no worker has taken it up yet: received all the same
                return present(_received(submission), platform.now(), platform.calendar()), False
        try:
            state = await _open(temporal, platform, process, submission, caller)
        except WorkflowAlreadyStartedError:
            start: object = adapter(process.input).validate_python(submission.start)
            if not await register_.started_with(temporal, submission.case_id, start):
                # Temporal already has a case with this number (a database restored behind
                # it): never attach to it; the number is voided, saying so, and the next one
                # tried.
                await platform.run(
                    partial(
                        register_.void,
                        case_id=submission.case_id,
                        reason=register_.TAKEN,
                        at=platform.now(),
                    )
                )
                continue
            # A retry with the same Idempotency-Key, sent while this request was on its way,
            # started this very submission: it is this case, received.
            state = _received(submission)
        except DomainError as error:
            # The answer was lost, not necessarily the start: a workflow that exists is this
            # submission's case, received all the same.
            started = await register_.exists(temporal, submission.case_id)
            if not started:
                raise await _unopened(platform, submission, error, started) from error
            state = _received(submission)
        else:
            # Its workflow's first record marked the submission started (record_case).
            return present(state, platform.now(), platform.calendar()), True
        await platform.run(
            partial(register_.mark_started, case_id=submission.case_id, at=platform.now())
        )
        return present(state, platform.now(), platform.calendar()), True
    raise Unavailable("案件编号与工作流服务中的既有案件冲突，请联系管理员。", "numbering_conflict")


async def _unopened(
    platform: Platform, submission: CaseSubmission, error: DomainError, exists: bool | None
) -> DomainError:
    """What the submitter is told when Temporal did not start the numbered case (`exists`:
    False, Temporal says so; None, it does not answer), and what becomes of the number
    (service/register.py)."""
    number = submission.case_id.split("/", 1)[-1]
    if submission.idempotency_key:
        return Unavailable(
            f"申请已登记（编号 {number}），但暂未能启动办理（{error.message}）；平台将自动继续"
            "受理，使用相同的 Idempotency-Key 重新提交可查看结果。",
            error.code,
            recorded=True,
        )
    if exists is False:
        reason = register_.REFUSED.format(error=error.message)
        void = partial(register_.void, case_id=submission.case_id, reason=reason, at=platform.now())
        if await platform.run(void):
            return Unavailable(
                f"{error.message}申请未受理，编号 {number} 已作废，请稍后重新提交。",
                error.code,
                recorded=False,
            )
    return Unavailable(
        f"{error.message}未能确认申请（编号 {number}）是否已受理：平台将在几分钟内核对，"
        "未受理的编号作废。请稍后在“我的申请”中查看，再决定是否重新提交。",
        error.code,
    )


def _previous(session: Session, user_id: int, key: str | None) -> CaseSubmission | None:
    if not key:
        return None
    return session.exec(
        select(CaseSubmission).where(
            CaseSubmission.user_id == user_id, CaseSubmission.idempotency_key == key
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
    return _number(
        session,
        process,
        draft,
        law,
        jurisdiction=jurisdiction,
        applicant_jurisdiction=caller.jurisdiction,
        received_at=received_at,
        submitted_by=caller.actor(),
        key=key or None,
        digest=digest,
    )


def _number(
    session: Session,
    process: Process,
    draft: Draft,
    law: Composed,
    *,
    jurisdiction: str,
    applicant_jurisdiction: str | None,
    received_at: datetime,
    submitted_by: Actor,
    key: str | None,
    digest: str,
) -> tuple[CaseSubmission, bool]:
    """Number a case under `law` (`allocate`), a submitter's `key` taken at most once."""
    return allocate(
        session,
        taken=lambda: _previous(session, submitted_by.user_id, key),
        ruleset=law.ruleset,
        year=received_at.astimezone(BEIJING).year,
        make=lambda number: _submission(
            process,
            draft,
            number,
            ruleset=law.id,
            jurisdiction=jurisdiction,
            governed_by=list(law.governed_by),
            applicant_jurisdiction=applicant_jurisdiction,
            received_at=received_at,
            submitted_by=submitted_by,
            key=key,
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
        created_at=received_at,
    )


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
        # No counter is loaded in the session to bring up to date.
        .execution_options(synchronize_session=False)
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
    for its first action or has closed, an event rather than a poll. No answer within
    `first_stage_wait` is an error; `submit` then asks Temporal whether the case started (a
    case no worker has taken up yet is received all the same, and is answered so)."""
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
        return await whole(platform, state)
    except WorkflowUpdateFailedError as error:
        # The case started, and failed before its first stage: `submit` asks Temporal.
        _read_start_failure(start)
        raise from_update_failure(error) from error
    except WorkflowUpdateRPCTimeoutOrCancelledError as error:
        _read_start_failure(start)
        # No answer in time: no worker has taken the case up yet, or Temporal itself did not
        # answer. `submit` asks Temporal whether the case started: one that did is received.
        raise Unavailable("工作流服务未在规定时间内答复。", "temporal_unavailable") from error
    except RPCError as error:
        _read_start_failure(start)
        if error.status is RPCStatusCode.ALREADY_EXISTS:
            raise WorkflowAlreadyStartedError(submission.case_id, process.name) from error
        # The start may have happened before the wait failed (a server answering a deadline
        # it could not keep with an error): `submit` asks Temporal whether the case started.
        raise from_rpc(error) from error


def _read_start_failure(start: WithStartWorkflowOperation[Any, Any]) -> None:
    """The SDK hands a failed update-with-start to the start operation's handle as well, which
    nothing else reads: read it here, so that asyncio does not log the failure a second time
    ("Future exception was never retrieved") when the operation is collected. The handle has
    no public read that does not wait, and waiting is unsafe where it was never settled (a
    call that failed before it reached the SDK's start), hence its future, read only if done."""
    handle = getattr(start, "_workflow_handle", None)
    if isinstance(handle, asyncio.Future) and handle.done() and not handle.cancelled():
        handle.exception()


async def restart(temporal: Client, submission: CaseSubmission, task_queue: str) -> None:
    """Start a submission's workflow, if its first attempt did not get that far (a retry with
    its Idempotency-Key, the sweeper); a workflow of that id is this submission's own."""
    process = process_of(submission.case_id)
    try:
        await temporal.start_workflow(
            process.run,
            adapter(process.input).validate_python(submission.start),
            id=submission.case_id,
            task_queue=task_queue,
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
    submission = await platform.run(lambda session: live_case(session, caller, case_id))
    state = await case_state(platform, submission, viewer=caller)
    return present(state, platform.now(), platform.calendar())


def live_case(session: Session, caller: Caller, case_id: str) -> CaseSubmission:
    """The submission of a case the caller may read, unless its number was voided."""
    submission = readable_case(session, caller, case_id)
    if submission.voided_at is not None:
        number = submission.case_id.split("/", 1)[-1]
        raise NotFound(
            f"案件编号 {number} 已作废，未受理：{submission.void_reason or ''}", "case_voided"
        )
    return submission


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
    except WorkflowQueryFailedError as error:
        # The case's worker took the query up and could not answer it (its task failed, or
        # took longer than the SDK allows): Temporal tells why.
        raise await diagnosis.unanswered(
            platform, temporal, submission.case_id, recorded=None
        ) from error
    except RPCError as error:
        if error.status in (
            RPCStatusCode.CANCELLED,
            RPCStatusCode.DEADLINE_EXCEEDED,
            RPCStatusCode.FAILED_PRECONDITION,
        ):
            # No answer in time: no worker, a failing workflow task, or Temporal away.
            raise await diagnosis.unanswered(
                platform, temporal, submission.case_id, recorded=None
            ) from error
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
        applicant_jurisdiction=submission.applicant_jurisdiction,
        **record_fields(state),
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
    platform: Platform,
    caller: Caller,
    case_id: str,
    action: str,
    body: ActionBody,
    idempotency_key: str | None = None,
) -> tuple[CaseOut, bool]:
    """Take an action; returns the case after it, and whether this is an earlier answer given
    again (the same Idempotency-Key and body answered before)."""
    submission = await platform.run(lambda session: live_case(session, caller, case_id))
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
    # Items and attachments belong to the supplement (补正) actions alone: elsewhere they would
    # be dropped unread.
    if body.items and action != "request_supplement":
        raise Invalid("只有“一次性告知补正”可以列明需补正的材料（items）。", "invalid")
    if body.attachment_ids and action != "supplement":
        raise Invalid("只有“补正材料”可以引用附件（attachment_ids）。", "invalid")
    if body.attachment_ids:
        # Only one's own uploads (service/attachments.py); the case then cites them.
        await platform.run(lambda session: cited_by_caller(session, caller, body.attachment_ids))
    request = ActionInput(
        actor=caller.actor(),
        reason=body.reason,
        legal_basis=body.legal_basis,
        decision=body.decision,
        note=body.note,
        working_days=body.working_days,
        items=tuple(SupplementItem(i.item, i.reason) for i in body.items),
        attachment_ids=tuple(body.attachment_ids),
    )
    key = _key(idempotency_key)
    if not key:
        return await _act(platform, submission.case_id, action, update, request), False
    return await _act_once(platform, caller, submission.case_id, action, update, request, key)


def _key(idempotency_key: str | None) -> str | None:
    """An Idempotency-Key header, under the text rule like everything a user writes."""
    if idempotency_key is None:
        return None
    return clean_text(
        idempotency_key,
        "idempotency_key",
        "Idempotency-Key",
        max_length=IDEMPOTENCY_KEY,
        required=False,
    )


async def _act(
    platform: Platform,
    case_id: str,
    action: str,
    update: Any,
    request: ActionInput,
    update_id: str | None = None,
) -> CaseOut:
    signed = replace(
        request, assertion=assertion(platform, case_id, action, request.actor, request.payload())
    )
    state = await execute(platform, case_id, update, signed, update_id=update_id)
    return present(state, platform.now(), platform.calendar())


async def _act_once(
    platform: Platform,
    caller: Caller,
    case_id: str,
    action: str,
    update: Any,
    request: ActionInput,
    key: str,
) -> tuple[CaseOut, bool]:
    """An action sent with an Idempotency-Key: the first final answer (200, 403, 409, 422)
    is kept and given again to a retry with the same key and body; another body is 409. A
    503 is no answer: a retry after "not recorded" sends the action again, one after
    "recorded" waits for the same update. Concurrent retries share one update, which
    Temporal runs once."""
    digest = hashlib.sha256(
        json.dumps([case_id, action, request.payload()], sort_keys=True).encode()
    ).hexdigest()
    receipt = await platform.run(
        partial(_receipt, user_id=caller.id, key=key, digest=digest, case_id=case_id, action=action)
    )
    if receipt.request_hash != digest:
        raise Conflict("该 Idempotency-Key 已用于另一次不同的操作。", "idempotency_key_reused")
    if receipt.status_code is not None:
        return _replay(receipt), True
    try:
        if receipt.recorded:
            state = await outcome_of(platform, case_id, update, receipt.update_id)
            case = present(state, platform.now(), platform.calendar())
        else:
            case = await _act(platform, case_id, action, update, request, receipt.update_id)
    except DomainError as error:
        if error.status == 503:
            await platform.run(partial(_unanswered, receipt=receipt, recorded=error.recorded))
        else:
            answer = {"code": error.code, "message": error.message}
            await platform.run(
                partial(_answered, receipt=receipt, status=error.status, body=answer)
            )
        raise
    body = case.model_dump(mode="json")
    await platform.run(partial(_answered, receipt=receipt, status=200, body=body))
    return case, False


def _receipt(
    session: Session, *, user_id: int, key: str, digest: str, case_id: str, action: str
) -> ActionReceipt:
    """The key's receipt, made on first use (a concurrent twin's if it won the race)."""
    query = select(ActionReceipt).where(
        ActionReceipt.user_id == user_id, ActionReceipt.idempotency_key == key
    )
    found = session.exec(query).first()
    if found is not None:
        return found
    receipt = ActionReceipt(
        user_id=user_id,
        idempotency_key=key,
        request_hash=digest,
        case_id=case_id,
        action=action,
        update_id=f"action-{uuid.uuid4()}",
    )
    session.add(receipt)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return session.exec(query).one()
    return receipt


def _answered(session: Session, *, receipt: ActionReceipt, status: int, body: Any) -> None:
    """Keep the first final answer; a concurrent twin's, if it came first, stands."""
    row = session.get(ActionReceipt, receipt.id, with_for_update=True)
    if row is None or row.status_code is not None:
        return
    row.status_code, row.response, row.answered_at = status, body, now_utc()
    session.add(row)
    session.commit()


def _unanswered(session: Session, *, receipt: ActionReceipt, recorded: bool | None) -> None:
    """After a 503: a recorded action is waited for again; one not recorded is sent afresh.
    Where nobody could tell, a retry sends the same update again: Temporal runs it once."""
    row = session.get(ActionReceipt, receipt.id, with_for_update=True)
    if row is None or row.status_code is not None or row.update_id != receipt.update_id:
        return
    if recorded is None:
        return
    if recorded:
        row.recorded = True
    else:
        row.update_id = f"action-{uuid.uuid4()}"
    session.add(row)
    session.commit()


def _replay(receipt: ActionReceipt) -> CaseOut:
    """The answer given the first time, given again."""
    body = receipt.response or {}
    if receipt.status_code == 200:
        return CaseOut.model_validate(body)
    error = DomainError(str(body.get("message", "")), str(body.get("code", "error")))
    error.status = receipt.status_code or 409
    error.replayed = True
    raise error


def assertion(
    platform: Platform, case_id: str, action: str, actor: Actor, payload: dict[str, object]
) -> Assertion:
    """The platform's signed word that `actor` asked for `action` now (workflows/trust.py):
    received at the platform's time, to be taken up by the case while the API still waits."""
    received_at = platform.now()
    accept_by = received_at + timedelta(seconds=platform.settings.action_accept_seconds)
    key = platform.settings.action_keys[0]
    return trust.sign(key, case_id, action, actor, received_at, accept_by, payload)


async def execute(
    platform: Platform,
    case_id: str,
    update: Any,
    request: Any,
    *,
    update_id: str | None = None,
) -> CaseState:
    """Run one of the case's updates, waiting at most `action_wait` in all; a refused or
    impossible one is a domain error.

    One call sends the update and waits for its result. Until the case accepts it (its
    validator passed: the action is in the case's history) nothing is recorded. With no answer
    in time, Temporal is asked whether the case accepted it: if not, the answer is 503 "not
    recorded", and the case will refuse it if it comes to it later (it carries the instant it
    may be accepted until: `assertion`); if so, it is recorded and will be applied as of its
    receipt, and the answer is 503 "recorded". Either 503 says why (service/diagnosis.py). No
    database session is held meanwhile."""
    temporal = await platform.temporal()
    handle: WorkflowHandle[Any, Any] = temporal.get_workflow_handle(case_id)
    update_id = update_id or str(uuid.uuid4())
    signed: Assertion = request.assertion
    received_at = signed.received_at
    # The last second is left for asking Temporal why, if no answer comes.
    wait = max(platform.settings.action_wait - diagnosis.ASK.total_seconds(), 1.0)
    loop = asyncio.get_running_loop()
    until = loop.time() + wait
    try:
        async with asyncio.timeout(wait):
            taken = await handle.start_update(
                update,
                request,
                id=update_id,
                wait_for_stage=WorkflowUpdateStage.COMPLETED,
                rpc_timeout=timedelta(seconds=wait),
            )
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
        taken = await _if_accepted(platform, temporal, handle, update, update_id, signed, until)
    except RPCError as error:
        if error.status not in LOST:
            raise await _refused_by_temporal(platform, temporal, case_id, error) from error
        taken = await _if_accepted(
            platform, temporal, handle, update, update_id, signed, until, dropped=True
        )
    left = max(until - loop.time(), 0.1)
    return await _wait_for_result(platform, temporal, taken, left, received_at)


async def _wait_for_result(
    platform: Platform,
    temporal: Client,
    taken: WorkflowUpdateHandle[Any],
    wait: float,
    received_at: datetime | None = None,
) -> CaseState:
    """An accepted update's result, waited for at most `wait` seconds, whole; a failure inside
    the workflow, or no result in time, is the domain error that says so."""
    try:
        async with asyncio.timeout(wait):
            state: CaseState = await taken.result(rpc_timeout=timedelta(seconds=wait))
    except WorkflowUpdateFailedError as error:
        raise from_update_failure(error) from error
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
        state = await _applied_or_why(platform, temporal, taken, received_at)
    except RPCError as error:
        raise await _refused_by_temporal(platform, temporal, taken.workflow_id, error) from error
    return await whole(platform, state)


async def _applied_or_why(
    platform: Platform,
    temporal: Client,
    taken: WorkflowUpdateHandle[Any],
    received_at: datetime | None = None,
) -> CaseState:
    """A recorded action whose result did not come in time: the 503 that says why; or, where
    the case has closed meanwhile (the action may be what closed it), the action's result,
    which the closed case's history holds."""
    why = await diagnosis.unanswered(
        platform, temporal, taken.workflow_id, recorded=True, received_at=received_at
    )
    if why.code != "case_closed":
        raise why
    try:
        state: CaseState = await taken.result(rpc_timeout=diagnosis.ASK)
    except WorkflowUpdateFailedError as error:
        raise from_update_failure(error) from error
    except (RPCError, WorkflowUpdateRPCTimeoutOrCancelledError):
        raise why from None
    return state


async def outcome_of(platform: Platform, case_id: str, update: Any, update_id: str) -> CaseState:
    """The result of an update the case accepted earlier, waited for as `execute` waits."""
    temporal = await platform.temporal()
    handle: WorkflowHandle[Any, Any] = temporal.get_workflow_handle(case_id)
    wait = max(platform.settings.action_wait - diagnosis.ASK.total_seconds(), 1.0)
    taken = handle.get_update_handle_for(update, update_id)
    return await _wait_for_result(platform, temporal, taken, wait)


async def whole(platform: Platform, answer: CaseState) -> CaseState:
    """An update's answer with the events it left out (`CaseState.events_from`): those the
    case had recorded in its projection by then, read there."""
    if not answer.events_from:
        return answer

    def recorded(session: Session) -> list[CaseEvent]:
        # The events alone: the rest of the row's state is the answer's already.
        events = session.exec(
            select(CaseRecord.state["events"]).where(CaseRecord.case_id == answer.case_id)
        ).first()
        held = (events or [])[: answer.events_from]
        if len(held) < answer.events_from:
            raise Unavailable(
                "本次操作已办理，但案件记录尚未写全，请稍后刷新查看。",
                "case_record_behind",
                recorded=True,
            )
        return EVENTS.validate_python(held)

    earlier = await platform.run(recorded)
    return replace(answer, events=earlier + answer.events, events_from=0)


async def _if_accepted(
    platform: Platform,
    temporal: Client,
    handle: WorkflowHandle[Any, Any],
    update: Any,
    update_id: str,
    signed: Assertion,
    until: float,
    *,
    dropped: bool = False,
) -> WorkflowUpdateHandle[Any]:
    """An action Temporal did not confirm in time, or whose confirmation was lost with the
    connection (`dropped`): the case may have accepted it all the same, so Temporal is asked
    by the update's id. Its handle if accepted; else the 503 that says it was not recorded,
    or that nobody can tell yet."""
    wait = max(until - asyncio.get_running_loop().time(), diagnosis.ASK.total_seconds() / 2)
    found = await diagnosis.accepted(
        platform, temporal, handle.id, update_id, signed.accept_by, wait
    )
    if found is None:
        raise diagnosis.unconfirmed(signed.received_at)
    if not found and dropped:
        raise diagnosis.temporal_down(False, signed.received_at)
    if not found:
        raise await diagnosis.unanswered(
            platform, temporal, handle.id, recorded=False, received_at=signed.received_at
        )
    return handle.get_update_handle_for(update, update_id)


# Temporal's answer to an update was lost on the way (the connection dropped, or timed out):
# the update may have reached the case all the same.
LOST = (
    RPCStatusCode.UNAVAILABLE,
    RPCStatusCode.DEADLINE_EXCEEDED,
    RPCStatusCode.CANCELLED,
    RPCStatusCode.UNKNOWN,
)


async def _refused_by_temporal(
    platform: Platform, temporal: Client, case_id: str, error: RPCError
) -> DomainError:
    """Temporal refused the update itself (the validator never saw it): nothing recorded."""
    if error.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
        # Closed (a finished workflow takes no update), or not ready: ask which.
        return await diagnosis.unanswered(platform, temporal, case_id, recorded=False)
    found = from_rpc(error)
    found.recorded = False
    return found


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

    if (earlier := _previous(session, submitted_by.user_id, key)) is not None:
        return earlier, adapter(process.input).validate_python(earlier.start)
    submission, _ = _number(
        session,
        process,
        draft,
        law,
        jurisdiction=jurisdiction,
        applicant_jurisdiction=None,
        received_at=received_at,
        submitted_by=submitted_by,
        key=key,
        digest=hashlib.sha256(key.encode()).hexdigest(),
    )
    return submission, adapter(process.input).validate_python(submission.start)
