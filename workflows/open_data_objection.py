"""Objection to opened data (开放数据异议, hubei 第二十八条): a person or organisation says
opened data is inaccurate, or infringes a trade secret or privacy, and gives evidence.

- `provider_assessment`: the provider judges whether suspension is necessary: `suspend` takes
  the opening down at once (立即: no timer, but the time from receipt is measured and
  recorded), `keep_open` leaves it open, with reasons.
- `verification`: the provider verifies and `close`s with a `decision`: `withdraw` the data,
  `restore` the opening, or `reopen_processed` (processed, e.g. desensitised, then reopened).

Each of these acts on the opening (开放, provision to the public) alone, never on sharing
between departments (共享): hubei 第三条 tells the two apart, and 第二十八条 suspends and
withdraws the opening. Sharing applications for the resource run on throughout.

The evidence is stored attachments the case cites, so its parties may read them. The objector
is told the outcome with reasons. The instrument sets no number of days: the
ruleset's limits are operator targets, which remind and mark the case overdue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from temporalio import workflow

from workflows.case import CaseWorkflow, Decision, effect
from workflows.common import (
    OPEN_STATUS_LABELS,
    CaseDetails,
    CaseInput,
    CaseState,
    Lapse,
    OpenStatus,
    PlannedDeadline,
    Role,
    StagePlan,
)
from workflows.process import Action, Choice, Process, Stage

with workflow.unsafe.imports_passed_through():
    from activities.attachments import CiteAttachmentsInput, cite_attachments
    from activities.catalog import SetOpenStatusInput, set_open_status
    from activities.notices import NoticeValue, SendUserNoticeInput, send_user_notice


class Grounds(StrEnum):
    ACCURACY = "accuracy"  # 数据有误
    TRADE_SECRET = "trade_secret"  # 侵犯商业秘密
    PRIVACY = "privacy"  # 侵犯个人隐私


class Closing(StrEnum):
    """The provider's decision after verification."""

    WITHDRAW = "withdraw"  # 撤回数据
    RESTORE = "restore"  # 恢复开放
    REOPEN_PROCESSED = "reopen_processed"  # 处理后重新开放


class Outcome(StrEnum):
    WITHDRAWN = "data_withdrawn"
    RESTORED = "restored"
    REOPENED = "reopened_processed"
    LAPSED = "lapsed"  # a ruleset target that closes the case


OUTCOMES = {
    Closing.WITHDRAW: Outcome.WITHDRAWN,
    Closing.RESTORE: Outcome.RESTORED,
    Closing.REOPEN_PROCESSED: Outcome.REOPENED,
}
OPEN_STATUS = {
    Closing.WITHDRAW: OpenStatus.WITHDRAWN,
    Closing.RESTORE: OpenStatus.OPEN,
    Closing.REOPEN_PROCESSED: OpenStatus.OPEN,
}
# What cases recorded before the opening had a status of its own set (the sharing status;
# the activity now reads such a call as the open status).
CATALOG_STATUS = {
    Closing.WITHDRAW: "retired",
    Closing.RESTORE: "active",
    Closing.REOPEN_PROCESSED: "active",
}
# The patch under which an objection sets the open status, not the sharing status.
OPEN_STATUS_PATCH = "objection-sets-open-status"


@dataclass(frozen=True)
class OpenDataObjectionPlan:
    """The objection part of a ruleset, as data recorded in the case's history."""

    assessment: StagePlan
    verification: StagePlan
    cite: str


@dataclass(frozen=True)
class Evidence:
    """A stored attachment (POST /attachments) the objection cites: name, type, size and
    digest. Objections submitted before attachments were stored described their evidence
    without an id."""

    name: str
    content_type: str
    size: int
    sha256: str
    attachment_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class OpenDataObjectionInput(CaseInput):
    plan: OpenDataObjectionPlan
    resource_id: str
    resource_name: str
    grounds: Grounds
    description: str
    contact: str
    evidence: list[Evidence] = field(default_factory=list)
    attachment_ids: list[int] = field(default_factory=list)


# The limits are operator targets: they mark the case overdue, or close it as it stands.
@dataclass(kw_only=True)
class OpenDataObjectionDetails(CaseDetails):
    resource_id: str
    resource_name: str
    grounds: Grounds
    description: str
    contact: str
    evidence: list[Evidence]
    # 立即 sets no timer: the time to suspension and to the outcome is measured instead.
    suspended_at: datetime | None = None
    suspended_after_seconds: int | None = None
    feedback_after_seconds: int | None = None
    # What the case did to the opening (None: nothing yet, or a case recorded before the
    # opening had a status of its own). Sharing is never touched.
    open_status: OpenStatus | None = None


OPEN_DATA_OBJECTION = Process(
    name="open_data_objection",
    title="开放数据异议",
    slug="open-data-objection",
    actions=(
        Action("suspend", "暂停开放并核实"),
        Action("keep_open", "不暂停开放，继续核实", reason="不暂停开放，必须说明理由。"),
        Action(
            "close",
            "作出核实处理决定",
            reason="核实结论必须说明理由，以告知异议人。",
            decision_label="处理决定",
            decisions=(
                Choice(Closing.WITHDRAW, "撤回数据"),
                Choice(Closing.RESTORE, "恢复开放"),
                Choice(
                    Closing.REOPEN_PROCESSED,
                    "处理后重新开放",
                    note="处理后重新开放，须在 note 中说明对数据作了哪些处理。",
                ),
            ),
        ),
    ),
    stages=(
        Stage(
            "provider_assessment",
            "提供部门研判",
            ("suspend", "keep_open"),
            lapses=(Lapse.OVERDUE, Lapse.CLOSE),
        ),
        Stage("verification", "核实处理", ("close",), lapses=(Lapse.OVERDUE, Lapse.CLOSE)),
    ),
    outcomes={
        Outcome.WITHDRAWN: "撤回数据",
        Outcome.RESTORED: "恢复开放",
        Outcome.REOPENED: "处理后重新开放",
        Outcome.LAPSED: "期满终止",
    },
    events={
        "received": "收到异议",
        "opening_suspended": "已暂停开放",
        "open_status_set": "开放状态已变更（不影响共享）",
    },
    details={"open_status": "开放状态"},
    detail_values={"open_status": OPEN_STATUS_LABELS},
    details_type=OpenDataObjectionDetails,
)


@workflow.defn
class OpenDataObjectionWorkflow(CaseWorkflow[OpenDataObjectionInput]):
    """One objection to opened data.

    Query: `view`. Signal: `replan_deadlines`. Updates: `suspend`, `keep_open`, `close`,
    `settle`.
    """

    process = OPEN_DATA_OBJECTION

    @workflow.init
    def __init__(self, request: OpenDataObjectionInput) -> None:
        super().__init__(request)
        self.details = OpenDataObjectionDetails.from_input(request)

    @workflow.run
    async def run(self, request: OpenDataObjectionInput) -> CaseState:
        self._open_case(self.details)
        # Cases recorded before evidence was stored cite nothing and must replay unchanged.
        if request.attachment_ids and workflow.patched("objection-cites-attachments"):
            await effect(
                cite_attachments, CiteAttachmentsInput(request.case_id, request.attachment_ids)
            )
        received: dict[str, NoticeValue] = {
            "resource": request.resource_name,
            "grounds": request.grounds.value,
            "cite": request.plan.cite,
        }
        await self._notify(
            "objection_received", [request.parties.applicant, request.parties.provider], **received
        )
        # A member of the public is told the objection is received too (cases recorded before
        # were not: they replay unchanged).
        if request.submitted_by.role is Role.PUBLIC and workflow.patched("public-objector-receipt"):
            await self._notify_objector("objection_received", received)
        plan = request.plan
        result = await self.await_decision(plan.assessment)
        if isinstance(result, PlannedDeadline):
            return await self._close_case(Outcome.LAPSED, cite=result.cite)
        if result.action == "suspend":
            await self._suspend(result)
        result = await self.await_decision(plan.verification)
        if isinstance(result, PlannedDeadline):
            return await self._close_case(Outcome.LAPSED, cite=result.cite)
        return await self._conclude(result)

    async def _set_opening(self, status: OpenStatus, old_status: str, reason: str) -> None:
        """The opening's new status; cases recorded before it had one set the sharing status
        (`old_status`), which their history holds."""
        request = self.request
        if not workflow.patched(OPEN_STATUS_PATCH):
            await self._set_sharing_status(request.resource_id, old_status, reason)
            return
        await effect(
            set_open_status,
            SetOpenStatusInput(
                case_id=request.case_id,
                case_number=request.case_number,
                resource_id=request.resource_id,
                open_status=status,
                reason=reason,
            ),
        )
        self.details.open_status = status
        self._event(
            "open_status_set", None, resource_id=request.resource_id, open_status=status.value
        )

    async def _suspend(self, decision: Decision) -> None:
        request = self.request
        await self._set_opening(
            OpenStatus.SUSPENDED,
            "suspended",
            f"开放数据异议 {request.case_number}：暂停开放，待核实。",
        )
        # 立即 sets no timer: the time it took is measured from receipt and reported.
        suspended_at = self.now()
        seconds = int((suspended_at - request.received_at).total_seconds())
        self.details.suspended_at = suspended_at
        self.details.suspended_after_seconds = seconds
        self._event(
            "opening_suspended",
            decision.input.actor,
            resource_id=request.resource_id,
            after_seconds=str(seconds),
            cite=request.plan.cite,
        )

    async def _conclude(self, decision: Decision) -> CaseState:
        request = self.request
        closing = Closing(decision.input.decision)
        await self._set_opening(
            OPEN_STATUS[closing],
            CATALOG_STATUS[closing],
            f"开放数据异议 {request.case_number}：{self.process.decision_label(closing)}。"
            f"{decision.input.reason}",
        )
        answered_at = self.now()
        self.details.feedback_after_seconds = int(
            (answered_at - request.received_at).total_seconds()
        )
        context: dict[str, NoticeValue] = {
            "resource": request.resource_name,
            "decision": closing.value,
            "reason": decision.input.reason,
            "note": decision.input.note,
            "cite": request.plan.cite,
        }
        await self._notify(
            "objection_decided", [request.parties.applicant, request.parties.provider], **context
        )
        if request.submitted_by.role is Role.PUBLIC:
            await self._notify_objector("objection_decided", context)
        return await self._close_case(
            OUTCOMES[closing], reason=decision.input.reason, decision=closing.value
        )

    async def _notify_objector(self, kind: str, context: dict[str, NoticeValue]) -> None:
        """A notice for the member of the public who objected (no department to send it to)."""
        request = self.request
        await effect(
            send_user_notice,
            SendUserNoticeInput(
                case_id=request.case_id,
                key=f"{len(self.state.events)}-{kind}",
                kind=kind,
                user_id=request.submitted_by.user_id,
                context={
                    "case_number": request.case_number,
                    "process": "open_data_objection",
                    "ruleset": request.ruleset,
                    **context,
                },
                parties=request.parties,
            ),
        )
