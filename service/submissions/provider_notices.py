"""What a provider files about its own catalog resource: a service-change notice (共享告知)
and an emergency reclassification (dongying 第二十三条, 第二十条)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Literal

from pydantic import ConfigDict, Field
from sqlmodel import Session

from calendars import BEIJING, end_of_day
from regulations.compose import Composed
from service.access import Caller
from service.bounds import Day
from service.errors import Conflict, Invalid
from service.submissions.common import Draft, Process, Ruleset, own_resource, parties_for
from service.text import DESCRIPTION, Identifier, Text
from service.views import RequestBody
from workflows.common import Role, ShareType
from workflows.emergency_reclassification import (
    EmergencyReclassificationInput,
    EmergencyReclassificationPlan,
    EmergencyReclassificationWorkflow,
)
from workflows.service_change import (
    ChangeKind,
    ServiceChangeInput,
    ServiceChangePlan,
    ServiceChangeWorkflow,
)

# -- service change --------------------------------------------------------------------------


class ServiceChangeRequest(RequestBody):
    """A provider's notice that a sharing service will be upgraded, changed or stopped."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "process": "service_change",
                    "resource_id": "dongying-hukou",
                    "kind": "stop",
                    "effective_on": "2026-10-21",
                    "description": "旧户籍核验接口停用，改由新接口提供。",
                    "reason": "旧接口存在安全漏洞，无法修复",
                    "consultation": "2026年9月25日已与使用部门召开协调会",
                }
            ]
        }
    )

    process: Literal["service_change"]
    ruleset: Ruleset = None
    resource_id: Identifier = Field(title="数据资源")
    kind: ChangeKind = Field(title="告知类型", description="upgrade 升级 / change 变更 / stop 停用")
    effective_on: Day = Field(
        title="生效日期", description="The day the change takes effect (from 00:00)."
    )
    description: Text = Field(min_length=1, max_length=DESCRIPTION, title="变更内容及影响")
    reason: Text = Field(
        "",
        max_length=DESCRIPTION,
        title="正当理由",
        description="Why the service must stop or change: required for `stop` and `change` "
        "where 809 第二十七条第三款 governs.",
    )
    consultation: Text = Field(
        "",
        max_length=DESCRIPTION,
        title="与需求部门协商情况",
        description="How the departments using the data were consulted, if before filing; the "
        "notice itself asks each for its views.",
    )


def prepare_service_change(
    session: Session,
    caller: Caller,
    request: ServiceChangeRequest,
    law: Composed,
    received_at: datetime,
) -> Draft:
    plan = law.plan_of(ServiceChangePlan)
    resource = own_resource(session, caller, request.resource_id)
    parties = parties_for(session, caller, resource.provider_id, [])
    # Checked against the platform's receipt day, before anything is written: a change takes
    # effect on its day, never before the notice of it.
    filed_on = received_at.astimezone(BEIJING).date()
    if request.effective_on < filed_on:
        raise Invalid(
            f"生效日期（effective_on）{request.effective_on} 早于告知之日 {filed_on}："
            "变更或停用只能自告知之日或其后某日起生效。",
            "effective_on_in_past",
        )
    if plan.filing_cite and request.kind is not ChangeKind.UPGRADE and not request.reason.strip():
        raise Invalid(
            f"无正当理由不得终止或者变更共享服务：请说明正当理由（reason）（{plan.filing_cite}）。",
            "reason_required",
        )

    return Draft.about(
        resource,
        parties,
        plan,
        kind=request.kind,
        effective_on=request.effective_on,
        effective_at=datetime.combine(request.effective_on, time(0), tzinfo=BEIJING),
        description=request.description,
        reason=request.reason,
        consultation=request.consultation,
    )


SERVICE_CHANGE = Process(
    workflow=ServiceChangeWorkflow,
    input=ServiceChangeInput,
    request=ServiceChangeRequest,
    submitters=frozenset({Role.CASEWORKER}),
    prepare=prepare_service_change,
)


# -- emergency reclassification --------------------------------------------------------------

OPENNESS = [ShareType.NOT_SHARED, ShareType.CONDITIONAL, ShareType.UNCONDITIONAL]


# dongying 第二十条 makes the change temporary (临时) without a length: an operator's bound,
# so that a forgotten reclassification does not outlive its emergency.
LONGEST_TEMPORARY = timedelta(days=90)


class EmergencyReclassificationRequest(RequestBody):
    """A provider's temporary, more open share type for a sudden public event."""

    process: Literal["emergency_reclassification"]
    ruleset: Ruleset = None
    resource_id: Identifier = Field(title="数据资源")
    share_type: ShareType = Field(
        title="临时共享类型", description="The temporary type: conditional or unconditional."
    )
    reason: Text = Field(min_length=1, max_length=DESCRIPTION, title="突发公共事件及调整理由")
    until: Day = Field(
        title="临时调整截止日期",
        description="The temporary type's last day (to 24:00 Beijing time).",
    )


def prepare_reclassification(
    session: Session,
    caller: Caller,
    request: EmergencyReclassificationRequest,
    law: Composed,
    received_at: datetime,
) -> Draft:
    plan = law.plan_of(EmergencyReclassificationPlan)
    resource = own_resource(session, caller, request.resource_id)
    if resource.reclassified_by_case is not None:
        raise Conflict(
            f"数据资源“{resource.name}”已由 {resource.reclassified_by_case} 临时调整共享类型，"
            f"至{resource.reclassified_until}。",
            "already_reclassified",
        )
    if OPENNESS.index(request.share_type) <= OPENNESS.index(ShareType(resource.share_type)):
        raise Invalid(
            "突发公共事件中只能将不予共享类或有条件共享类数据临时调整为更开放的共享类型"
            f"（{plan.cite}）。",
            "not_more_open",
        )
    parties = parties_for(session, caller, resource.provider_id, [])

    # Checked against the platform's receipt day, before anything is written.
    filed_on = received_at.astimezone(BEIJING).date()
    if request.until < filed_on:
        raise Invalid("临时调整的截止日（until）不能早于登记之日。", "until_in_past")
    if request.until > filed_on + LONGEST_TEMPORARY:
        raise Invalid(
            f"临时调整最长{LONGEST_TEMPORARY.days}日（至{filed_on + LONGEST_TEMPORARY}）；"
            "突发公共事件持续的，期满后可再次登记。",
            "until_too_far",
        )
    return Draft.about(
        resource,
        parties,
        plan,
        share_type=request.share_type,
        reason=request.reason,
        until=request.until,
        ends_at=end_of_day(request.until),
    )


EMERGENCY_RECLASSIFICATION = Process(
    workflow=EmergencyReclassificationWorkflow,
    input=EmergencyReclassificationInput,
    request=EmergencyReclassificationRequest,
    submitters=frozenset({Role.CASEWORKER}),
    prepare=prepare_reclassification,
)
