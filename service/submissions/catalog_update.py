"""Opening a catalog update (目录更新) and editing its draft.

A caseworker opens one for their own department; a supervisor for a department of their
jurisdiction. Draft edits are checked against the live catalog here, before they reach the
case; the case checks who may edit and when.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError
from sqlmodel import Session

from calendars import BEIJING
from models import CatalogResource, Department
from regulations.compose import Composed
from service.access import Caller
from service.bounds import CountedDay
from service.catalog import refuse_direct_not_shared
from service.errors import Conflict, Forbidden, Invalid, NotFound
from service.labels import TRIGGERS, listing
from service.submissions.common import Draft, Process, Ruleset, find_department
from service.text import (
    CONDITIONS,
    DESCRIPTION,
    LEGAL_BASIS,
    NAME,
    REASON,
    UPDATE_CYCLE,
    FieldNames,
    Identifier,
    Line,
    Text,
)
from service.views import RequestBody
from workflows.catalog_entries import EntryChange, EntryOp
from workflows.catalog_update import (
    CatalogUpdateInput,
    CatalogUpdatePlan,
    CatalogUpdateWorkflow,
    Trigger,
)
from workflows.common import DepartmentKind, OpenType, Parties, Role, ShareType

# The id of an entry a draft adds: lowercase, as the catalog's own entries are.
NEW_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# Share types that withhold data: changing an entry to one of them needs its legal basis
# (hubei 第二十三条 negative list; hebei 第十一条).
RESTRICTED = {ShareType.CONDITIONAL, ShareType.NOT_SHARED}
OPENED_BY_SCHEDULE = {Trigger.YEARLY_MAINTENANCE}


class CatalogUpdateRequest(RequestBody):
    """A catalog update after a trigger, counted from the trigger's date."""

    process: Literal["catalog_update"]
    ruleset: Ruleset = None
    department_id: Identifier | None = Field(
        None,
        title="部门",
        description="The department whose catalog changes; a caseworker's own if omitted.",
    )
    trigger: Trigger = Field(title="变化事由")
    trigger_date: CountedDay = Field(
        title="变化之日", description="Beijing date; the limit counts from it."
    )
    description: Text = Field(min_length=1, max_length=DESCRIPTION, title="变化情况")


def _department(session: Session, caller: Caller, request: CatalogUpdateRequest) -> Department:
    if caller.role is Role.CASEWORKER:
        if request.department_id not in (None, caller.user.department_id):
            raise Forbidden("经办人只能为本部门开启目录更新。", "not_own_department")
        assert caller.department is not None
        return caller.department
    if request.department_id is None:
        raise Invalid("监管人员开启目录更新，须指明 department_id。", "department_required")
    department = session.get(Department, request.department_id)
    if department is None:
        raise NotFound(f"部门“{request.department_id}”不存在。", "department_not_found")
    if not caller.oversees(department.jurisdiction):
        raise Forbidden("只能为本辖区及下级辖区的部门开启目录更新。", "jurisdiction_forbidden")
    return department


def jurisdiction_of(session: Session, caller: Caller, request: CatalogUpdateRequest) -> str:
    return _department(session, caller, request).jurisdiction


def track_of(session: Session, caller: Caller, request: CatalogUpdateRequest) -> str | None:
    """The trigger: 809 第十七条 binds only changes of national law and of functions. (The
    yearly maintenance is the schedule's to open: `prepare` says so.)"""
    return None if request.trigger in OPENED_BY_SCHEDULE else request.trigger.value


def prepare(
    session: Session,
    caller: Caller,
    request: CatalogUpdateRequest,
    law: Composed,
    received_at: datetime,
) -> Draft:
    plan = law.plan_of(CatalogUpdatePlan)
    if request.trigger in OPENED_BY_SCHEDULE:
        raise Invalid("年度全面维护案件由年度维护计划自动开启。", "opened_by_schedule")
    if request.trigger.value not in plan.triggers:
        known = listing((t, TRIGGERS.get(t, "")) for t in plan.triggers)
        given = TRIGGERS.get(request.trigger.value, request.trigger.value)
        raise Invalid(
            f"《{law.title}》未规定因“{given}”更新目录；可选：{known}。",
            "trigger_not_applicable",
        )
    department = _department(session, caller, request)
    parties = Parties(
        applicant=caller.user.department_id,
        provider=department.id,
        authority=find_department(
            session, department.jurisdiction, DepartmentKind.COMPETENT_AUTHORITY
        ),
    )
    if (plan.review is not None or plan.extension is not None) and parties.authority is None:
        raise Invalid("本辖区未配置政务数据主管部门，无法审核目录。", "party_missing")

    # Checked here, against the platform's receipt time, before anything is written.
    if request.trigger_date > received_at.astimezone(BEIJING).date():
        raise Invalid("变化之日不能晚于登记之日。", "trigger_date_in_future")
    return Draft(
        parties=parties,
        fields={
            "plan": plan,
            "trigger": request.trigger,
            "trigger_date": request.trigger_date,
            "description": request.description,
        },
    )


class DraftEdit(RequestBody):
    """One entry's change in the case's draft."""

    op: EntryOp = Field(
        description="add 新增 / change 变更 / retire 停用 / discard 撤回草稿中的变更"
    )
    resource_id: Line = Field(
        min_length=1,
        max_length=64,
        title="资源编码",
        json_schema_extra={"pattern": NEW_ID.pattern},
    )
    name: Line = Field("", max_length=NAME, title="资源名称")
    share_type: ShareType | None = Field(None, title="共享类型")
    open_type: OpenType | None = Field(None, title="开放类型")
    legal_basis: Text = Field("", max_length=LEGAL_BASIS, title="法律依据")
    conditions: Text = Field("", max_length=CONDITIONS, title="共享条件")
    fields: FieldNames = Field(default_factory=list, title="数据项")
    update_cycle: Line = Field("", max_length=UPDATE_CYCLE, title="更新周期")
    reason: Text = Field("", max_length=REASON, title="理由")

    @field_validator("resource_id")
    @classmethod
    def _new_id(cls, value: str) -> str:
        # After the text rule, so that a refused character is named as such.
        if not NEW_ID.fullmatch(value):
            raise PydanticCustomError(
                "identifier_invalid",
                f"“{value}”无效：只能由小写字母、数字和 - 组成，以字母或数字开头",
            )
        return value


def check_edit(session: Session, department_id: str, edit: DraftEdit) -> EntryChange:
    """The edit as the case keeps it, once the live catalog allows it."""
    live = session.get(CatalogResource, edit.resource_id)
    if edit.op is EntryOp.ADD:
        if live is not None:
            raise Conflict(
                f"目录中已有数据资源“{edit.resource_id}”，请用 change。", "resource_exists"
            )
        if not edit.name.strip() or edit.share_type is None:
            raise Invalid("新增目录条目须填写 name 和 share_type。", "entry_incomplete")
    elif edit.op is not EntryOp.DISCARD:
        if live is None:
            raise NotFound(f"目录中没有数据资源“{edit.resource_id}”。", "resource_not_found")
        if live.provider_id != department_id:
            raise Forbidden(f"数据资源“{live.name}”不属于本案的部门。", "not_own_resource")
        if live.status == "retired":
            raise Conflict(f"数据资源“{live.name}”已停用。", "resource_retired")
    if edit.op is EntryOp.CHANGE and live is not None and not changes_anything(live, edit):
        raise Invalid(f"变更内容与目录中“{live.name}”的现状相同，无需变更。", "entry_unchanged")
    if edit.op is EntryOp.RETIRE and not edit.reason.strip():
        raise Invalid("停用目录条目须说明理由（reason）。", "reason_required")
    refuse_direct_not_shared(
        live.name if live else edit.name or edit.resource_id,
        edit.share_type,
        live.share_type if live else None,
    )
    restricting = edit.share_type in RESTRICTED and (
        live is None or live.share_type != edit.share_type
    )
    if restricting and not edit.legal_basis.strip():
        raise Invalid(
            "改为或新增有条件共享、不予共享的条目，须写明法律依据（legal_basis）。",
            "legal_basis_required",
        )
    return EntryChange(
        op=edit.op,
        resource_id=edit.resource_id,
        name=edit.name,
        share_type=edit.share_type.value if edit.share_type else "",
        open_type=edit.open_type.value if edit.open_type else "",
        legal_basis=edit.legal_basis,
        conditions=edit.conditions,
        fields=edit.fields,
        update_cycle=edit.update_cycle,
        reason=edit.reason,
    )


def changes_anything(live: CatalogResource, edit: DraftEdit) -> bool:
    """Whether a change edit sets some attribute to other than what the catalog holds (an
    empty attribute in the edit means "keep")."""
    given = {
        "name": edit.name,
        "share_type": edit.share_type,
        "open_type": edit.open_type,
        "legal_basis": edit.legal_basis,
        "conditions": edit.conditions,
        "update_cycle": edit.update_cycle,
        "fields": edit.fields,
    }
    return any(value and value != getattr(live, name) for name, value in given.items())


CATALOG_UPDATE = Process(
    workflow=CatalogUpdateWorkflow,
    input=CatalogUpdateInput,
    request=CatalogUpdateRequest,
    submitters=frozenset({Role.CASEWORKER, Role.SUPERVISOR}),
    prepare=prepare,
    jurisdiction_of=jurisdiction_of,
    track_of=track_of,
)
