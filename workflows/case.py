"""What every case workflow shares: the case clock, waiting for an action against working-day
limits, reminders, re-planning after a calendar revision, and the validation of actions.

A process workflow subclasses `CaseWorkflow`, names the declaration of its process
(workflows/process.py: stages, actions, their rules and labels), and drives its stages with
`await_decision` or `await_action`. Each declared action is an update of the class, whose
validator refuses the wrong stage, actor or payload. Updates only hand a decision to the main
loop, which applies it; so every effect happens in one place, in order, and an update returns
the state after its effects.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, ClassVar, Generic, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

from workflows import trust
from workflows.common import (
    FORBIDDEN,
    INVALID,
    PARTY_LABELS,
    ROLE_LABELS,
    STALE,
    UNSIGNED,
    WRONG_STAGE,
    ActionInput,
    Actor,
    Assertion,
    CaseDetails,
    CaseEvent,
    CaseInput,
    CaseState,
    Lapse,
    LimitCheck,
    MissedLimit,
    Parties,
    Party,
    PlannedDeadline,
    ReplanInput,
    RetryInput,
    Role,
    StagePlan,
    StateQuery,
    Status,
)
from workflows.process import Process

with workflow.unsafe.imports_passed_through():
    from activities.authorizations import GrantAuthorizationInput, grant_authorization
    from activities.catalog import SetResourceStatusInput, set_resource_status
    from activities.deadlines import PlanDeadlineInput, plan_deadline
    from activities.notices import NoticeValue, SendNoticeInput, send_notice
    from activities.projection import StepRecord, record_case, record_step

# A step's notices are stored with its record, or before the case next waits, in one
# activity (`record_step`); cases started before were sent one activity per notice.
NOTICES_WITH_RECORD = "notices-with-record"
# A grant is stored with its step's record too, in the same activity and transaction; cases
# started before ran an activity of its own for it.
GRANT_WITH_RECORD = "grant-with-record"
# Deadline planning is short work on the worker's own calendar: a local activity, its result
# recorded in a marker rather than through an activity task of the server's; cases started
# before ran it as an activity.
DEADLINES_LOCAL = "deadlines-local"

ParamT = TypeVar("ParamT")
ReturnT = TypeVar("ReturnT")


async def effect(activity: Callable[[ParamT], ReturnT], arg: ParamT) -> ReturnT:
    """Run an activity with the timeout and retries every effect uses: transient failures
    (a database restarting) retry with backoff; the activities are idempotent.

    A failure no retry can mend (shixian/faults.py makes it non-retryable and lists the
    case as stuck) leaves the case waiting, as it stands, for an operator's `retry_effects`
    after the cause is fixed; then the effect runs again. It no longer fails the workflow,
    which ended the case with nothing to show for it."""
    local = activity is plan_deadline and workflow.patched(DEADLINES_LOCAL)
    run: Any = workflow.execute_local_activity if local else workflow.execute_activity
    while True:
        try:
            result: ReturnT = await run(
                activity,
                arg,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1)),
            )
            return result
        except (ActivityError, ApplicationError) as error:
            case = workflow.instance()
            # An activity task's failure comes wrapped in an ActivityError; a local activity's,
            # as the activity raised it.
            cause = error.cause if isinstance(error, ActivityError) else error
            if not (
                isinstance(case, CaseWorkflow)
                and isinstance(cause, ApplicationError)
                and cause.non_retryable
                and workflow.patched("stuck-effect-waits-for-operator")
            ):
                raise
            await case._wait_for_retry()


def action_update(name: str) -> Any:
    """The Temporal update of the declared action `name`: its validator refuses the wrong
    actor, stage or payload; its handler hands the decision to the main loop."""

    # `self` unannotated: that is how the SDK tells a method's own argument from the update's.
    async def handler(self, request: ActionInput) -> CaseState:
        return await self._accept_action(name, request)

    def validator(self, request: ActionInput) -> None:
        self._check_assertion(name, request.actor, request.assertion, request.payload())
        self._validate_action(name, request)

    update: Any = workflow.update(name=name)(handler)
    update.validator(validator)
    return update


STAFF_ROLE = {
    Party.APPLICANT: Role.CASEWORKER,
    Party.PROVIDER: Role.CASEWORKER,
    Party.AUTHORITY: Role.SUPERVISOR,
    Party.SERVICE_CENTRE: Role.SUPERVISOR,
    Party.SUPERIOR_AUTHORITY: Role.SUPERVISOR,
}

# How far the case clock follows an action's receipt time ahead of it (`_decision_time`).
CLOCK_CATCH_UP = timedelta(seconds=30)


InputT = TypeVar("InputT", bound=CaseInput)


@dataclass
class Decision:
    """An action handed to the main loop. `at` is when the law and the record say it was
    taken: the platform's receipt time for a signed action (however late a worker applies
    it), the case's time when its update ran for an action recorded before actions were
    signed."""

    action: str
    input: ActionInput
    at: datetime
    seq: int


@dataclass(frozen=True)
class SettleInput:
    """Who reads the settled case, and the platform time the caller has reached.

    `at` is for a caller whose clock runs ahead of the case's: a test's platform clock reads
    the instant it moved to, while the case clock, fixed when the workflow started, can trail
    it by the moments that start took. Limits due by `at` are then waited for too."""

    viewer: Actor | None = None
    at: datetime | None = None


@dataclass(frozen=True)
class Idle:
    """The main loop waiting, until `ready()` holds or, if set, until `wake_at` (case time)."""

    ready: Callable[[], bool]
    wake_at: datetime | None


class CaseWorkflow(Generic[InputT]):
    """Base of every process workflow.

    Query: `view(StateQuery)`. Signals: `replan_deadlines(ReplanInput)`,
    `retry_effects(RetryInput)` (an operator's, after an effect failed for good). Update:
    `settle(SettleInput)`, the view once nothing is in progress; and one per action of
    `process`, made here (`action_update`) unless the declaration says the class
    writes it itself (`own_update`). A subclass receives its input in `__init__`
    (`@workflow.init`), so the case exists before any handler runs.
    """

    process: ClassVar[Process]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for declared in cls.process.actions:
            if declared.own_update != (declared.name in vars(cls)):
                raise TypeError(
                    f"{cls.__name__}.{declared.name}: write the update exactly when the "
                    "declaration says own_update"
                )
            if not declared.own_update:
                setattr(cls, declared.name, action_update(declared.name))

    @classmethod
    def actions(cls) -> dict[str, Any]:
        """The process's actions taking an `ActionInput`, name -> update, in declared order."""
        return {
            declared.name: getattr(cls, declared.name)
            for declared in cls.process.actions
            if not declared.own_update
        }

    # -- the case clock --------------------------------------------------------------------

    def __init__(self, request: InputT) -> None:
        """Open the case from its input, and start the case clock at the platform's recorded
        receipt time.

        Timers run on workflow time; the law counts from `received_at`. The two differ by the
        moments between the API recording receipt and the workflow starting (or, for a case
        replayed in a test, by however far the test server's clock is from the receipt).
        """
        self.request = request
        self.state = new_state(
            case_id=request.case_id,
            case_number=request.case_number,
            process=self.process.name,
            ruleset=request.ruleset,
            jurisdiction=request.jurisdiction,
            received_at=request.received_at,
            parties=request.parties,
            details=None,
            governed_by=request.governed_by,
        )
        self._offset = request.received_at - workflow.now()
        self._stage_plan: StagePlan | None = None
        self._open_actions: frozenset[str] = frozenset()
        self._deadlines: list[PlannedDeadline] = []
        self._decision: Decision | None = None
        self._decisions_taken = 0
        self._decisions_applied = 0
        self._replan: ReplanInput | None = None
        self._lock = asyncio.Lock()
        self._idle: Idle | None = None
        # When the current stage was entered, and whether a limit running out ends it (a
        # stage waited for with `await_decision`) or only marks it overdue (`await_action`).
        self._stage_entered_at = self.now()
        self._limits_end_stage = False
        self._retries_asked = 0
        # How many of the case's events its projection holds (`_record`).
        self._events_recorded = 0
        # Notices of the step in progress, stored with its record (`_notify`), and its grant
        # (`_authorize`).
        self._notices: list[SendNoticeInput] = []
        self._step_grant: GrantAuthorizationInput | None = None

    def _open_case(self, details: CaseDetails) -> None:
        """Record the receipt, with what the case is about."""
        self.state.details = details
        self._event("received", self.request.submitted_by)

    def now(self) -> datetime:
        return workflow.now() + self._offset

    # -- handlers shared by every process ----------------------------------------------------

    @workflow.query
    def view(self, query: StateQuery) -> CaseState:
        """The case as `query.viewer` sees it: with the actions that viewer may take now."""
        actions = [
            name
            for name in sorted(self._open_actions)
            if query.viewer is not None and self._refusal(name, query.viewer) is None
        ]
        return replace(
            self.state,
            actions=actions,
            deadline=self._current_deadline(),
            deadlines=list(self._deadlines),
        )

    @workflow.signal
    def replan_deadlines(self, request: ReplanInput) -> None:
        self._replan = request

    @workflow.signal
    def retry_effects(self, request: RetryInput) -> None:
        """An operator fixed what made an effect fail for good: run it again. Harmless when
        nothing waits (effects are idempotent, and one only runs again when it failed)."""
        self._retries_asked += 1

    async def _wait_for_retry(self) -> None:
        """An effect failed for good: wait, idle, for an operator's retry."""
        asked = self._retries_asked
        await self._wait(lambda: self._retries_asked > asked, None)

    @workflow.update
    async def settle(self, request: SettleInput) -> CaseState:
        """The case as `view` shows it, once every effect of what has happened so far is done:
        the main loop waits for an action or for a moment still to come (after `request.at`,
        if given), with no decision, re-plan or effect in progress, or the case is closed.
        Advancing the clock and then settling shows every effect of the timers that fired,
        without polling; started with the case (update-with-start), it returns the case as
        its first stage shows it. Changes nothing.

        A timer that has fired may reach the workflow with this update or after it: the main
        loop counts as idle only while its wake-up time is still ahead."""
        await workflow.wait_condition(lambda: self._settled(request.at))
        return self._answer(request.viewer)

    def _settled(self, at: datetime | None) -> bool:
        idle = self._idle
        if idle is None or idle.ready():
            return False
        return idle.wake_at is None or max(self.now(), at or self.now()) < idle.wake_at

    @contextmanager
    def _idle_while(self, ready: Callable[[], bool], timeout: timedelta | None) -> Iterator[None]:
        """Around each wait of the main loop (for `ready`, or `timeout` to pass): it is idle
        for `settle` only there. A mark, not a command: recorded histories replay."""
        self._idle = Idle(ready, None if timeout is None else self.now() + timeout)
        try:
            yield
        finally:
            self._idle = None

    async def _wait(self, ready: Callable[[], bool], timeout: timedelta | None) -> None:
        """`workflow.wait_condition`, idle for `settle`; TimeoutError once `timeout` passes.
        Notices no record took along (a reminder's) are stored first, and a grant; the wait
        still ends when `timeout` from now would have."""
        if self._notices or self._step_grant is not None:
            wake_at = None if timeout is None else self.now() + timeout
            await self._store_step(None)
            timeout = None if wake_at is None else max(wake_at - self.now(), timedelta(0))
        with self._idle_while(ready, timeout):
            await workflow.wait_condition(ready, timeout=timeout)

    # -- actions ------------------------------------------------------------------------------

    def _refusal(self, action: str, actor: Actor) -> tuple[str, str] | None:
        """Why `actor` may not take `action` now, as (error type, Chinese message), or None."""
        process = self.process
        if self.state.status is Status.CLOSED:
            return WRONG_STAGE, "案件已办结，不能再办理。"
        if action not in self._open_actions or self._decision is not None:
            return WRONG_STAGE, (
                f"案件当前处于“{process.stage_label(self.state.stage)}”环节，"
                f"不能办理“{process.action_label(action)}”。"
            )
        party = self._party_for(action)
        role = STAFF_ROLE[party]
        if actor.role is not role or actor.department_id != self.state.parties.department_of(party):
            staff = ROLE_LABELS[role] if role is Role.CASEWORKER else ""
            return FORBIDDEN, (
                f"“{process.action_label(action)}”只能由本案的{PARTY_LABELS[party]}{staff}办理。"
            )
        return None

    def _party_for(self, action: str) -> Party:
        """Who takes `action` now: as its declaration says, else the stage's actor."""
        declared = self.process.action(action)
        if declared is not None and declared.actor is not None:
            return declared.actor
        return self._stage_plan.actor if self._stage_plan else Party.APPLICANT

    def _check_assertion(
        self,
        action: str,
        actor: Actor,
        assertion: Assertion | None,
        payload: dict[str, object],
    ) -> None:
        """Refuse an update the platform did not sign (workflows/trust.py), or one that
        arrives after the API stopped waiting for it and told its sender it was not recorded.

        Validators only: Temporal never runs them on replay, so reading the key and the case
        clock here never makes a recorded history replay differently."""
        problem = trust.problem(self.state.case_id, action, actor, assertion, payload)
        if problem is not None or assertion is None:
            # trust.problem names a missing assertion too; the second test is for the types.
            message = problem or "操作未经平台签名。"
            raise ApplicationError(message, type=UNSIGNED, non_retryable=True)
        if self._platform_now() > assertion.accept_by:
            raise ApplicationError(
                "本次操作送达案件时，平台已停止等待并告知未记录；本次操作未受理，请重新办理。",
                type=STALE,
                non_retryable=True,
            )

    def _platform_now(self) -> datetime:
        """The platform's clock as closely as the case can tell, for validators only (never run
        on replay). The case clock lags it by however late the case's first task ran (seconds
        on a loaded worker); the execution's start, which update-with-start makes the moment of
        receipt, does not: the later of the two readings is the closer."""
        since_start = self.request.received_at - workflow.info().workflow_start_time
        return workflow.now() + max(self._offset, since_start)

    def _validate_action(self, action: str, request: ActionInput) -> None:
        refusal = self._refusal(action, request.actor)
        if refusal is not None:
            raise ApplicationError(refusal[1], type=refusal[0], non_retryable=True)
        lapsed = self._lapsed_at(request.assertion)
        if lapsed is not None:
            raise ApplicationError(
                f"本环节的期限（{lapsed.cite}）在平台收到本次操作前已届满，"
                f"不能再办理“{self.process.action_label(action)}”。",
                type=WRONG_STAGE,
                non_retryable=True,
            )
        declared = self.process.action(action)
        problem = (declared.problem(request) if declared else None) or self._payload_problem(
            action, request
        )
        if problem:
            raise ApplicationError(problem, type=INVALID, non_retryable=True)

    def _lapsed_at(self, assertion: Assertion | None) -> PlannedDeadline | None:
        """The limit of this stage that had run out, ending the stage, when the platform
        received the action: refused as it would have been had the case already moved on
        (an action received in time is applied, however late a worker comes to it)."""
        if assertion is None or not self._limits_end_stage:
            return None
        return next(
            (
                d
                for d in self._deadlines
                if not d.fired
                and d.on_timeout is not Lapse.OVERDUE
                and d.due <= assertion.received_at
            ),
            None,
        )

    def _decision_time(self, assertion: Assertion | None) -> datetime:
        """When the action was taken, for the law and the record: the platform's receipt
        time, kept within the stage (the API's clock and the case's may differ by moments)."""
        now = self.now()
        if assertion is None:
            return now
        ahead = assertion.received_at - now
        if timedelta(0) < ahead <= CLOCK_CATCH_UP and workflow.patched("case-clock-catches-up"):
            # The case clock runs behind the platform's by the moments between the API
            # reading its clock and the case's first task (seconds, on a loaded worker): it
            # catches up, so that the receipt is the decision time and nothing after reads
            # as earlier. A clock further ahead is not followed (a misset API host).
            self._offset += ahead
            now = assertion.received_at
        return min(max(assertion.received_at, self._stage_entered_at), now)

    def _payload_problem(self, action: str, request: ActionInput) -> str | None:
        """A Chinese message if the payload is unfit for the action by a rule that depends on
        the case (the declaration's own rules are checked before); subclasses extend."""
        return None

    async def _accept_action(self, action: str, request: ActionInput) -> CaseState:
        """Hand the decision to the main loop and return the state once it is applied."""
        async with self._lock:
            # Two updates delivered in one activation both pass their validators.
            self._validate_action(action, request)
            self._decisions_taken += 1
            seq = self._decisions_taken
            self._decision = Decision(action, request, self._decision_time(request.assertion), seq)
            await workflow.wait_condition(lambda: self._decisions_applied >= seq)
            return self._answer(request.actor)

    def _answer(self, viewer: Actor | None) -> CaseState:
        """An update's answer: the case as `viewer` sees it, but for the events its projection
        already holds, which the API reads there (an answer is kept in the case's history)."""
        seen = self.view(StateQuery(viewer))
        held = self._events_recorded
        return replace(seen, events=seen.events[held:], events_from=held)

    # -- stages ---------------------------------------------------------------------------------

    async def await_decision(
        self,
        plan: StagePlan,
        *,
        withheld: Collection[str] = (),
        counted_from: datetime | None = None,
    ) -> Decision | PlannedDeadline:
        """Enter `plan`'s stage and wait for one of its actions, or for a time limit that ends
        the wait (deemed consent, close), returned for the process to apply. Overdue limits
        notify and keep waiting.

        The stage's declared actions are open, but those `withheld` from this case now (an
        extension already asked for). The limits count from the stage's start, or from
        `counted_from` where a period runs from an earlier step (the green channel's 5 days
        run from the approval, an extended period from the original start); limits already
        past then are not announced again."""
        self._limits_end_stage = True
        await self._enter_stage(plan, withheld, counted_from)
        while True:
            result = await self._next_in_stage()
            if isinstance(result, Decision):
                return result
            if result.on_timeout is Lapse.OVERDUE:
                await self._mark_overdue(result)
                continue
            self._close_stage()
            return result

    async def await_action(
        self,
        plan: StagePlan,
        *,
        withheld: Collection[str] = (),
        counted_from: datetime | None = None,
    ) -> Decision:
        """`await_decision` in a stage no time limit ends: its process declares no lapse there
        but `overdue`, so the loader admits no other. A limit that says otherwise (in a plan
        recorded before the loader refused it) is marked overdue too, and the wait goes on."""
        self._limits_end_stage = False
        await self._enter_stage(plan, withheld, counted_from)
        while True:
            result = await self._next_in_stage()
            if isinstance(result, Decision):
                return result
            await self._mark_overdue(result)

    async def _next_in_stage(self) -> Decision | PlannedDeadline:
        """The stage's next decision, or its next limit run out (marked fired). Reminders and
        re-plans are done on the way."""
        while True:
            wake_at, pending = self._next_wake()
            timeout = None if wake_at is None else max(wake_at - self.now(), timedelta(0))
            try:
                await self._wait(
                    lambda: self._decision is not None or self._replan is not None, timeout
                )
            except TimeoutError:
                if pending is None:  # without a pending limit there is no timeout
                    continue
                decision = self._decision
                if (
                    decision is not None
                    and decision.input.assertion is not None
                    and decision.at < pending.due
                    and workflow.patched("receipt-time-before-limit")
                ):
                    # Received before the limit ran out, and reaching the case with the
                    # timer (a worker coming back): the action was in time, and is taken.
                    self._close_stage()
                    self._record_decision(decision)
                    return decision
                if not pending.reminded and pending.remind_at <= self.now() < pending.due:
                    pending.reminded = True
                    await self._remind(pending)
                    continue
                pending.fired = True
                pending.reminded = True
                return pending
            if self._replan is not None:
                await self._replan_open_deadlines(self._replan)
                self._replan = None
                continue
            decision = self._decision
            if decision is None:  # woken by a re-plan only
                continue
            self._close_stage()
            self._record_decision(decision)
            return decision

    def _record_decision(self, decision: Decision) -> None:
        """The decision as a step of the case: what it carried, and how it stood against each
        limit of its stage."""
        detail = {
            key: value
            for key, value in (
                ("reason", decision.input.reason),
                ("legal_basis", decision.input.legal_basis),
                ("decision", decision.input.decision),
                ("note", decision.input.note),
            )
            if value
        }
        limit = None
        if self._deadlines:
            missed = tuple(
                MissedLimit(d.cite, d.due) for d in self._deadlines if d.due <= decision.at
            )
            first = self._deadlines[0]
            limit = LimitCheck(first.due, first.cite, on_time=not missed, missed=missed)
        self.state.events.append(
            CaseEvent(
                decision.at, decision.action, self.state.stage, decision.input.actor, detail, limit
            )
        )

    def _decision_applied(self) -> None:
        """Called by the main loop once a decision's effects are done: releases its update."""
        if self._decision is not None:
            self._decisions_applied = self._decision.seq
            self._decision = None

    async def _enter_stage(
        self,
        plan: StagePlan,
        withheld: Collection[str] = (),
        counted_from: datetime | None = None,
    ) -> None:
        # A period that follows a decision counts from the decision, when the platform
        # received it, not from when a worker came to apply it.
        decided = self._decision
        if counted_from is not None:
            started = counted_from
        elif decided is not None and decided.input.assertion is not None:
            started = decided.at
        else:
            started = self.now()
        # The stage shows only once its deadlines are known.
        self._deadlines = await self._plan_deadlines(plan, started)
        if counted_from is not None:
            for passed in (d for d in self._deadlines if d.due <= self.now()):
                passed.fired = passed.reminded = True
        self._stage_plan = plan
        self.state.stage = plan.stage
        self._stage_entered_at = self.now()
        previous = self._decision
        self._open_actions = self.process.actions_in(plan.stage) - frozenset(withheld)
        self._event("stage_entered", None, stage=plan.stage)
        await self._record()
        # An action taken on the new stage while it was being recorded (a first stage has no
        # pending decision to hold it back) belongs to that stage: releasing it here dropped it.
        if self._decision is not previous and workflow.patched("keep-action-during-stage-entry"):
            return
        # The previous stage's decision has had all its effects: its update may now return.
        self._decision_applied()

    async def _plan_deadlines(self, plan: StagePlan, started: datetime) -> list[PlannedDeadline]:
        """The stage's deadlines, counted from its start; a process whose law counts from
        another day (the day a catalog changed) overrides this."""
        return [
            await effect(plan_deadline, PlanDeadlineInput(plan.stage, limit, started))
            for limit in plan.time_limits
        ]

    def _close_stage(self) -> None:
        self._open_actions = frozenset()

    def _current_deadline(self) -> PlannedDeadline | None:
        pending = [d for d in self._deadlines if not d.fired]
        if pending:
            return pending[0]
        return self._deadlines[-1] if self._deadlines else None

    def _next_wake(self) -> tuple[datetime | None, PlannedDeadline | None]:
        pending = next((d for d in self._deadlines if not d.fired), None)
        if pending is None:
            return None, None
        if not pending.reminded and self.now() < pending.remind_at:
            return pending.remind_at, pending
        return pending.due, pending

    async def _remind(self, deadline: PlannedDeadline) -> None:
        self._limit_event("reminded", LimitCheck(deadline.due, deadline.cite))
        await self._notify(
            "reminder",
            [self._stage_department()],
            due=deadline.due.isoformat(),
            last_day=deadline.last_day.isoformat(),
            cite=deadline.cite,
            lapse=deadline.on_timeout.value,
            **_provenance(deadline),
        )

    async def _mark_overdue(self, deadline: PlannedDeadline, **extra: str) -> None:
        self._limit_event(
            "overdue", LimitCheck(deadline.due, deadline.cite, on_time=False), **extra
        )
        await self._notify(
            "overdue",
            [
                self._stage_department(),
                self.state.parties.authority,
                self.state.parties.service_centre,
            ],
            due=deadline.due.isoformat(),
            cite=deadline.cite,
            **_provenance(deadline),
            **extra,
        )
        # Recorded overdue in the step that stores the notices telling those who must act.
        self.state.overdue = True
        await self._record()

    async def _replan_open_deadlines(self, request: ReplanInput) -> None:
        """Recount unfired deadlines after a calendar revision; record the ones that moved."""
        for index, old in enumerate(self._deadlines):
            if old.fired:
                continue
            limit = next(
                (
                    limit
                    for limit in (self._stage_plan.time_limits if self._stage_plan else ())
                    if limit.cite == old.cite and limit.working_days == old.working_days
                ),
                None,
            )
            if limit is None:
                # A calendar date (the end of the year), not a count of working days.
                continue
            new = await effect(plan_deadline, PlanDeadlineInput(old.stage, limit, old.counted_from))
            if (new.due, new.provisional) == (old.due, old.provisional):
                continue
            new.reminded = old.reminded and new.remind_at <= self.now()
            new.replanned_from = old.due
            self._deadlines[index] = new
            self._limit_event(
                "replanned",
                LimitCheck(new.due, new.cite, replanned_from=old.due, provisional=new.provisional),
                reason=request.reason,
            )
        await self._record()

    def _stage_department(self) -> str | None:
        if self._stage_plan is None:
            return None
        return self.state.parties.department_of(self._stage_plan.actor)

    # -- effects shared by every process -------------------------------------------------------

    def _event(self, kind: str, actor: Actor | None, **detail: str) -> None:
        self.state.events.append(CaseEvent(self.now(), kind, self.state.stage, actor, detail))

    def _limit_event(self, kind: str, limit: LimitCheck, **detail: str) -> None:
        """A step of the platform's (no actor) about a time limit."""
        self.state.events.append(CaseEvent(self.now(), kind, self.state.stage, None, detail, limit))

    async def _record(self) -> None:
        """Keep the supervisors' projection current: the state with the events added since
        the last record. The revision orders concurrent retries."""
        self.state.revision += 1
        held = self._events_recorded
        change = replace(
            self.state,
            deadline=self._current_deadline(),
            actions=[],
            events=self.state.events[held:],
            events_from=held,
        )
        if self._notices or self._step_grant is not None:
            await self._store_step(change)
        else:
            await effect(record_case, change)
        self._events_recorded = held + len(change.events)

    async def _store_step(self, change: CaseState | None) -> None:
        """The step's grant, notices and record (`change`, if any), in one activity."""
        notices, self._notices = self._notices, []
        grant, self._step_grant = self._step_grant, None
        granted = await effect(record_step, StepRecord(notices, change, grant))
        if grant is not None:
            self.state.details.authorization_id = granted

    async def _authorize(self, grant: GrantAuthorizationInput) -> None:
        """Grant what the case decided; the details of a process that grants name the
        authorization once it is stored, with the step's record (`_store_step`)."""
        if workflow.patched(GRANT_WITH_RECORD):
            self._step_grant = grant
        else:
            self.state.details.authorization_id = await effect(grant_authorization, grant)

    async def _notify(
        self, kind: str, departments: list[str | None], **context: NoticeValue
    ) -> None:
        recipients = sorted({d for d in departments if d})
        if not recipients:
            return
        notice = SendNoticeInput(
            case_id=self.state.case_id,
            key=f"{len(self.state.events)}-{kind}",
            kind=kind,
            recipients=recipients,
            context={
                "case_number": self.state.case_number,
                "process": self.state.process,
                "ruleset": self.state.ruleset,
                **context,
            },
            parties=self.state.parties,
        )
        if workflow.patched(NOTICES_WITH_RECORD):
            self._notices.append(notice)
        else:
            await effect(send_notice, notice)

    async def _set_sharing_status(self, resource_id: str, status: str, reason: str) -> None:
        """Set a catalog resource's sharing status (active, suspended, retired) for this case."""
        await effect(
            set_resource_status,
            SetResourceStatusInput(
                case_id=self.request.case_id,
                case_number=self.request.case_number,
                resource_id=resource_id,
                status=status,
                reason=reason,
            ),
        )

    async def _close_case(self, outcome: str, **detail: str) -> CaseState:
        self.state.status = Status.CLOSED
        self.state.outcome = outcome
        self.state.stage = "closed"
        self._stage_plan = None
        self._deadlines = []
        self._event("closed", None, outcome=outcome, **detail)
        await self._record()
        self._decision_applied()
        # A `settle` waiting here is itself a handler: it returns, then the case completes.
        await self._wait(workflow.all_handlers_finished, None)
        return self.state


def _provenance(deadline: PlannedDeadline) -> dict[str, str]:
    """A notice's line on the governing rule, where instruments were composed for it."""
    return {"basis": deadline.provenance()} if deadline.prevails_over else {}


def new_state(
    *,
    case_id: str,
    case_number: str,
    process: str,
    ruleset: str,
    jurisdiction: str,
    received_at: datetime,
    parties: Parties,
    details: CaseDetails | None,
    governed_by: list[str] | None = None,
) -> CaseState:
    return CaseState(
        case_id=case_id,
        case_number=case_number,
        process=process,
        ruleset=ruleset,
        jurisdiction=jurisdiction,
        status=Status.OPEN,
        stage="received",
        outcome=None,
        received_at=received_at,
        parties=parties,
        deadline=None,
        overdue=False,
        actions=[],
        events=[],
        details=details,
        # A case started before instruments were composed ran on its one ruleset.
        governed_by=list(governed_by or [ruleset]),
    )
