"""Catalog updates (目录更新): a case's draft, the published catalog versions with their
readable diff, and who has not done this year's full maintenance.

POST /cases/{case_id}/draft, GET /catalog/versions, GET /catalog/versions/{number},
GET /catalog/maintenance.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select
from temporalio.client import WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode

from activities.yearly_maintenance import maintained_departments, maintenance_key
from api.cases import present, process_of, submission_for
from api.deps import CallerDep, ClockDep, RulesetsDep, SessionDep, TemporalDep
from api.errors import Conflict, Forbidden, NotFound, from_rpc
from api.processes.catalog_update import CATALOG_UPDATE, DraftEdit, check_edit
from api.schemas import ERRORS, BeijingTime, CaseOut, Page
from calendars import BEIJING
from models import CaseRecord, CaseSubmission, CatalogChange, CatalogVersion, Department
from regulations import Rulesets
from workflows.catalog_update import CatalogUpdateWorkflow, EditDraftInput
from workflows.common import (
    OPEN_TYPE_LABELS,
    RESOURCE_STATUS_LABELS,
    SHARE_TYPE_LABELS,
    Role,
)

router = APIRouter(tags=["catalog updates"])


@router.post("/api/v1/cases/{case_id:path}/draft", response_model=CaseOut, responses=ERRORS)
async def edit_draft(
    request: Request,
    case_id: str,
    edit: DraftEdit,
    session: SessionDep,
    temporal: TemporalDep,
    caller: CallerDep,
    clock: ClockDep,
) -> CaseOut:
    """Add, change or retire a catalog entry in the case's draft (or `discard` an edit).
    Nothing changes the live catalog until the draft is published."""
    submission = submission_for(session, caller, case_id)
    if process_of(submission.case_id) is not CATALOG_UPDATE:
        raise NotFound("只有目录更新案件有目录草稿。", "no_draft")
    if caller.role is not Role.CASEWORKER:
        raise Forbidden("目录草稿只能由本案部门的经办人编辑。", "not_case_department")
    change = check_edit(session, submission.provider_department_id or "", edit)
    handle: WorkflowHandle[Any, Any] = temporal.get_workflow_handle(submission.case_id)
    try:
        state = await handle.execute_update(
            CatalogUpdateWorkflow.edit_draft, EditDraftInput(caller.actor(), change)
        )
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            raise Conflict("案件已办结，不能再办理。", "case_closed") from error
        raise from_rpc(error) from error
    return present(state, clock(), request.app.state.calendar())


class ChangeOut(BaseModel):
    resource_id: str
    op: str
    reason: str
    before: dict[str, Any]
    after: dict[str, Any]
    diff: list[str]


class VersionOut(BaseModel):
    number: int
    case_id: str
    case_number: str
    department_id: str
    published_by: int
    published_at: BeijingTime
    changes: list[ChangeOut] = []


FIELD_NAMES = {
    "name": "名称",
    "share_type": "共享类型",
    "open_type": "开放类型",
    "legal_basis": "法律依据",
    "conditions": "共享条件",
    "fields": "数据项",
    "update_cycle": "更新周期",
    "status": "状态",
}
VALUE_NAMES = {
    "share_type": SHARE_TYPE_LABELS,
    "open_type": OPEN_TYPE_LABELS,
    "status": RESOURCE_STATUS_LABELS,
}


def _shown(name: str, value: Any) -> str:
    if isinstance(value, list):
        return "、".join(str(v) for v in value) or "（空）"
    return VALUE_NAMES.get(name, {}).get(str(value), str(value)) or "（空）"


def readable_diff(change: CatalogChange) -> list[str]:
    """The change in Chinese, one line per field that moved."""
    title = change.after.get("name") or change.before.get("name") or change.resource_id
    if not change.before:
        kind = _shown("share_type", change.after.get("share_type"))
        return [f"新增目录条目“{title}”（{change.resource_id}，{kind}）"]
    lines = [
        f"“{title}”{FIELD_NAMES[name]}：{_shown(name, change.before.get(name))} → "
        f"{_shown(name, change.after.get(name))}"
        for name in FIELD_NAMES
        if change.before.get(name) != change.after.get(name)
    ]
    if change.op == "retire":
        lines.insert(0, f"停用目录条目“{title}”（{change.resource_id}）：{change.reason}")
    return lines


def _version_out(session: Session, version: CatalogVersion, with_changes: bool) -> VersionOut:
    out = VersionOut.model_validate(version, from_attributes=True)
    if with_changes:
        changes = session.exec(
            select(CatalogChange)
            .where(CatalogChange.version_number == version.number)
            .order_by(col(CatalogChange.id))
        ).all()
        out.changes = [
            ChangeOut(
                resource_id=c.resource_id,
                op=c.op,
                reason=c.reason,
                before=c.before,
                after=c.after,
                diff=readable_diff(c),
            )
            for c in changes
        ]
    return out


@router.get("/api/v1/catalog/versions", response_model=Page[VersionOut], responses=ERRORS)
def list_versions(
    session: SessionDep,
    caller: CallerDep,
    department: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[VersionOut]:
    """Published catalog versions, newest first. Every authenticated user reads the catalog."""
    query = select(CatalogVersion)
    if department:
        query = query.where(CatalogVersion.department_id == department)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(
        query.order_by(col(CatalogVersion.number).desc()).limit(limit).offset(offset)
    ).all()
    items = [_version_out(session, row, with_changes=False) for row in rows]
    return Page[VersionOut](total=total, limit=limit, offset=offset, items=items)


@router.get("/api/v1/catalog/versions/{number}", response_model=VersionOut, responses=ERRORS)
def get_version(number: int, session: SessionDep, caller: CallerDep) -> VersionOut:
    """One version with its changes: before, after, and the diff in Chinese."""
    version = session.get(CatalogVersion, number)
    if version is None:
        raise NotFound(f"目录版本 {number} 不存在。", "version_not_found")
    return _version_out(session, version, with_changes=True)


class MaintenanceRow(BaseModel):
    department_id: str
    department_name: str
    jurisdiction: str
    case_id: str | None
    status: str  # done, open, overdue, none
    due: BeijingTime | None


@router.get("/api/v1/catalog/maintenance", response_model=list[MaintenanceRow], responses=ERRORS)
def yearly_maintenance(
    session: SessionDep,
    caller: CallerDep,
    clock: ClockDep,
    rulesets: RulesetsDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    jurisdiction: str | None = None,
) -> list[MaintenanceRow]:
    """Each department's yearly full maintenance (hubei 第十一条) of `year`: done, open,
    overdue, or none opened. Departments with an open case or none come first."""
    scope = caller.jurisdiction_to_read(jurisdiction, "年度目录维护情况")
    now = clock()
    year = year or now.astimezone(BEIJING).year
    return maintenance_rows(session, rulesets, year=year, now=now, scope=scope)


def maintenance_rows(
    session: Session, rulesets: Rulesets, *, year: int, now: datetime, scope: str | None
) -> list[MaintenanceRow]:
    """The departments of `scope` (and those inside it; None: all) bound to the yearly
    maintenance of `year`, each with its status at `now`, undone first. The report and the
    dashboard read it here too."""
    rows = [
        _maintenance(session, department, year, now)
        for department, _ in maintained_departments(session, rulesets, date(year, 1, 1))
        if scope is None
        or department.jurisdiction == scope
        or department.jurisdiction.startswith(scope + ".")
    ]
    order = {"overdue": 0, "open": 1, "none": 2, "done": 3}
    return sorted(rows, key=lambda r: (order[r.status], r.department_id))


def _maintenance(
    session: Session, department: Department, year: int, now: datetime
) -> MaintenanceRow:
    opened = select(CaseSubmission.case_id).where(
        CaseSubmission.idempotency_key == maintenance_key(department.id, year)
    )
    record = session.exec(select(CaseRecord).where(col(CaseRecord.case_id).in_(opened))).first()
    status = "none"
    if record is not None:
        late = record.overdue or (record.due is not None and record.due <= now)
        status = "done" if record.status == "closed" else "overdue" if late else "open"
    return MaintenanceRow(
        department_id=department.id,
        department_name=department.name,
        jurisdiction=department.jurisdiction,
        case_id=record.case_id if record else None,
        status=status,
        due=record.due if record else None,
    )
