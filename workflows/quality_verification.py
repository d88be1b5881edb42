"""Data quality verification (疑义/错误数据校核): a using department's caseworker, or the
platform operator, doubts data of a catalog resource and asks its provider to verify it.

- `forwarding` (Hebei): the authority forwards the request to the provider (`forward`).
- `verification`: the provider answers: `explain` (释明, with reasons), `repair` (修复: what
  changed, in `note`; the resource's data version is bumped), or `reject` as unfounded (with
  reasons). Where the ruleset allows it (Hebei), the provider may once `request_extension`
  (`working_days`, `reason`) while answering; the authority then `grant_extension`s or
  `refuse_extension`s in `extension_review` (the provider may still answer meanwhile). The
  deadline moves only on a grant; the state keeps the original and the extended one.
- `joint_verification` (Lichuan): data of two departments conflicts; the service centre
  verifies with both providers and answers as a provider would.
- `dispute_period`: the raiser may `dispute` the outcome once, with reasons;
  `dispute_review`: the supervisor `decide`s: `uphold` the outcome or `reverify` (the provider
  verifies again, and that answer is final).

Every outcome is a notice to the raiser. Where the instrument says a data subject showing valid
proof must still be served while verification runs (Lichuan), the using department is told so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from temporalio import workflow

from workflows.case import CaseWorkflow, Decision, effect
from workflows.common import (
    FORBIDDEN,
    WRONG_STAGE,
    ActionInput,
    Actor,
    CaseDetails,
    CaseInput,
    CaseState,
    Extension,
    ExtensionPlan,
    ExtensionStatus,
    Lapse,
    Party,
    PlannedDeadline,
    StagePlan,
    TimeLimit,
)
from workflows.process import Action, Choice, Process, Stage, extension_actions

with workflow.unsafe.imports_passed_through():
    from activities.attachments import CiteAttachmentsInput, cite_attachments
    from activities.catalog import RecordCorrectionInput, record_correction
    from activities.deadlines import PlanDeadlineInput, plan_deadline


class Outcome(StrEnum):
    EXPLAINED = "explained"  # 释明
    REPAIRED = "repaired"  # 修复
    REJECTED = "rejected"  # unfounded


ANSWERS = {"explain": Outcome.EXPLAINED, "repair": Outcome.REPAIRED, "reject": Outcome.REJECTED}


@dataclass(frozen=True)
class QualityVerificationPlan:
    """The quality-verification part of a ruleset, as data recorded in the case's history."""

    verification: StagePlan
    dispute_period: StagePlan
    dispute_review: StagePlan
    cite: str
    forwarding: StagePlan | None = None
    extension: ExtensionPlan | None = None
    joint_verification: StagePlan | None = None
    serve_with_proof_cite: str = ""  # the article requiring service on valid proof, if any


@dataclass(frozen=True, kw_only=True)
class QualityVerificationInput(CaseInput):
    plan: QualityVerificationPlan
    resource_id: str
    resource_name: str
    description: str
    fields: list[str] = field(default_factory=list)
    records: list[str] = field(default_factory=list)
    attachment_ids: list[int] = field(default_factory=list)
    # Lichuan: conflicting data of a second department, verified jointly.
    conflicting_resource_id: str = ""
    conflicting_resource_name: str = ""
    second_provider: str = ""


@dataclass(kw_only=True)
class Repair:
    """A repair's effect: the resource whose data version went up, and what changed."""

    resource_id: str
    version: int
    change: str


@dataclass(kw_only=True)
class QualityVerificationDetails(CaseDetails):
    resource_id: str
    resource_name: str
    description: str
    fields: list[str]
    records: list[str]
    attachments: list[int]
    conflicting_resource_id: str | None
    second_provider: str | None
    # lichuan 第二十三条: while verification runs, a subject with valid proof is served.
    serve_with_proof: bool
    extension: Extension | None = None
    repaired: Repair | None = None


# Every answer is owed however late: only the raiser's time to dispute runs out (and closes).
QUALITY_VERIFICATION = Process(
    name="quality_verification",
    title="数据质量校核",
    slug="quality-verification",
    actions=(
        Action("forward", "转送提供部门校核"),
        Action("explain", "释明", reason="释明须说明理由。"),
        # Which resource (`decision`) must be one of the case: `_payload_problem`.
        Action(
            "repair",
            "修复数据",
            note="修复数据须在 note 中说明修改了哪些内容。",
            decision_label="修复的数据资源",
        ),
        Action("reject", "疑义不成立", reason="认定疑义不成立，必须说明理由。"),
        # At most the ruleset's days (`_payload_problem`), once (`_refusal`).
        *extension_actions("校核期限"),
        Action(
            "dispute",
            "对校核结果提出异议",
            actor=Party.APPLICANT,
            reason="对校核结果提出异议，必须说明理由。",
        ),
        Action(
            "decide",
            "作出异议处理决定",
            reason="作出异议处理决定，必须说明理由。",
            decision_label="异议处理决定",
            decisions=(Choice("uphold", "维持校核结果"), Choice("reverify", "责令重新校核")),
        ),
    ),
    stages=(
        Stage("forwarding", "主管部门转送", ("forward",), lapses=(Lapse.OVERDUE,)),
        Stage(
            "verification",
            "提供部门校核",
            (*ANSWERS, "request_extension"),
            lapses=(Lapse.OVERDUE,),
        ),
        # The provider's period runs on while the authority considers; it may still answer.
        Stage(
            "extension_review",
            "审批延长校核期限",
            (*ANSWERS, "grant_extension", "refuse_extension"),
            lapses=(Lapse.OVERDUE,),
        ),
        Stage("joint_verification", "服务中心联合核实", tuple(ANSWERS), lapses=(Lapse.OVERDUE,)),
        Stage("dispute_period", "校核结果异议期", ("dispute",), lapses=(Lapse.CLOSE,)),
        Stage("dispute_review", "异议处理", ("decide",), lapses=(Lapse.OVERDUE,)),
    ),
    outcomes={
        Outcome.EXPLAINED: "已释明",
        Outcome.REPAIRED: "已修复",
        Outcome.REJECTED: "疑义不成立",
    },
    events={
        "received": "收到疑义或错误数据",
        "data_repaired": "数据已修复（版本更新）",
        "extension_requested": "延期申请已登记",
    },
    details={"working_days": "申请延长工作日数", "dispute": "异议处理"},
    detail_values={"dispute": {"upheld": "维持校核结果", "reverified": "重新校核"}},
    details_type=QualityVerificationDetails,
)


@workflow.defn
class QualityVerificationWorkflow(CaseWorkflow[QualityVerificationInput]):
    """One quality verification request.

    Query: `view`. Signal: `replan_deadlines`. Updates: `forward`, `explain`, `repair`,
    `reject`, `request_extension`, `grant_extension`, `refuse_extension`, `dispute`, `decide`,
    `settle`.
    """

    process = QUALITY_VERIFICATION

    @workflow.init
    def __init__(self, request: QualityVerificationInput) -> None:
        super().__init__(request)
        self.details = QualityVerificationDetails.from_input(
            request,
            attachments=list(request.attachment_ids),
            conflicting_resource_id=request.conflicting_resource_id or None,
            second_provider=request.second_provider or None,
            serve_with_proof=bool(request.plan.serve_with_proof_cite),
        )

    @workflow.run
    async def run(self, request: QualityVerificationInput) -> CaseState:
        plan = request.plan
        self._open_case(self.details)
        if request.attachment_ids:
            await effect(
                cite_attachments, CiteAttachmentsInput(request.case_id, request.attachment_ids)
            )
        # Where the authority forwards (Hebei), the provider hears of it on forwarding.
        first = plan.forwarding.actor if plan.forwarding else Party.PROVIDER
        await self._notify(
            "verification_raised",
            [request.parties.applicant, request.parties.department_of(first)],
            resource=request.resource_name,
            description=request.description,
            cite=plan.cite,
        )
        if plan.serve_with_proof_cite:
            # lichuan 第二十三条: while verification runs, valid proof must still be accepted.
            await self._notify(
                "serve_with_proof",
                [request.parties.applicant],
                resource=request.resource_name,
                cite=plan.serve_with_proof_cite,
            )
        if plan.forwarding is not None:
            await self.await_action(plan.forwarding)
            await self._notify(
                "verification_forwarded",
                [request.parties.provider],
                resource=request.resource_name,
                cite=plan.forwarding.cite,
            )
        answer = await self._verify()
        outcome = await self._conclude(answer, final=False)
        result = await self.await_decision(plan.dispute_period)
        if isinstance(result, PlannedDeadline):
            return await self._close(outcome)
        await self._notify(
            "dispute_raised",
            [request.parties.department_of(plan.dispute_review.actor), request.parties.provider],
            reason=result.input.reason,
            cite=plan.dispute_review.cite,
            decider=plan.dispute_review.actor.value,
        )
        ruling = await self.await_action(plan.dispute_review)
        await self._notify(
            "dispute_decided",
            [request.parties.applicant, request.parties.provider],
            decision=ruling.input.decision,
            reason=ruling.input.reason,
            cite=plan.dispute_review.cite,
        )
        if ruling.input.decision == "uphold":
            return await self._close(outcome, dispute="upheld")
        outcome = await self._conclude(await self._verify(), final=True)
        return await self._close(outcome, dispute="reverified")

    async def _verify(self) -> Decision:
        """Wait for the provider's (or the joint verification's) answer."""
        request, plan = self.request, self.request.plan
        if plan.joint_verification is not None and request.conflicting_resource_id:
            await self._notify(
                "joint_verification",
                [request.parties.service_centre, request.parties.provider, request.second_provider],
                resource=request.resource_name,
                other=request.conflicting_resource_name,
                cite=plan.joint_verification.cite,
            )
            return await self.await_action(plan.joint_verification)
        started = self.now()
        stage = plan.verification
        extension = None if self.details.extension else plan.extension
        result = await self.await_action(
            stage,
            withheld=() if extension else {"request_extension"},
            counted_from=started,
        )
        # Asked for once: the authority's answer, or the provider's while it considers.
        if result.action == "request_extension" and extension is not None:
            result = await self._review_extension(result, stage, started, extension)
            if result.action not in ANSWERS:
                stage = await self._decide_extension(result, stage, started, extension)
                result = await self.await_action(
                    stage, withheld={"request_extension"}, counted_from=started
                )
        return result

    async def _review_extension(
        self, asked: Decision, stage: StagePlan, started: datetime, extension: ExtensionPlan
    ) -> Decision:
        days = asked.input.working_days
        self.details.extension = Extension(
            status=ExtensionStatus.REQUESTED,
            working_days=days,
            reason=asked.input.reason,
            original_due=self._deadlines[0].due if self._deadlines else None,
        )
        self._event("extension_requested", asked.input.actor, working_days=str(days))
        await self._notify(
            "verification_extension_requested",
            [self.request.parties.authority],
            working_days=str(days),
            reason=asked.input.reason,
            cite=extension.cite,
        )
        # The provider's period keeps running while the authority considers.
        review = StagePlan("extension_review", Party.AUTHORITY, extension.cite, stage.time_limits)
        return await self.await_action(review, counted_from=started)

    async def _decide_extension(
        self, decision: Decision, stage: StagePlan, started: datetime, extension: ExtensionPlan
    ) -> StagePlan:
        """The stage the provider answers in after the authority's decision."""
        record = self.details.extension
        if record is None:  # the authority decides only a request that was made
            return stage
        granted = decision.action == "grant_extension"
        record.status = ExtensionStatus.GRANTED if granted else ExtensionStatus.REFUSED
        record.decision_reason = decision.input.reason
        await self._notify(
            "verification_extension_decided",
            [self.request.parties.provider, self.request.parties.applicant],
            granted=granted,
            working_days=str(record.working_days),
            reason=decision.input.reason,
            cite=extension.cite,
        )
        if not granted:
            return stage
        days = record.working_days
        limits = tuple(
            TimeLimit(
                limit.working_days + days,
                limit.on_timeout,
                f"{extension.cite}（经同意延长{days}个工作日）",
                limit.basis,
            )
            for limit in stage.time_limits
        )
        if limits:
            due = await effect(plan_deadline, PlanDeadlineInput(stage.stage, limits[0], started))
            record.extended_due = due.due
        return StagePlan(stage.stage, stage.actor, stage.cite, limits)

    async def _conclude(self, answer: Decision, final: bool) -> Outcome:
        """Apply the answer's effects and tell the raiser; the case stays open for a dispute."""
        request = self.request
        outcome = ANSWERS[answer.action]
        context = {
            "resource": request.resource_name,
            "outcome": outcome.value,
            "reason": answer.input.reason,
            "note": answer.input.note,
            "cite": request.plan.cite,
            "final": final,
            "decider": request.plan.dispute_review.actor.value,  # of a dispute
            # Who answered: the provider, or the service centre of a joint verification.
            "answerer": next(
                (
                    p.value
                    for p in Party
                    if request.parties.department_of(p) == answer.input.actor.department_id
                ),
                Party.PROVIDER.value,
            ),
        }
        if outcome is Outcome.REPAIRED:
            resource_id = answer.input.decision or request.resource_id
            version = await effect(
                record_correction,
                RecordCorrectionInput(request.case_id, resource_id, answer.input.note),
            )
            self.details.repaired = Repair(
                resource_id=resource_id, version=version, change=answer.input.note
            )
            self._event("data_repaired", answer.input.actor, resource_id=resource_id)
            context["version"] = str(version)
        self.state.outcome = outcome.value
        await self._notify(
            "verification_result", [request.parties.applicant, request.parties.provider], **context
        )
        return outcome

    async def _close(self, outcome: Outcome, **detail: str) -> CaseState:
        self.details.serve_with_proof = False
        return await self._close_case(outcome.value, **detail)

    def _party_for(self, action: str) -> Party:
        # While the authority considers an extension, the provider may still answer.
        if action in ANSWERS and self.state.stage == "extension_review":
            return Party.PROVIDER
        return super()._party_for(action)

    def _refusal(self, action: str, actor: Actor) -> tuple[str, str] | None:
        if action == "request_extension" and self.details.extension is not None:
            return WRONG_STAGE, "延长校核期限只能申请一次，本案已申请过。"
        refusal = super()._refusal(action, actor)
        if action == "dispute" and refusal is not None and refusal[0] == FORBIDDEN:
            # The raiser may be the platform operator (a supervisor), not a caseworker.
            raiser = self.request.submitted_by
            if (actor.role, actor.department_id) == (raiser.role, raiser.department_id):
                return None
            return FORBIDDEN, "只有提出校核的一方可以对校核结果提出异议。"
        return refusal

    def _payload_problem(self, action: str, request: ActionInput) -> str | None:
        if action == "repair":
            repairable = {self.request.resource_id, self.request.conflicting_resource_id} - {""}
            if request.decision and request.decision not in repairable:
                return "修复的数据资源（decision）须为本案涉及的数据资源。"
        if action == "request_extension":
            extension = self.request.plan.extension
            if extension is None:  # not offered then (`_verify`)
                return "本案适用的规则集未规定延长校核期限。"
            if not 1 <= request.working_days <= extension.max_working_days:
                return (
                    f"延长期限须为 1 至 {extension.max_working_days} 个工作日（{extension.cite}）。"
                )
        return None
