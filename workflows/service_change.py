"""Service-change notice (共享告知, dongying 第二十三条 second paragraph): a provider that will
upgrade, change or stop a sharing service tells the departments using it in advance.

On filing, every department holding an authorization for the resource is told at once, and
the filing is measured against the ruleset's notice period: a change taking effect before the
period has run (counted like any period: the filing day not counted, to 24:00 of its last
working day) is a late filing, flagged on the case, in the notices and in the supervisors'
list. At 00:00 of the effective day a `stop` retires the resource; the case then closes.
Until then the provider may `withdraw` the notice (with reasons): the same departments are
told that the change will not happen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from temporalio import workflow

from workflows.case import CaseWorkflow, action, effect
from workflows.common import ActionInput, Actor, CaseState, Parties, Party, StagePlan, TimeLimit

with workflow.unsafe.imports_passed_through():
    from activities.catalog import SetResourceStatusInput, set_resource_status
    from activities.deadlines import PlanDeadlineInput, plan_deadline
    from activities.green_channel import list_authorization_holders


class ChangeKind(StrEnum):
    UPGRADE = "upgrade"  # 系统升级
    CHANGE = "change"  # 变更
    STOP = "stop"  # 停用


@dataclass(frozen=True)
class ServiceChangePlan:
    """The service-change part of a ruleset, as data recorded in the case's history."""

    notice_period: TimeLimit
    announced: StagePlan
    cite: str


@dataclass(frozen=True)
class ServiceChangeInput:
    case_id: str
    case_number: str
    ruleset: str
    jurisdiction: str
    received_at: datetime
    parties: Parties
    plan: ServiceChangePlan
    submitted_by: Actor
    resource_id: str
    resource_name: str
    kind: ChangeKind
    effective_on: date
    effective_at: datetime  # 00:00 Beijing time of `effective_on`
    description: str


@workflow.defn
class ServiceChangeWorkflow(CaseWorkflow):
    """One notice of a change to a sharing service.

    Query: `view`. Signal: `replan_deadlines` (nothing waits on working days). Updates:
    `withdraw`, `settle`.
    """

    ACTORS = {"withdraw": Party.PROVIDER}

    @workflow.run
    async def run(self, request: ServiceChangeInput) -> CaseState:
        self._open_case(
            request,
            "service_change",
            details={
                "resource_id": request.resource_id,
                "resource_name": request.resource_name,
                "kind": request.kind.value,
                "effective_on": request.effective_on.isoformat(),
                "description": request.description,
            },
        )
        plan = request.plan
        period = await effect(
            plan_deadline,
            PlanDeadlineInput("notice_period", plan.notice_period, request.received_at),
        )
        # The users must have the whole period before the change: it may take effect on the
        # day after the period's last day at the earliest.
        earliest = period.last_day + timedelta(days=1)
        late = request.effective_on < earliest
        self.state.details["notice_period_last_day"] = period.last_day.isoformat()
        self.state.details["earliest_timely_effective_on"] = earliest.isoformat()
        self.state.details["late"] = late
        if late:
            self.state.overdue = True
            self._event("late_filing", None, earliest=earliest.isoformat(), cite=period.cite)
        holders = await effect(list_authorization_holders, request.resource_id)
        self.state.details["notified"] = holders
        self._event("holders_notified", None, departments="、".join(holders) or "（无）")
        await self._notify(
            "service_change",
            [*holders, request.parties.authority],
            resource=request.resource_name,
            change=request.kind.value,
            effective_on=request.effective_on.isoformat(),
            description=request.description,
            late="true" if late else "",
            earliest=earliest.isoformat(),
            working_days=str(period.working_days),
            cite=period.cite,
        )
        until_effective = max(request.effective_at - self.now(), timedelta(0))
        if not workflow.patched("service-change-withdrawable"):
            await self._enter_stage(plan.announced, frozenset())
            with self._idle_while(lambda: False, until_effective):
                await workflow.sleep(until_effective)
        else:
            await self._enter_stage(plan.announced, frozenset({"withdraw"}))
            if workflow.patched("service-change-effective-at-midnight"):
                # Counted once the stage is entered: the time its recording took used to be
                # added to the wait, so the change took effect that much after 00:00.
                until_effective = max(request.effective_at - self.now(), timedelta(0))
            try:
                await self._wait(lambda: self._decision is not None, until_effective)
            except TimeoutError:
                self._close_stage()
            else:
                return await self._withdraw(request, holders)
        if request.kind is ChangeKind.STOP:
            await effect(
                set_resource_status,
                SetResourceStatusInput(
                    case_id=request.case_id,
                    case_number=request.case_number,
                    resource_id=request.resource_id,
                    status="retired",
                    reason=f"共享告知 {request.case_number}：自{request.effective_on.isoformat()}"
                    f"起停用。{request.description}",
                ),
            )
        self._event("took_effect", None, change=request.kind.value)
        return await self._close_case("took_effect", change=request.kind.value)

    async def _withdraw(self, request: ServiceChangeInput, holders: list[str]) -> CaseState:
        withdrawal = self._decision
        assert withdrawal is not None
        self._close_stage()
        self._event(withdrawal.action, withdrawal.input.actor, reason=withdrawal.input.reason)
        await self._notify(
            "service_change_withdrawn",
            [*holders, request.parties.authority],
            resource=request.resource_name,
            change=request.kind.value,
            effective_on=request.effective_on.isoformat(),
            reason=withdrawal.input.reason,
        )
        return await self._close_case("withdrawn", reason=withdrawal.input.reason)

    def _payload_problem(self, action: str, request: ActionInput) -> str | None:
        if action == "withdraw" and not request.reason.strip():
            return "撤回共享告知，必须说明理由。"
        return None

    withdraw = action("withdraw")
