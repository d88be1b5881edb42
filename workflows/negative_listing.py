"""Negative-list listing (不予共享负面清单): a provider asks that a catalog resource be not
shared (hubei 第二十三条, hebei 第十一条; since 2025-08-01 only on a law, an administrative
regulation or a State Council decision, listed with its reasons, 809 第十四条, 第十五条).

- `review`: the competent authority (主管部门) reviews the proposal: `forward` it to the
  government of its level for approval, or `reject` it with reasons.
- `approval`: the authority records the government's answer: `record_approval` with the
  approving document's number (`note`) and date (`decision`, an ISO date), or
  `record_refusal` with reasons.

The provider may `withdraw` (with reasons) until the answer is recorded. Only a recorded
approval makes the resource not-shared; the catalog then keeps the approval, which every
later refusal of a sharing application for the resource cites.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from temporalio import workflow

from workflows.case import CaseWorkflow, Decision, effect
from workflows.catalog_update import BEIJING
from workflows.common import (
    ActionInput,
    CaseDetails,
    CaseInput,
    CaseState,
    Lapse,
    Party,
    StagePlan,
)
from workflows.process import Action, Process, Stage

with workflow.unsafe.imports_passed_through():
    from activities.negative_list import ListNotSharedInput, list_not_shared


class BasisRank(StrEnum):
    """The rank of the instrument a proposal rests on (809 第十四条 admits the first three)."""

    LAW = "law"  # 法律
    ADMINISTRATIVE_REGULATION = "administrative_regulation"  # 行政法规
    STATE_COUNCIL_DECISION = "state_council_decision"  # 国务院决定
    LOCAL_REGULATION = "local_regulation"  # 地方性法规
    RULE = "rule"  # 规章
    OTHER = "other"  # 规范性文件等


BASIS_RANK_LABELS = {
    BasisRank.LAW: "法律",
    BasisRank.ADMINISTRATIVE_REGULATION: "行政法规",
    BasisRank.STATE_COUNCIL_DECISION: "国务院决定",
    BasisRank.LOCAL_REGULATION: "地方性法规",
    BasisRank.RULE: "规章",
    BasisRank.OTHER: "规范性文件或其他",
}
NATIONAL_RANKS = frozenset(
    {BasisRank.LAW, BasisRank.ADMINISTRATIVE_REGULATION, BasisRank.STATE_COUNCIL_DECISION}
)


class Outcome(StrEnum):
    LISTED = "listed"
    REJECTED = "rejected"
    NOT_APPROVED = "not_approved"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class NegativeListingPlan:
    """The negative-list part of the instruments governing a case, as recorded data."""

    review: StagePlan
    approval: StagePlan
    # The rule limiting the rank of the basis (809 第十四条); "" where none governs.
    rank_cite: str
    cite: str


@dataclass(frozen=True, kw_only=True)
class NegativeListingInput(CaseInput):
    plan: NegativeListingPlan
    resource_id: str
    resource_name: str
    basis_rank: BasisRank
    legal_basis: str  # the instrument and its article
    reasons: str


@dataclass(kw_only=True)
class NegativeListingDetails(CaseDetails):
    resource_id: str
    resource_name: str
    basis_rank: BasisRank
    legal_basis: str
    reasons: str
    forwarded_at: datetime | None = None
    document_number: str = ""  # the government's approving document
    approved_on: date | None = None
    approval: str = ""  # as the catalog keeps it and refusals cite it


NEGATIVE_LISTING = Process(
    name="negative_listing",
    title="不予共享负面清单审批",
    slug="negative-listing",
    actions=(
        Action("forward", "审核通过，报请本级人民政府批准"),
        Action("reject", "审核不通过", reason="审核不通过，必须说明理由。"),
        Action(
            "record_approval",
            "登记政府批准",
            note="登记政府批准，须填写批准文件文号（note）。",
            decision_label="批准日期",
        ),
        Action("record_refusal", "登记政府不予批准", reason="登记政府不予批准，必须说明理由。"),
        Action(
            "withdraw", "撤回申请", actor=Party.PROVIDER, reason="撤回负面清单申请，必须说明理由。"
        ),
    ),
    stages=(
        Stage("review", "主管部门审核", ("forward", "reject", "withdraw"), lapses=(Lapse.OVERDUE,)),
        Stage(
            "approval",
            "报请本级人民政府批准",
            ("record_approval", "record_refusal", "withdraw"),
            lapses=(Lapse.OVERDUE,),
        ),
    ),
    outcomes={
        Outcome.LISTED: "已列入不予共享负面清单",
        Outcome.REJECTED: "主管部门审核不通过",
        Outcome.NOT_APPROVED: "本级人民政府不予批准",
        Outcome.WITHDRAWN: "申请已撤回",
    },
    events={"received": "收到负面清单申请", "listed": "列入不予共享负面清单"},
    details={"approval": "批准文件"},
    details_type=NegativeListingDetails,
)


@workflow.defn
class NegativeListingWorkflow(CaseWorkflow[NegativeListingInput]):
    """One proposal to list a resource as not shared.

    Query: `view`. Signal: `replan_deadlines`. Updates: `forward`, `reject`,
    `record_approval`, `record_refusal`, `withdraw`, `settle`.
    """

    process = NEGATIVE_LISTING

    @workflow.init
    def __init__(self, request: NegativeListingInput) -> None:
        super().__init__(request)
        self.details = NegativeListingDetails.from_input(request)

    @workflow.run
    async def run(self, request: NegativeListingInput) -> CaseState:
        self._open_case(self.details)
        plan = request.plan
        await self._tell("submitted")
        review = await self.await_action(plan.review)
        if review.action != "forward":
            return await self._end(review)
        self.details.forwarded_at = review.at
        await self._tell("negative_listing_decided", review)
        answer = await self.await_action(plan.approval)
        if answer.action != "record_approval":
            return await self._end(answer)
        return await self._list(answer)

    def _payload_problem(self, action: str, request: ActionInput) -> str | None:
        if action != "record_approval":
            return None
        try:
            approved_on = date.fromisoformat(request.decision.strip())
        except ValueError:
            return "批准日期（decision）须为日期，格式如 2026-12-01。"
        forwarded = self.details.forwarded_at
        if forwarded is not None and approved_on < forwarded.astimezone(BEIJING).date():
            return "批准日期不能早于主管部门报请批准之日。"
        if approved_on > self.now().astimezone(BEIJING).date():
            return "批准日期不能晚于今天。"
        return None

    async def _list(self, answer: Decision) -> CaseState:
        request = self.request
        document = answer.input.note.strip()
        approved_on = date.fromisoformat(answer.input.decision.strip())
        approval = (
            f"{document}（{approved_on.isoformat()}批准，负面清单审批案件{request.case_number}）"
        )
        await effect(
            list_not_shared,
            ListNotSharedInput(
                case_id=request.case_id,
                case_number=request.case_number,
                resource_id=request.resource_id,
                approval=approval,
                reason=f"{request.legal_basis}：{request.reasons}",
            ),
        )
        self.details.document_number = document
        self.details.approved_on = approved_on
        self.details.approval = approval
        self._event("listed", None, approval=approval, cite=request.plan.cite)
        await self._tell("negative_listing_decided", answer, approval=approval)
        return await self._close_case(Outcome.LISTED, approval=approval)

    async def _end(self, decision: Decision) -> CaseState:
        outcome = {
            "reject": Outcome.REJECTED,
            "record_refusal": Outcome.NOT_APPROVED,
            "withdraw": Outcome.WITHDRAWN,
        }[decision.action]
        await self._tell("negative_listing_decided", decision)
        return await self._close_case(outcome, reason=decision.input.reason)

    async def _tell(self, kind: str, decision: Decision | None = None, **extra: str) -> None:
        request = self.request
        await self._notify(
            kind,
            [request.parties.provider, request.parties.authority],
            resource=request.resource_name,
            action=decision.action if decision else "",
            reason=decision.input.reason if decision else "",
            **extra,
        )
