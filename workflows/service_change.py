"""Service-change notice (共享告知, dongying 第二十三条 second paragraph): a provider that will
upgrade, change or stop a sharing service tells the departments using it in advance.

On filing, every department holding an authorization for the resource is told at once, and
the filing is measured against the ruleset's notice period: a change taking effect before the
period has run (counted like any period: the filing day not counted, to 24:00 of its last
working day) is a late filing, flagged on the case, in the notices and in the supervisors'
list. At 00:00 of the effective day a `stop` retires the resource; the case then closes.
Until then the provider may `withdraw` the notice (with reasons): the same departments are
told that the change will not happen.

Where an instrument in force asks it (809 第二十七条第三款: a service is stopped or changed
only for good reason, after consulting the requesters, and filed (备案) with the authority), the
filing records the good reason, the holders consulted (the notice asks each for its views
before the effective day) with the provider's account of the consultation, and the 备案 with
the authority, to whom the same notice goes; beside a local notice period where one governs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from temporalio import workflow

from workflows.case import CaseWorkflow, Decision, effect
from workflows.common import (
    CaseDetails,
    CaseInput,
    CaseState,
    Lapse,
    Party,
    StagePlan,
    TimeLimit,
)
from workflows.process import Action, Process, Stage

with workflow.unsafe.imports_passed_through():
    from activities.deadlines import PlanDeadlineInput, plan_deadline
    from activities.green_channel import list_authorization_holders
    from activities.notices import NoticeValue


class ChangeKind(StrEnum):
    UPGRADE = "upgrade"  # 系统升级
    CHANGE = "change"  # 变更
    STOP = "stop"  # 停用


class Outcome(StrEnum):
    TOOK_EFFECT = "took_effect"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class ServiceChangePlan:
    """The service-change part of a ruleset, as data recorded in the case's history."""

    notice_period: TimeLimit
    announced: StagePlan
    cite: str
    # The article that asks for a good reason, the requesters' consultation and the 备案 with
    # the authority; "" where no instrument in force asks it.
    filing_cite: str = ""


@dataclass(frozen=True, kw_only=True)
class ServiceChangeInput(CaseInput):
    plan: ServiceChangePlan
    resource_id: str
    resource_name: str
    kind: ChangeKind
    effective_on: date
    effective_at: datetime  # 00:00 Beijing time of `effective_on`
    description: str
    reason: str = ""  # the good reason (正当理由)
    consultation: str = ""  # the provider's account of its consultation of the requesters


@dataclass(kw_only=True)
class ServiceChangeDetails(CaseDetails):
    resource_id: str
    resource_name: str
    kind: ChangeKind
    effective_on: date
    description: str
    notice_period_last_day: date | None = None
    earliest_timely_effective_on: date | None = None
    late: bool = False  # filed with less notice than the period gives
    notified: list[str] = field(default_factory=list)  # the departments told
    reason: str = ""
    consultation: str = ""
    # Where `plan.filing_cite` applies: the holders consulted, the authority the change was
    # filed (备案) with, and the article.
    consulted: list[str] | None = None
    filed_with: str | None = None
    filing_cite: str = ""


SERVICE_CHANGE = Process(
    name="service_change",
    title="共享告知",
    slug="service-change",
    actions=(
        Action(
            "withdraw", "撤回共享告知", actor=Party.PROVIDER, reason="撤回共享告知，必须说明理由。"
        ),
    ),
    stages=(
        # Never entered: the period a filing is measured against. Running out late only flags
        # the filing.
        Stage("notice_period", "提前告知期", lapses=(Lapse.OVERDUE,)),
        # Waits for the effective day, not for anyone: no time limit.
        Stage("announced", "已告知，待生效", ("withdraw",)),
    ),
    outcomes={Outcome.TOOK_EFFECT: "变更已生效", Outcome.WITHDRAWN: "告知已撤回，不作变更"},
    events={
        "received": "收到共享告知",
        "late_filing": "未按规定提前告知",
        "holders_notified": "已告知使用部门",
        "holders_consulted": "已征求使用部门意见",
        "filed_with_authority": "已报主管部门备案",
        "took_effect": "变更生效",
    },
    details={
        "earliest": "最早可生效日",
        "departments": "已告知部门",
        "change": "变更类型",
        "consultation": "与需求部门协商情况",
        "authority": "备案主管部门",
    },
    detail_values={
        "change": {
            ChangeKind.UPGRADE: "系统升级",
            ChangeKind.CHANGE: "变更",
            ChangeKind.STOP: "停用",
        }
    },
    details_type=ServiceChangeDetails,
)


@workflow.defn
class ServiceChangeWorkflow(CaseWorkflow[ServiceChangeInput]):
    """One notice of a change to a sharing service.

    Query: `view`. Signal: `replan_deadlines` (nothing waits on working days). Updates:
    `withdraw`, `settle`.
    """

    process = SERVICE_CHANGE

    @workflow.init
    def __init__(self, request: ServiceChangeInput) -> None:
        super().__init__(request)
        self.details = ServiceChangeDetails.from_input(request)

    @workflow.run
    async def run(self, request: ServiceChangeInput) -> CaseState:
        self._open_case(self.details)
        plan = request.plan
        period = await effect(
            plan_deadline,
            PlanDeadlineInput("notice_period", plan.notice_period, request.received_at),
        )
        # The users must have the whole period before the change: it may take effect on the
        # day after the period's last day at the earliest.
        earliest = period.last_day + timedelta(days=1)
        late = request.effective_on < earliest
        self.details.notice_period_last_day = period.last_day
        self.details.earliest_timely_effective_on = earliest
        self.details.late = late
        if late:
            self.state.overdue = True
            self._event("late_filing", None, earliest=earliest.isoformat(), cite=period.cite)
        holders = await effect(list_authorization_holders, request.resource_id)
        self.details.notified = holders
        self._event("holders_notified", None, departments="、".join(holders) or "（无）")
        if plan.filing_cite:
            self._consult_and_file(holders)
        await self._tell_holders(
            "service_change",
            holders,
            description=request.description,
            late=late,
            earliest=earliest.isoformat(),
            working_days=str(period.working_days),
            cite=period.cite,
            filing_cite=plan.filing_cite,
            reason=request.reason,
            consultation=request.consultation,
        )
        until_effective = max(request.effective_at - self.now(), timedelta(0))
        if not workflow.patched("service-change-withdrawable"):
            await self._enter_stage(plan.announced, withheld={"withdraw"})
            with self._idle_while(lambda: False, until_effective):
                await workflow.sleep(until_effective)
        else:
            await self._enter_stage(plan.announced)
            if workflow.patched("service-change-effective-at-midnight"):
                # Counted once the stage is entered: the time its recording took used to be
                # added to the wait, so the change took effect that much after 00:00.
                until_effective = max(request.effective_at - self.now(), timedelta(0))
            try:
                await self._wait(lambda: self._decision is not None, until_effective)
            except TimeoutError:
                self._close_stage()
            else:
                withdrawal = self._decision
                if withdrawal is not None:  # what the wait waited for
                    return await self._withdraw(request, holders, withdrawal)
        if request.kind is ChangeKind.STOP:
            await self._set_sharing_status(
                request.resource_id,
                "retired",
                f"共享告知 {request.case_number}：自{request.effective_on.isoformat()}"
                f"起停用。{request.description}",
            )
        self._event("took_effect", None, change=request.kind.value)
        return await self._close_case(Outcome.TOOK_EFFECT, change=request.kind.value)

    def _consult_and_file(self, holders: list[str]) -> None:
        """Record the consultation of the current holders and the 备案 with the authority: the
        notice that follows is both (events only: no new command, so no patch)."""
        request = self.request
        self.details.consulted = list(holders)
        self.details.filed_with = request.parties.authority
        self.details.filing_cite = request.plan.filing_cite
        self._event(
            "holders_consulted",
            None,
            departments="、".join(holders) or "（无）",
            consultation=request.consultation,
            reason=request.reason,
            cite=request.plan.filing_cite,
        )
        self._event(
            "filed_with_authority",
            None,
            authority=request.parties.authority or "",
            cite=request.plan.filing_cite,
        )

    async def _withdraw(
        self, request: ServiceChangeInput, holders: list[str], withdrawal: Decision
    ) -> CaseState:
        self._close_stage()
        self._event(withdrawal.action, withdrawal.input.actor, reason=withdrawal.input.reason)
        await self._tell_holders(
            "service_change_withdrawn", holders, reason=withdrawal.input.reason
        )
        return await self._close_case(Outcome.WITHDRAWN, reason=withdrawal.input.reason)

    async def _tell_holders(self, kind: str, holders: list[str], **context: NoticeValue) -> None:
        """A notice about the change to the departments holding the data, and the authority."""
        request = self.request
        await self._notify(
            kind,
            [*holders, request.parties.authority],
            resource=request.resource_name,
            change=request.kind.value,
            effective_on=request.effective_on.isoformat(),
            **context,
        )
