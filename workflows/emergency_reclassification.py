"""Emergency reclassification (突发公共事件共享属性临时调整, dongying 第二十条 third paragraph):
in a sudden public event a provider temporarily moves its data from not-shared or conditional
to conditional or unconditional sharing.

The change applies at once and is recorded on the case and in the catalog (the temporary type,
this case's number, its last day). At 24:00 of the last day the original type returns, or
earlier when the provider `restore`s it; the reversal is recorded in both places as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from temporalio import workflow

from workflows.case import CaseWorkflow, Decision, effect
from workflows.common import (
    SHARE_TYPE_LABELS,
    CaseDetails,
    CaseInput,
    CaseState,
    ShareType,
    StagePlan,
)
from workflows.process import Action, Process, Stage

with workflow.unsafe.imports_passed_through():
    from activities.green_channel import (
        ReclassifyInput,
        RestoreShareTypeInput,
        reclassify_resource,
        restore_share_type,
    )


class Outcome(StrEnum):
    ENDED = "restored_at_end"
    RESTORED_EARLY = "restored_early"


@dataclass(frozen=True)
class EmergencyReclassificationPlan:
    """The reclassification part of a ruleset, as data recorded in the case's history."""

    reclassified: StagePlan
    cite: str


@dataclass(frozen=True, kw_only=True)
class EmergencyReclassificationInput(CaseInput):
    plan: EmergencyReclassificationPlan
    resource_id: str
    resource_name: str
    share_type: ShareType  # the temporary, more open type
    reason: str  # the public event and why it needs the data
    until: date  # the last day of the temporary type
    ends_at: datetime  # 24:00 Beijing time of `until`


@dataclass(kw_only=True)
class EmergencyReclassificationDetails(CaseDetails):
    resource_id: str
    resource_name: str
    share_type: ShareType  # the temporary, more open type
    reason: str
    until: date  # its last day
    share_type_before: ShareType | None = None


EMERGENCY_RECLASSIFICATION = Process(
    name="emergency_reclassification",
    title="突发公共事件共享属性临时调整",
    slug="emergency-reclassification",
    actions=(Action("restore", "提前恢复原共享类型", reason="提前恢复原共享类型，必须说明理由。"),),
    # Ends on its last day, not on anyone's silence: no time limit.
    stages=(Stage("reclassified", "临时调整期间", ("restore",)),),
    outcomes={
        Outcome.ENDED: "期满恢复原共享类型",
        Outcome.RESTORED_EARLY: "提前恢复原共享类型",
    },
    events={
        "received": "登记共享属性临时调整",
        "reclassified": "临时调整共享类型",
        "share_type_restored": "已恢复原共享类型",
    },
    details={"share_type_before": "原共享类型", "share_type": "共享类型", "until": "临时调整至"},
    detail_values={"share_type_before": SHARE_TYPE_LABELS, "share_type": SHARE_TYPE_LABELS},
    details_type=EmergencyReclassificationDetails,
)


@workflow.defn
class EmergencyReclassificationWorkflow(CaseWorkflow[EmergencyReclassificationInput]):
    """One temporary share type.

    Query: `view`. Signal: `replan_deadlines` (no working-day limits: nothing to re-plan).
    Updates: `restore`, `settle`.
    """

    process = EMERGENCY_RECLASSIFICATION

    @workflow.init
    def __init__(self, request: EmergencyReclassificationInput) -> None:
        super().__init__(request)
        self.details = EmergencyReclassificationDetails(
            submitted_by=request.submitted_by.user_id,
            resource_id=request.resource_id,
            resource_name=request.resource_name,
            share_type=request.share_type,
            reason=request.reason,
            until=request.until,
        )

    @workflow.run
    async def run(self, request: EmergencyReclassificationInput) -> CaseState:
        self._open_case(self.details)
        before = await effect(
            reclassify_resource,
            ReclassifyInput(
                case_number=request.case_number,
                resource_id=request.resource_id,
                share_type=request.share_type,
                until=request.until,
                reason=f"突发公共事件临时调整 {request.case_number}：{request.reason}",
            ),
        )
        self.details.share_type_before = before
        self._event(
            "reclassified",
            request.submitted_by,
            resource_id=request.resource_id,
            share_type_before=before.value,
            share_type=request.share_type.value,
            until=request.until.isoformat(),
            reason=request.reason,
            cite=request.plan.cite,
        )
        context = {
            "resource": request.resource_name,
            "share_type_before": before.value,
            "share_type": request.share_type.value,
            "until": request.until.isoformat(),
            "reason": request.reason,
            "cite": request.plan.cite,
        }
        await self._notify(
            "reclassified", [request.parties.provider, request.parties.authority], **context
        )
        await self._enter_stage(request.plan.reclassified)
        early = await self._wait_until(request.ends_at)
        if early is not None:
            reason = f"提前恢复：{early.input.reason}"
        else:
            last = request.until  # written as every day is written (calendars/formatting.py)
            reason = (
                f"临时调整期限（至{last.year}年{last.month}月{last.day}日）届满，恢复原共享类型"
            )
        await effect(
            restore_share_type,
            RestoreShareTypeInput(
                case_number=request.case_number,
                resource_id=request.resource_id,
                reason=f"突发公共事件临时调整 {request.case_number}：{reason}。",
            ),
        )
        self._event(
            "share_type_restored",
            None,
            resource_id=request.resource_id,
            share_type=before.value,
            reason=reason,
        )
        await self._notify(
            "reclassification_ended",
            [request.parties.provider, request.parties.authority],
            **{**context, "reason": reason},
        )
        outcome = Outcome.ENDED if early is None else Outcome.RESTORED_EARLY
        return await self._close_case(outcome, share_type=before.value)

    async def _wait_until(self, ends_at: datetime) -> Decision | None:
        """Wait for the provider's `restore` (returned) or the end (None)."""
        try:
            await self._wait(
                lambda: self._decision is not None, max(ends_at - self.now(), timedelta(0))
            )
        except TimeoutError:
            self._close_stage()
            return None
        self._close_stage()
        decision = self._decision
        if decision is not None:  # always: the wait ended before the timeout
            self._record_decision(decision)
        return decision
