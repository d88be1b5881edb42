"""Emergency reclassification (突发公共事件共享属性临时调整, dongying 第二十条 third paragraph):
in a sudden public event a provider temporarily moves its data from not-shared or conditional
to conditional or unconditional sharing.

The change applies at once and is recorded on the case and in the catalog (the temporary type,
this case's number, its last day). At 24:00 of the last day the original type returns, or
earlier when the provider `restore`s it; the reversal is recorded in both places as well.

Grants made under the temporary type (applications received while it was in force) last until
the restore: then each is revoked, unless the ordinary procedure has approved it since; the
case records which were revoked and which kept, and each holder is told (patch
`reclassification-ends-emergency-grants`; cases recorded before it left their grants alone).
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
    from activities.authorizations import (
        EndedGrant,
        EndEmergencyGrantsInput,
        end_emergency_grants,
    )
    from activities.green_channel import (
        ReclassifyInput,
        RestoreShareTypeInput,
        reclassify_resource,
        restore_share_type,
    )


class Outcome(StrEnum):
    ENDED = "restored_at_end"
    RESTORED_EARLY = "restored_early"


# The patch under which the restore ends the grants made under the temporary type.
END_GRANTS_PATCH = "reclassification-ends-emergency-grants"


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
    # On the restore: the sharing applications whose grants were revoked, and those kept
    # because the ordinary procedure approved them since (None: not yet restored, or a case
    # recorded before grants were ended).
    grants_revoked: list[str] | None = None
    grants_kept: list[str] | None = None


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
        "emergency_grants_ended": "临时调整期间的授权已终止（经正常程序同意的保留）",
    },
    details={
        "share_type_before": "原共享类型",
        "share_type": "共享类型",
        "until": "临时调整至",
        "revoked": "撤销授权数",
        "kept": "保留授权数",
        "revoked_cases": "撤销授权的申请",
        "kept_cases": "经正常程序同意而保留授权的申请",
    },
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
        self.details = EmergencyReclassificationDetails.from_input(request)

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
        ended: dict[str, str] = {}
        if workflow.patched(END_GRANTS_PATCH):
            ended = await self._end_grants(reason, context)
        await self._notify(
            "reclassification_ended",
            [request.parties.provider, request.parties.authority],
            **{**context, "reason": reason, **ended},
        )
        outcome = Outcome.ENDED if early is None else Outcome.RESTORED_EARLY
        return await self._close_case(outcome, share_type=before.value)

    async def _end_grants(self, reason: str, context: dict[str, str]) -> dict[str, str]:
        """Revoke the grants made under the temporary type, keep those the ordinary procedure
        approved since; record both and tell each holder. Returns the counts for the notice."""
        request = self.request
        restored_at = self.now()
        grants: list[EndedGrant] = await effect(
            end_emergency_grants,
            EndEmergencyGrantsInput(
                case_number=request.case_number,
                resource_id=request.resource_id,
                restored_at=restored_at,
                reason=f"突发公共事件临时调整 {request.case_number} 已恢复原共享类型"
                f"（{reason}），临时调整期间的授权终止。",
            ),
        )
        revoked = [g for g in grants if g.kept_by_case is None]
        kept = [g for g in grants if g.kept_by_case is not None]
        self.details.grants_revoked = [g.case_id for g in revoked]
        self.details.grants_kept = [g.case_id for g in kept]
        counts = {"revoked": str(len(revoked)), "kept": str(len(kept))}
        if not grants:
            return counts
        self._event(
            "emergency_grants_ended",
            None,
            resource_id=request.resource_id,
            cite=request.plan.cite,
            revoked_cases="、".join(case_number(g.case_id) for g in revoked),
            kept_cases="、".join(case_number(g.case_id) for g in kept),
            **counts,
        )
        for department in sorted({g.applicant_department_id for g in grants}):
            mine = [g for g in grants if g.applicant_department_id == department]
            revoked_cases = "、".join(case_number(g.case_id) for g in mine if not g.kept_by_case)
            kept_cases = "、".join(
                f"{case_number(g.case_id)}（经 {case_number(g.kept_by_case)} 同意）"
                for g in mine
                if g.kept_by_case
            )
            await self._notify(
                "emergency_grant_ended",
                [department],
                **{
                    **context,
                    "reason": reason,
                    "revoked_cases": revoked_cases,
                    "kept_cases": kept_cases,
                },
            )
        return counts

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


def case_number(case_id: str) -> str:
    """`sharing-application/DY26-2026-000001` → `DY26-2026-000001`."""
    return case_id.rsplit("/", 1)[-1]
