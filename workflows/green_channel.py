"""Green channel (绿色通道) and dynamic scheduling (动态调度), dongying 第二十三条: a using
department demands data that is not yet on the platform.

- `green_review` (green track only): the authority `approve`s the green channel, or `refuse`s
  it with reasons and a `decision`: `close` ends the case, `ordinary` sends the demand on to
  the ordinary track, whose periods then count from that decision.
- `feedback`: the provider answers whether it can deliver: `confirm`, or `decline` with
  reasons; it may also `deliver` at once.
- `delivery`: the provider makes the data available (`deliver`), or `decline`s with reasons.

The demanding department may `withdraw` (with reasons) until the data is delivered.

The answer and the availability periods both run from the start of the track: the approval
on the green track, the receipt (or the routing decision) on the ordinary one. Delivery
creates or updates the catalog entry and authorizes the demanding department; a missed
period marks the case overdue and tells the supervisor, nothing is deemed delivered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from temporalio import workflow

from workflows.case import CaseWorkflow, Decision, effect
from workflows.common import (
    SHARE_TYPE_LABELS,
    CaseDetails,
    CaseInput,
    CaseState,
    GrantedBy,
    Lapse,
    Party,
    PlannedDeadline,
    ShareType,
    StagePlan,
)
from workflows.process import Action, Choice, Process, Stage

with workflow.unsafe.imports_passed_through():
    from activities.authorizations import GrantAuthorizationInput
    from activities.green_channel import DeliverResourceInput, deliver_resource


class Track(StrEnum):
    GREEN = "green"  # 绿色通道
    ORDINARY = "ordinary"  # 动态调度


class Grounds(StrEnum):
    SPECIAL_BUSINESS = "special_business"  # 特殊业务
    PUBLIC_EMERGENCY = "public_emergency"  # 紧急突发公共事件


class Outcome(StrEnum):
    DELIVERED = "delivered"
    UNAVAILABLE = "unavailable"  # the provider cannot deliver, with reasons
    REFUSED = "refused"  # the green channel refused and the case closed
    LAPSED = "lapsed"  # an operator target that closes the case
    WITHDRAWN = "withdrawn"  # the demanding department no longer needs the data


@dataclass(frozen=True)
class ProvisionPlan:
    """One track's provider stages: `feedback` carries both limits (delivering at once is also
    an answer), `delivery` the availability limit alone."""

    feedback: StagePlan
    delivery: StagePlan
    cite: str


@dataclass(frozen=True)
class GreenChannelPlan:
    """The green-channel part of a ruleset, as data recorded in the case's history."""

    review: StagePlan
    green: ProvisionPlan
    ordinary: ProvisionPlan
    cite: str


@dataclass(frozen=True, kw_only=True)
class GreenChannelInput(CaseInput):
    plan: GreenChannelPlan
    track: Track
    data_name: str
    purpose: str
    scenario: str
    grounds: Grounds | None = None
    justification: str = ""
    fields: list[str] = field(default_factory=list)
    # A catalog entry of the provider whose data is not yet on the platform; None: new data.
    resource_id: str | None = None


# A missed period marks the case overdue (or, an operator's target, closes it): nothing is
# deemed delivered.
LAPSES = (Lapse.OVERDUE, Lapse.CLOSE)


@dataclass(kw_only=True)
class GreenChannelDetails(CaseDetails):
    track: Track  # the track the demand is on now
    filed_on: Track  # the track it was filed on (a refused green demand may go on ordinary)
    data_name: str
    resource_id: str | None
    purpose: str
    scenario: str
    grounds: Grounds | None
    justification: str
    fields: list[str]
    routed_to_ordinary_at: datetime | None = None
    authorization_id: int | None = None


GREEN_CHANNEL = Process(
    name="green_channel",
    title="绿色通道需求",
    slug="green-channel",
    actions=(
        Action("approve", "批准绿色通道"),
        Action(
            "refuse",
            "不批准绿色通道",
            reason="不批准绿色通道，必须说明理由。",
            decision_label="后续办理",
            decisions=(Choice("close", "办结"), Choice(Track.ORDINARY, "转入动态调度")),
        ),
        Action("confirm", "答复可以提供"),
        Action("decline", "答复无法提供", reason="无法满足需求，必须说明理由。"),
        # The share type of a new catalog entry (conditional if none is given); an existing
        # entry keeps its own.
        Action(
            "deliver",
            "提供数据",
            decision_label="共享类型",
            decision_optional=True,
            decisions=tuple(
                Choice(share, SHARE_TYPE_LABELS[share])
                for share in (ShareType.CONDITIONAL, ShareType.UNCONDITIONAL)
            ),
        ),
        Action(
            "withdraw", "撤回需求", actor=Party.APPLICANT, reason="撤回数据需求，必须说明理由。"
        ),
    ),
    stages=(
        Stage("green_review", "绿色通道审核", ("approve", "refuse", "withdraw"), lapses=LAPSES),
        # Delivering at once is also an answer.
        Stage(
            "feedback",
            "提供部门答复",
            ("confirm", "decline", "deliver", "withdraw"),
            lapses=LAPSES,
        ),
        Stage("delivery", "提供数据", ("deliver", "decline", "withdraw"), lapses=LAPSES),
    ),
    outcomes={
        Outcome.DELIVERED: "已提供数据",
        Outcome.UNAVAILABLE: "无法提供（附理由）",
        Outcome.REFUSED: "不批准绿色通道",
        Outcome.WITHDRAWN: "需求已撤回",
        Outcome.LAPSED: "期满终止",
    },
    events={"received": "收到数据需求"},
    details_type=GreenChannelDetails,
)


@workflow.defn
class GreenChannelWorkflow(CaseWorkflow[GreenChannelInput]):
    """One demand for data not yet on the platform.

    Query: `view`. Signal: `replan_deadlines`. Updates: `approve`, `refuse`, `confirm`,
    `decline`, `deliver`, `withdraw`, `settle`.
    """

    process = GREEN_CHANNEL

    @workflow.init
    def __init__(self, request: GreenChannelInput) -> None:
        super().__init__(request)
        self.details = GreenChannelDetails.from_input(request, filed_on=request.track)

    @workflow.run
    async def run(self, request: GreenChannelInput) -> CaseState:
        self._open_case(self.details)
        plan = request.plan
        await self._notify(
            "submitted",
            [request.parties.applicant, request.parties.provider, request.parties.authority],
            resource=request.data_name,
        )
        if request.track is Track.ORDINARY:
            return await self._provide(plan.ordinary, request.received_at)
        result = await self.await_decision(plan.review)
        if isinstance(result, PlannedDeadline):
            return await self._close_case(Outcome.LAPSED, cite=result.cite)
        if result.action == "withdraw":
            return await self._withdraw(result)
        await self._tell("green_channel_decided", result)
        if result.action == "approve":
            return await self._provide(plan.green, result.at)
        if result.input.decision == Track.ORDINARY:
            self.details.track = Track.ORDINARY
            self.details.routed_to_ordinary_at = result.at
            return await self._provide(plan.ordinary, result.at)
        return await self._close_case(Outcome.REFUSED, reason=result.input.reason)

    async def _provide(self, track: ProvisionPlan, start: datetime) -> CaseState:
        result = await self.await_decision(track.feedback, counted_from=start)
        if isinstance(result, PlannedDeadline):
            return await self._close_case(Outcome.LAPSED, cite=result.cite)
        if result.action == "confirm":
            await self._tell("provider_answered", result)
            result = await self.await_decision(track.delivery, counted_from=start)
            if isinstance(result, PlannedDeadline):
                return await self._close_case(Outcome.LAPSED, cite=result.cite)
        if result.action == "withdraw":
            return await self._withdraw(result)
        if result.action == "decline":
            await self._tell("provider_answered", result)
            return await self._close_case(Outcome.UNAVAILABLE, reason=result.input.reason)
        return await self._deliver(result, track)

    async def _deliver(self, decision: Decision, track: ProvisionPlan) -> CaseState:
        request = self.request
        resource_id = await effect(
            deliver_resource,
            DeliverResourceInput(
                case_id=request.case_id,
                case_number=request.case_number,
                resource_id=request.resource_id,
                name=request.data_name,
                provider_id=request.parties.provider or "",
                share_type=decision.input.decision or ShareType.CONDITIONAL.value,
                legal_basis=decision.input.legal_basis,
                fields=list(request.fields),
            ),
        )
        await self._authorize(
            GrantAuthorizationInput(
                case_id=request.case_id,
                stage="delivery",
                applicant_department_id=request.parties.applicant or "",
                resource_id=resource_id,
                granted_by=GrantedBy.PROVIDER,
                fields=list(request.fields),
                purpose=request.purpose,
                scenario=request.scenario,
                granted_at=self.now(),
                cite=track.delivery.cite,
            ),
        )
        self.details.resource_id = resource_id
        await self._tell("delivered", decision, cite=track.delivery.cite)
        return await self._close_case(Outcome.DELIVERED, resource_id=resource_id)

    async def _withdraw(self, decision: Decision) -> CaseState:
        await self._tell("demand_withdrawn", decision)
        return await self._close_case(Outcome.WITHDRAWN, reason=decision.input.reason)

    async def _tell(self, kind: str, decision: Decision, **extra: str) -> None:
        parties = self.request.parties
        await self._notify(
            kind,
            [parties.applicant, parties.provider, parties.authority],
            action=decision.action,
            reason=decision.input.reason,
            decision=decision.input.decision,
            resource=self.request.data_name,
            **extra,
        )
