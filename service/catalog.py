"""The data catalog (政务数据资源目录): resources, CSV import, and the published versions
with their readable diff. Administrators write; government staff read it all, the public
the open catalog only."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, and_
from sqlmodel import Session, col, select

from models import CatalogChange, CatalogResource, CatalogVersion, Department
from models.reference import utcnow
from service.access import Caller
from service.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from service.platform import Platform
from service.text import CONDITIONS, LEGAL_BASIS, NAME, UPDATE_CYCLE
from service.validation import (
    Listing,
    clean_choice,
    clean_field_names,
    clean_identifier,
    clean_text,
    commit_or,
    page_of,
)
from service.views import BeijingTime
from workflows.common import (
    OPEN_TYPE_LABELS,
    RESOURCE_STATUS_LABELS,
    SHARE_TYPE_LABELS,
    DeliveryMethod,
    OpenStatus,
    OpenType,
    Role,
    ShareType,
)

# -- the catalog ---------------------------------------------------------------------------

CATALOG_COLUMNS = (
    "id",
    "name",
    "provider_id",
    "share_type",
    "open_type",
    "legal_basis",
    "conditions",
    "fields",
    "update_cycle",
)
# Set through the API, not the CSV import (whose columns stay as published): new rows are
# delivered through the interface unless an administrator says otherwise.
EXTRA_COLUMNS = ("status", "delivery_method")
UPDATABLE = (*CATALOG_COLUMNS[1:], *EXTRA_COLUMNS)


def _resource_values(session: Session, values: Mapping[str, Any]) -> dict[str, Any]:
    """Validated values of the catalog columns present in `values`; every problem at once."""
    unknown = sorted(set(values) - {*CATALOG_COLUMNS, *EXTRA_COLUMNS})
    if unknown:
        raise Invalid(f"目录资源没有这些属性：{'、'.join(unknown)}。", "invalid_attribute")
    checks: dict[str, Any] = {
        "id": lambda v: clean_identifier(v, "id", "资源编码"),
        "name": lambda v: clean_text(v, "name", "资源名称", max_length=NAME, required=True),
        "provider_id": lambda v: _provider(session, v),
        "share_type": lambda v: clean_choice(v, ShareType, "share_type", "共享类型"),
        "open_type": lambda v: clean_choice(v, OpenType, "open_type", "开放类型"),
        "legal_basis": lambda v: _optional(v, "legal_basis", "法律依据", LEGAL_BASIS, True),
        "conditions": lambda v: _optional(v, "conditions", "共享条件", CONDITIONS, True),
        "fields": clean_field_names,
        "update_cycle": lambda v: _optional(v, "update_cycle", "更新周期", UPDATE_CYCLE),
        "status": _status,
        "delivery_method": lambda v: clean_choice(v, DeliveryMethod, "delivery_method", "交付方式"),
    }
    clean: dict[str, Any] = {}
    problems: list[DomainError] = []
    for name in checks:
        if name in values:
            try:
                clean[name] = checks[name](values[name])
            except DomainError as problem:
                problems.append(problem)
    if problems:
        raise Invalid("；".join(p.message.rstrip("。") for p in problems) + "。", problems[0].code)
    return clean


def _optional(
    value: object, name: str, label: str, max_length: int, multiline: bool = False
) -> str:
    return clean_text(
        value, name, label, max_length=max_length, required=False, multiline=multiline
    )


def _provider(session: Session, value: object) -> str:
    provider_id = clean_identifier(value, "provider_id", "提供部门编码")
    if session.get(Department, provider_id) is None:
        raise Invalid(f"提供部门“{provider_id}”不存在。", "provider_not_found")
    return provider_id


def _status(value: object) -> str:
    status = clean_text(str(value), "status", "资源状态", max_length=NAME, required=False)
    if status not in RESOURCE_STATUS_LABELS:
        labels = "、".join(f"{key}（{name}）" for key, name in RESOURCE_STATUS_LABELS.items())
        raise Invalid(f"资源状态“{status}”无效，可选：{labels}。", "invalid_status")
    return status


def refuse_direct_not_shared(name: str, share_type: object, current: object | None) -> None:
    """A resource becomes not-shared only through a negative-listing case, once the
    government's approval is recorded (hubei 第二十三条, hebei 第十一条): no edit or import
    sets it. A resource already not-shared may be restated as it is."""
    if share_type == ShareType.NOT_SHARED and current != ShareType.NOT_SHARED:
        raise Invalid(
            f"数据资源“{name}”不能直接改为不予共享：须由数据提供部门办理“不予共享负面清单审批”"
            "（process: negative_listing），经主管部门审核、本级人民政府批准后列入。",
            "negative_listing_required",
        )


def _required_for_new(values: Mapping[str, Any]) -> None:
    labels = {
        "id": "资源编码",
        "name": "资源名称",
        "provider_id": "提供部门",
        "share_type": "共享类型",
    }
    missing = [label for key, label in labels.items() if key not in values]
    if missing:
        raise Invalid(f"新建目录资源缺少：{'、'.join(missing)}。", "invalid_attribute")


def create_resource(
    platform: Platform, caller: Caller, values: Mapping[str, Any]
) -> CatalogResource:
    """A new catalog resource, version 1. `values` holds the catalog columns (and `status`)."""
    caller.require(Role.ADMIN)
    _required_for_new(values)
    with platform.session() as session:
        clean = _resource_values(session, values)
        exists = Conflict(f"目录资源“{clean['id']}”已存在。", "resource_exists")
        if session.get(CatalogResource, clean["id"]) is not None:
            raise exists
        refuse_direct_not_shared(clean["id"], clean["share_type"], None)
        resource = CatalogResource(**clean)
        session.add(resource)
        commit_or(session, exists)
    return resource


def catalog_resource(session: Session, resource_id: str) -> CatalogResource:
    resource = session.get(CatalogResource, resource_id)
    if resource is None:
        raise NotFound(f"目录中没有数据资源“{resource_id}”。", "resource_not_found")
    return resource


def open_to_the_public() -> ColumnElement[bool]:
    """The open catalog (开放目录): opened resources in force whose opening stands. An opening
    an objection suspended or withdrew (hubei 第二十八条) is not shown until it is restored or
    reopened; the objector follows it on the case. The rest of the catalog is for government
    staff only."""
    return and_(
        col(CatalogResource.open_type) != OpenType.NOT_OPEN,
        col(CatalogResource.status) != "retired",
        col(CatalogResource.open_status) == OpenStatus.OPEN,
    )


def get_resource(platform: Platform, caller: Caller, resource_id: str) -> CatalogResource:
    """One resource. The public read those of the open catalog only (`open_to_the_public`)."""
    with platform.session() as session:
        resource = catalog_resource(session, resource_id)
        if caller.role is Role.PUBLIC:
            opened = session.exec(
                select(CatalogResource.id).where(
                    CatalogResource.id == resource_id, open_to_the_public()
                )
            ).first()
            if opened is None:
                raise NotFound(f"开放目录中没有数据资源“{resource_id}”。", "resource_not_found")
    return resource


def update_resource(
    platform: Platform, caller: Caller, resource_id: str, changes: Mapping[str, Any]
) -> CatalogResource:
    """Apply `changes`; the version goes up by one if anything actually changed."""
    caller.require(Role.ADMIN)
    with platform.session() as session:
        resource = catalog_resource(session, resource_id)
        if "id" in changes and changes["id"] != resource_id:
            raise Invalid("资源编码不能修改。", "invalid_id")
        clean = _resource_values(session, {k: v for k, v in changes.items() if k != "id"})
        refuse_direct_not_shared(resource.name, clean.get("share_type"), resource.share_type)
        if _apply(resource, clean):
            session.add(resource)
            session.commit()
    return resource


def _apply(resource: CatalogResource, clean: Mapping[str, Any]) -> bool:
    changed = {k: v for k, v in clean.items() if k != "id" and getattr(resource, k) != v}
    for name, value in changed.items():
        setattr(resource, name, value)
    if changed:
        resource.version += 1
        resource.updated_at = utcnow()
    return bool(changed)


def list_resources(
    platform: Platform,
    caller: Caller,
    *,
    provider: str | None = None,
    share_type: str | None = None,
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Listing[CatalogResource]:
    """The catalog; the public see the open catalog only."""
    query = select(CatalogResource)
    if caller.role is Role.PUBLIC:
        query = query.where(open_to_the_public())
    if provider:
        query = query.where(CatalogResource.provider_id == provider)
    if share_type:
        chosen = clean_choice(share_type, ShareType, "share_type", "共享类型")
        query = query.where(CatalogResource.share_type == chosen)
    if status:
        query = query.where(CatalogResource.status == _status(status))
    with platform.session() as session:
        return page_of(session, query.order_by(CatalogResource.id), limit, offset)


def list_unapproved_not_shared(
    platform: Platform, caller: Caller, *, limit: int = 100, offset: int = 0
) -> Listing[CatalogResource]:
    """Not-shared resources no negative-listing case has approved, in the caller's
    oversight (administrators: all): to be regularized through the process."""
    caller.require(Role.ADMIN, Role.SUPERVISOR)
    query = select(CatalogResource).where(
        CatalogResource.share_type == ShareType.NOT_SHARED,
        col(CatalogResource.negative_list_case).is_(None),
        CatalogResource.status != "retired",
    )
    with platform.session() as session:
        if caller.role is Role.SUPERVISOR:
            overseen = [
                d.id for d in session.exec(select(Department)) if caller.oversees(d.jurisdiction)
            ]
            query = query.where(col(CatalogResource.provider_id).in_(overseen))
        return page_of(session, query.order_by(CatalogResource.id), limit, offset)


@dataclass
class RowResult:
    row: int  # line of the file; the header is line 1
    id: str
    ok: bool
    action: str | None  # created, updated, unchanged; None when the row failed
    message: str


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)

    def count(self, action: str | None) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def failed(self) -> int:
        return sum(1 for row in self.rows if not row.ok)


ACTION_MESSAGES = {"created": "已新增", "updated": "已更新", "unchanged": "内容未变"}


def import_catalog_csv(platform: Platform, caller: Caller, text: str) -> ImportReport:
    """Create or update catalog resources from CSV (columns `CATALOG_COLUMNS`, `fields`
    separated by semicolons, an empty `open_type` meaning not_open). Valid rows are written
    in one transaction, invalid ones are reported and written not at all; an existing id is
    updated and its version bumped if the row changes it. Only a wrong header refuses the
    whole file."""
    caller.require(Role.ADMIN)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), restkey="\0extra")
    try:
        header = [name.strip() for name in reader.fieldnames or []]
    except csv.Error as error:
        # The csv module's reasons are English: say where, not its words.
        raise Invalid(
            f"CSV 文件无法解析：第{reader.line_num or 1}行格式有误（引号不成对或含空字符）。",
            "csv_invalid",
        ) from error
    named = [name for name in header if name]  # spreadsheets add empty trailing columns
    missing = [name for name in CATALOG_COLUMNS if name not in named]
    unknown = [name for name in named if name not in CATALOG_COLUMNS]
    if missing or unknown or len(named) != len(set(named)):
        problems = []
        if missing:
            problems.append(f"缺少列 {', '.join(missing)}")
        if unknown:
            problems.append(f"有未知列 {', '.join(unknown)}")
        if len(named) != len(set(named)):
            problems.append("有重复的列")
        raise Invalid(
            f"CSV 表头不正确（{'；'.join(problems) or '为空'}）。"
            f"表头应为：{','.join(CATALOG_COLUMNS)}",
            "csv_header_invalid",
        )
    reader.fieldnames = header
    report = ImportReport()
    pending: list[CatalogResource] = []
    seen: dict[str, int] = {}
    busy = Conflict("导入时目录被其他操作同时修改，本次导入未生效，请重试。", "catalog_busy")
    with platform.session() as session:
        try:
            for raw in reader:
                line = reader.line_num
                report.rows.append(_import_row(session, raw, line, seen, pending))
        except csv.Error as error:
            raise Invalid(
                f"CSV 文件第{reader.line_num}行无法解析：{error}。", "csv_invalid"
            ) from error
        for resource in pending:
            session.add(resource)
        commit_or(session, busy)
    return report


def _import_row(
    session: Session,
    raw: dict[str, Any],
    line: int,
    seen: dict[str, int],
    pending: list[CatalogResource],
) -> RowResult:
    row_id = str(raw.get("id") or "").strip()

    def failed(message: str) -> RowResult:
        return RowResult(row=line, id=row_id, ok=False, action=None, message=message)

    if "\0extra" in raw:
        return failed("列数多于表头。")
    if any(raw.get(name) is None for name in CATALOG_COLUMNS):
        return failed("列数少于表头。")
    values = {name: raw[name].strip() for name in CATALOG_COLUMNS}
    # A row describes the whole resource: an empty cell is the default, not "keep as is".
    values["open_type"] = values["open_type"] or OpenType.NOT_OPEN
    try:
        clean = _resource_values(session, values)
    except DomainError as problem:
        return failed(problem.message)
    if clean["id"] in seen:
        return failed(f"资源编码“{clean['id']}”与第{seen[clean['id']]}行重复，本行未导入。")
    seen[clean["id"]] = line
    existing = session.get(CatalogResource, clean["id"])
    try:
        refuse_direct_not_shared(
            clean["name"], clean["share_type"], existing.share_type if existing else None
        )
    except DomainError as problem:
        return failed(problem.message)
    if existing is None:
        pending.append(CatalogResource(**clean))
        action = "created"
    elif _apply(existing, clean):
        pending.append(existing)
        action = "updated"
    else:
        action = "unchanged"
    return RowResult(
        row=line, id=clean["id"], ok=True, action=action, message=ACTION_MESSAGES[action]
    )


# -- published versions ----------------------------------------------------------------------


def staff_only(caller: Caller) -> None:
    if caller.role is Role.PUBLIC:
        raise Forbidden("目录版本记录仅供政务部门人员查看。", "role_not_allowed")


class ChangeView(BaseModel):
    resource_id: str
    op: str
    reason: str
    before: dict[str, Any]
    after: dict[str, Any]
    diff: list[str]


class VersionView(BaseModel):
    number: int
    case_id: str
    case_number: str
    department_id: str
    published_by: int
    published_at: BeijingTime
    changes: list[ChangeView] = []


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
VALUE_NAMES: dict[str, Mapping[Any, str]] = {
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


def _version_view(session: Session, version: CatalogVersion) -> VersionView:
    view = VersionView.model_validate(version, from_attributes=True)
    changes = session.exec(
        select(CatalogChange)
        .where(CatalogChange.version_number == version.number)
        .order_by(col(CatalogChange.id))
    ).all()
    view.changes = [
        ChangeView(
            resource_id=c.resource_id,
            op=c.op,
            reason=c.reason,
            before=c.before,
            after=c.after,
            diff=readable_diff(c),
        )
        for c in changes
    ]
    return view


def list_versions(
    platform: Platform,
    caller: Caller,
    *,
    department: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Listing[VersionView]:
    """Published catalog versions, newest first, each with its changes (government staff: a
    version shows entries of the whole catalog, not only the open one)."""
    staff_only(caller)
    query = select(CatalogVersion)
    if department:
        query = query.where(CatalogVersion.department_id == department)
    with platform.session() as session:
        found = page_of(session, query.order_by(col(CatalogVersion.number).desc()), limit, offset)
        views = [_version_view(session, row) for row in found.items]
    return Listing(total=found.total, items=views)


def get_version(platform: Platform, caller: Caller, number: int) -> VersionView:
    """One version with its changes: before, after, and the diff in Chinese."""
    staff_only(caller)
    with platform.session() as session:
        version = session.get(CatalogVersion, number)
        if version is None:
            raise NotFound(f"目录版本 {number} 不存在。", "version_not_found")
        return _version_view(session, version)
