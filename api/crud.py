"""Reference data and the effects people read: departments, users and tokens, the catalog,
rulesets and calendar years, notices and authorizations. Shared by the routes and the CLI.

Every function validates what it is given (Chinese messages, stable codes, as `DomainError`s)
before it writes anything. Who may call the writers is for the caller to decide: the routes
require an administrator, the command line is the operator at the console. The listings take
the `Caller`, because what they show depends on who asks.
"""

from __future__ import annotations

import csv
import io
import os
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml
from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from api.deps import Caller, hash_token
from api.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from calendars import CalendarFileError, ChinaCalendar, YearSchedule, load_calendar
from calendars import parse_year_text as parse_calendar_year
from calendars.schedule import PACKAGED_DATA_DIR, load_schedules
from models import ApiToken, Authorization, CatalogResource, Department, Notice, User
from models.reference import utcnow
from regulations import Ruleset, RulesetError, Rulesets, load_rulesets
from regulations.loader import parse_ruleset_text
from workflows.common import (
    DEPARTMENT_KIND_LABELS,
    OPEN_TYPE_LABELS,
    RESOURCE_STATUS_LABELS,
    ROLE_LABELS,
    SHARE_TYPE_LABELS,
    DepartmentKind,
    OpenType,
    Role,
    ShareType,
)

T = TypeVar("T")

# Department and resource ids appear in URLs and case parties: letters, digits, . _ -
# (the catalog entries a case creates are named after it: R-HB419-2026-000001).
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# Dotted jurisdiction codes, outermost first: hubei, hubei.lichuan.
JURISDICTION_PATTERN = re.compile(r"^[a-z]+(\.[a-z]+)*$")
# Chinese labels accepted wherever the English value is, for catalogs kept in spreadsheets.
ALIASES: dict[type[StrEnum], dict[str, StrEnum]] = {
    DepartmentKind: {name: kind for kind, name in DEPARTMENT_KIND_LABELS.items()},
    Role: {name: role for role, name in ROLE_LABELS.items()},
    ShareType: {name: share for share, name in SHARE_TYPE_LABELS.items()},
    OpenType: {
        **{name: kind for kind, name in OPEN_TYPE_LABELS.items()},
        "依申请开放": OpenType.CONDITIONAL,
    },
}


@dataclass
class Listing(Generic[T]):
    """One page of a listing, and how many rows the whole listing has."""

    total: int
    items: list[T]


# -- validation ----------------------------------------------------------------------------


def _text(value: object, name: str, label: str, *, max_length: int, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid(f"{label}应为文字。", f"invalid_{name}")
    text = value.strip()
    if required and not text:
        raise Invalid(f"{label}不能为空。", f"invalid_{name}")
    if len(text) > max_length:
        raise Invalid(f"{label}不能超过{max_length}个字符。", f"invalid_{name}")
    return text


def _identifier(value: object, name: str, label: str) -> str:
    text = _text(value, name, label, max_length=64, required=True)
    if not ID_PATTERN.fullmatch(text):
        raise Invalid(
            f"{label}“{text}”无效：只能由字母、数字和 . _ - 组成，以字母或数字开头，"
            "不超过64个字符。",
            f"invalid_{name}",
        )
    return text


def _jurisdiction(value: object) -> str:
    text = _text(value, "jurisdiction", "辖区代码", max_length=100, required=True)
    if not JURISDICTION_PATTERN.fullmatch(text):
        raise Invalid(
            f"辖区代码“{text}”无效：应为小写拼音，由外到内以点分隔，如 hubei 或 hubei.lichuan。",
            "invalid_jurisdiction",
        )
    return text


E = TypeVar("E", bound=StrEnum)


def _choice(value: object, enum: type[E], name: str, label: str) -> E:
    text = value.strip() if isinstance(value, str) else str(value)
    try:
        return enum(text)
    except ValueError:
        alias = ALIASES.get(enum, {}).get(text)
        if alias is not None:
            return alias  # type: ignore[return-value]
    allowed = "、".join(member.value for member in enum)
    raise Invalid(f"{label}“{text}”无效，可选：{allowed}。", f"invalid_{name}")


def _field_names(value: object) -> list[str]:
    """Field names from a list, or from text separated by semicolons (as in the CSV)."""
    if value is None:
        return []
    if isinstance(value, str):
        parts: Iterable[object] = re.split(r"[;；]", value)
    elif isinstance(value, list | tuple):
        parts = value
    else:
        raise Invalid("字段清单应为文字列表。", "invalid_fields")
    names: list[str] = []
    for part in parts:
        if not isinstance(part, str):
            raise Invalid("字段清单应为文字列表。", "invalid_fields")
        if part.strip() and part.strip() not in names:
            names.append(part.strip())
    if any(len(name) > 200 for name in names):
        raise Invalid("字段名称不能超过200个字符。", "invalid_fields")
    return names


def _commit(session: Session, conflict: DomainError) -> None:
    """Commit, turning a unique-key race with another request into `conflict`."""
    try:
        session.commit()
    except IntegrityError as error:
        session.rollback()
        raise conflict from error


def _within(column: Any, jurisdiction: str) -> Any:
    """`column` names `jurisdiction` or a jurisdiction inside it."""
    return or_(column == jurisdiction, column.startswith(jurisdiction + "."))


def _page(session: Session, query: SelectOfScalar[T], limit: int, offset: int) -> Listing[T]:
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    return Listing(total=total, items=list(session.exec(query.limit(limit).offset(offset)).all()))


def _case_matches(column: Any, case_id: str) -> Any:
    """The full case id, or the case number alone (as GET /cases/{case_id} accepts)."""
    return or_(column == case_id, col(column).endswith("/" + case_id))


# -- departments ---------------------------------------------------------------------------


def create_department(
    *,
    session: Session,
    department_id: str,
    name: str,
    jurisdiction: str,
    kind: str = DepartmentKind.ORDINARY,
) -> Department:
    department = Department(
        id=_identifier(department_id, "id", "部门编码"),
        name=_text(name, "name", "部门名称", max_length=200, required=True),
        jurisdiction=_jurisdiction(jurisdiction),
        kind=_choice(kind, DepartmentKind, "kind", "部门类型"),
    )
    exists = Conflict(f"部门编码“{department.id}”已存在。", "department_exists")
    if session.get(Department, department.id) is not None:
        raise exists
    session.add(department)
    _commit(session, exists)
    return department


def get_department(*, session: Session, department_id: str) -> Department:
    department = session.get(Department, department_id)
    if department is None:
        raise NotFound(f"部门“{department_id}”不存在。", "department_not_found")
    return department


def list_departments(
    *,
    session: Session,
    jurisdiction: str | None = None,
    kind: str | None = None,
    limit: int = 500,
    offset: int = 0,
) -> Listing[Department]:
    """Departments by jurisdiction (with those inside it) and kind, ordered by id."""
    query = select(Department)
    if jurisdiction:
        query = query.where(_within(Department.jurisdiction, _jurisdiction(jurisdiction)))
    if kind:
        query = query.where(Department.kind == _choice(kind, DepartmentKind, "kind", "部门类型"))
    return _page(session, query.order_by(Department.id), limit, offset)


# -- users and tokens ----------------------------------------------------------------------

# Staff who act for a department; a supervisor's department oversees a jurisdiction.
NEEDS_DEPARTMENT = {Role.CASEWORKER, Role.SUPERVISOR}
SUPERVISING_KINDS = {DepartmentKind.COMPETENT_AUTHORITY, DepartmentKind.SERVICE_CENTRE}


def create_user(
    *, session: Session, name: str, role: str, department_id: str | None = None
) -> tuple[User, str]:
    """The new user and their first token, which is not stored and cannot be shown again."""
    user_name = _text(name, "name", "姓名", max_length=200, required=True)
    user_role = _choice(role, Role, "role", "角色")
    department = None
    if department_id is not None and str(department_id).strip():
        department = session.get(Department, str(department_id).strip())
        if department is None:
            raise Invalid(f"部门“{department_id}”不存在。", "department_not_found")
    if user_role in NEEDS_DEPARTMENT and department is None:
        raise Invalid(f"{ROLE_LABELS[user_role]}必须属于一个部门。", "department_required")
    if (
        user_role is Role.SUPERVISOR
        and department is not None
        and department.kind not in SUPERVISING_KINDS
    ):
        raise Invalid(
            f"监管人员须属于政务数据主管部门或服务中心；“{department.name}”是"
            f"{DEPARTMENT_KIND_LABELS[DepartmentKind(department.kind)]}。",
            "supervisor_department_kind",
        )
    user = User(name=user_name, role=user_role, department_id=department.id if department else None)
    session.add(user)
    session.flush()
    token = _new_token(session, user)
    session.commit()
    return user, token


def get_user(*, session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"用户 {user_id} 不存在。", "user_not_found")
    return user


def list_users(
    *,
    session: Session,
    role: str | None = None,
    department_id: str | None = None,
    limit: int = 500,
    offset: int = 0,
) -> Listing[User]:
    query = select(User)
    if role:
        query = query.where(User.role == _choice(role, Role, "role", "角色"))
    if department_id:
        query = query.where(User.department_id == department_id)
    return _page(session, query.order_by(col(User.id)), limit, offset)


def active_token_prefixes(*, session: Session, user_ids: Sequence[int]) -> dict[int, list[str]]:
    """The first characters of each user's unrevoked tokens, enough to tell them apart."""
    prefixes: dict[int, list[str]] = {user_id: [] for user_id in user_ids}
    rows = session.exec(
        select(ApiToken)
        .where(col(ApiToken.user_id).in_(list(user_ids)), col(ApiToken.revoked_at).is_(None))
        .order_by(col(ApiToken.id))
    ).all()
    for token in rows:
        prefixes[token.user_id].append(token.prefix)
    return prefixes


def _new_token(session: Session, user: User) -> str:
    assert user.id is not None
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), prefix=token[:8]))
    return token


def issue_token(*, session: Session, user_id: int) -> str:
    """A new token for the user, besides those they have; shown once, stored as its hash."""
    user = get_user(session=session, user_id=user_id)
    if not user.active:
        raise Conflict(f"用户“{user.name}”已停用，不能签发令牌。", "user_inactive")
    token = _new_token(session, user)
    session.commit()
    return token


def revoke_tokens(*, session: Session, user_id: int) -> int:
    """Revoke every live token of the user; returns how many. Requests with them get 401."""
    get_user(session=session, user_id=user_id)
    tokens = session.exec(
        select(ApiToken).where(ApiToken.user_id == user_id, col(ApiToken.revoked_at).is_(None))
    ).all()
    now = utcnow()
    for token in tokens:
        token.revoked_at = now
        session.add(token)
    session.commit()
    return len(tokens)


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
UPDATABLE = (*CATALOG_COLUMNS[1:], "status")


def _resource_values(session: Session, values: Mapping[str, Any]) -> dict[str, Any]:
    """Validated values of the catalog columns present in `values`; every problem at once."""
    unknown = sorted(set(values) - {*CATALOG_COLUMNS, "status"})
    if unknown:
        raise Invalid(f"目录资源没有这些属性：{'、'.join(unknown)}。", "invalid_attribute")
    checks: dict[str, Any] = {
        "id": lambda v: _identifier(v, "id", "资源编码"),
        "name": lambda v: _text(v, "name", "资源名称", max_length=200, required=True),
        "provider_id": lambda v: _provider(session, v),
        "share_type": lambda v: _choice(v, ShareType, "share_type", "共享类型"),
        "open_type": lambda v: _choice(v, OpenType, "open_type", "开放类型"),
        "legal_basis": lambda v: _optional(v, "legal_basis", "法律依据", 2000),
        "conditions": lambda v: _optional(v, "conditions", "共享条件", 2000),
        "fields": _field_names,
        "update_cycle": lambda v: _optional(v, "update_cycle", "更新周期", 40),
        "status": _status,
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


def _optional(value: object, name: str, label: str, max_length: int) -> str:
    return _text(value, name, label, max_length=max_length, required=False)


def _provider(session: Session, value: object) -> str:
    provider_id = _identifier(value, "provider_id", "提供部门编码")
    if session.get(Department, provider_id) is None:
        raise Invalid(f"提供部门“{provider_id}”不存在。", "provider_not_found")
    return provider_id


def _status(value: object) -> str:
    status = str(value).strip() if value is not None else ""
    if status not in RESOURCE_STATUS_LABELS:
        labels = "、".join(f"{key}（{name}）" for key, name in RESOURCE_STATUS_LABELS.items())
        raise Invalid(f"资源状态“{status}”无效，可选：{labels}。", "invalid_status")
    return status


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


def create_resource(*, session: Session, values: Mapping[str, Any]) -> CatalogResource:
    """A new catalog resource, version 1. `values` holds the catalog columns (and `status`)."""
    _required_for_new(values)
    clean = _resource_values(session, values)
    exists = Conflict(f"目录资源“{clean['id']}”已存在。", "resource_exists")
    if session.get(CatalogResource, clean["id"]) is not None:
        raise exists
    resource = CatalogResource(**clean)
    session.add(resource)
    _commit(session, exists)
    return resource


def get_resource(*, session: Session, resource_id: str) -> CatalogResource:
    resource = session.get(CatalogResource, resource_id)
    if resource is None:
        raise NotFound(f"目录中没有数据资源“{resource_id}”。", "resource_not_found")
    return resource


def update_resource(
    *, session: Session, resource_id: str, changes: Mapping[str, Any]
) -> CatalogResource:
    """Apply `changes`; the version goes up by one if anything actually changed."""
    resource = get_resource(session=session, resource_id=resource_id)
    if "id" in changes and changes["id"] != resource_id:
        raise Invalid("资源编码不能修改。", "invalid_id")
    clean = _resource_values(session, {k: v for k, v in changes.items() if k != "id"})
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
    *,
    session: Session,
    provider: str | None = None,
    share_type: str | None = None,
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Listing[CatalogResource]:
    query = select(CatalogResource)
    if provider:
        query = query.where(CatalogResource.provider_id == provider)
    if share_type:
        chosen = _choice(share_type, ShareType, "share_type", "共享类型")
        query = query.where(CatalogResource.share_type == chosen)
    if status:
        query = query.where(CatalogResource.status == _status(status))
    return _page(session, query.order_by(CatalogResource.id), limit, offset)


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


def decode_text(data: bytes, what: str) -> str:
    """UTF-8 (with or without the BOM spreadsheets write), else GB18030 (Excel's 中文 CSV)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Invalid(f"{what}的编码无法识别，请保存为 UTF-8。", "invalid_encoding")


def import_catalog_csv(*, session: Session, text: str) -> ImportReport:
    """Create or update catalog resources from CSV (columns `CATALOG_COLUMNS`, `fields`
    separated by semicolons, an empty `open_type` meaning not_open). Valid rows are written
    in one transaction, invalid ones are reported and written not at all; an existing id is
    updated and its version bumped if the row changes it. Only a wrong header refuses the
    whole file."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), restkey="\0extra")
    try:
        header = [name.strip() for name in reader.fieldnames or []]
    except csv.Error as error:
        raise Invalid(f"CSV 文件无法解析：{error}。", "csv_invalid") from error
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
    try:
        for raw in reader:
            line = reader.line_num
            report.rows.append(_import_row(session, raw, line, seen, pending))
    except csv.Error as error:
        raise Invalid(f"CSV 文件第{reader.line_num}行无法解析：{error}。", "csv_invalid") from error
    for resource in pending:
        session.add(resource)
    _commit(
        session, Conflict("导入时目录被其他操作同时修改，本次导入未生效，请重试。", "catalog_busy")
    )
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


# -- rulesets ------------------------------------------------------------------------------


def save_ruleset(
    *, rulesets: Rulesets, directory: Path, text: str
) -> tuple[Ruleset, Rulesets, bool]:
    """Validate the YAML text of an instrument against the loaded ones, save it as
    `<directory>/<id>.yaml` and reload. Returns the ruleset, the reloaded set, and whether it
    replaced one with the same id (e.g. a predecessor given its `in_force.until`).

    A running case keeps the ruleset it started with: it is part of the workflow input."""
    source = _ruleset_source(text)
    try:
        ruleset = parse_ruleset_text(text, source, rulesets)
    except RulesetError as error:
        raise Invalid(f"规则集文件无效：{error}", "ruleset_invalid") from error
    _refuse_clashes(ruleset, rulesets)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{ruleset.id}.yaml"
    previous = target.read_text(encoding="utf-8") if target.exists() else None
    _write_atomically(target, text)
    try:
        reloaded = load_rulesets(directory)
    except RulesetError as error:
        # Another file depended on what this one changed: put the old one back.
        if previous is None:
            target.unlink()
        else:
            _write_atomically(target, previous)
        raise Invalid(
            f"规则集保存后无法与其他规则集一同加载：{error}", "ruleset_invalid"
        ) from error
    loaded = reloaded.get(ruleset.id)
    assert loaded is not None
    return loaded, reloaded, rulesets.get(ruleset.id) is not None


def _ruleset_source(text: str) -> str:
    """`<id>.yaml` for error messages, if the text says its id; the upload otherwise."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError:
        return "上传的规则集"
    found = raw.get("id") if isinstance(raw, dict) else None
    if isinstance(found, str) and re.fullmatch(r"[a-z0-9][a-z0-9-]*", found):
        return f"{found}.yaml"
    return "上传的规则集"


def _refuse_clashes(ruleset: Ruleset, rulesets: Rulesets) -> None:
    """Case numbers are counted per ruleset, so two rulesets must not share a prefix; and two
    instruments of one jurisdiction for one process must not be in force on one day: which
    governs a case would be a matter of chance."""
    mine = ruleset.spec
    processes = _defined_processes(ruleset)
    for other in rulesets:
        theirs = other.spec
        if other.id == ruleset.id:
            continue
        if theirs.case_prefix == mine.case_prefix:
            raise Conflict(
                f"案件编号前缀“{mine.case_prefix}”已由规则集“{other.id}”使用，请另选前缀。",
                "case_prefix_taken",
            )
        if theirs.jurisdiction != mine.jurisdiction:
            continue
        if not processes & _defined_processes(other):
            continue
        end = date.max
        if mine.in_force.from_ <= (theirs.in_force.until or end) and theirs.in_force.from_ <= (
            mine.in_force.until or end
        ):
            raise Conflict(
                f"《{mine.title}》的施行期间（{ruleset.window_text()}）与同一辖区的"
                f"《{theirs.title}》（{theirs.number}，{other.window_text()}）重叠。"
                f"请先上传写明 in_force.until 的“{other.id}”，再上传接续的规则集。",
                "ruleset_overlaps",
            )


def _defined_processes(ruleset: Ruleset) -> set[str]:
    return {name for name, plan in ruleset.spec.processes if plan is not None}


def defined_processes(ruleset: Ruleset) -> list[str]:
    return sorted(_defined_processes(ruleset))


def _write_atomically(target: Path, text: str) -> None:
    # The temporary name does not end in .yaml, so no loader ever reads a half-written file.
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, target)


# -- calendar years ------------------------------------------------------------------------

PACKAGED_FIRST_YEAR = min(load_schedules(PACKAGED_DATA_DIR))


def save_calendar_year(*, directory: Path, text: str) -> tuple[YearSchedule, bool]:
    """Validate the YAML text of a year file, alone and together with every other year, and
    save it as `<directory>/<year>.yaml`. Returns the schedule and whether it replaced a file
    in `directory`. Running cases learn of it only when asked to re-plan."""
    try:
        schedule = parse_calendar_year(text, "上传的日历文件")
        if schedule.year < PACKAGED_FIRST_YEAR:
            raise Invalid(
                f"工作日历自{PACKAGED_FIRST_YEAR}年起收录，不接受{schedule.year}年的文件。",
                "calendar_invalid",
            )
        operator_files = load_schedules(directory) if _has_year_files(directory) else {}
        same_year = operator_files.get(schedule.year)
        target = directory / f"{schedule.year}.yaml"
        if same_year is not None and Path(same_year.source_name).name != target.name:
            raise Conflict(
                f"{schedule.year}年已由 {Path(same_year.source_name).name} 定义；"
                f"请先移除该文件，或改名为 {target.name}。",
                "calendar_file_clash",
            )
        dirs = [directory] if operator_files else []
        load_calendar(*dirs, extra=[schedule])  # cross-year conflicts (December reach-backs)
    except CalendarFileError as error:
        where = f"第{error.line}行：" if error.line is not None else ""
        source = "" if error.source == "上传的日历文件" else f"（{error.source}）"
        raise Invalid(f"日历文件无效{source}：{where}{error.detail}", "calendar_invalid") from error
    directory.mkdir(parents=True, exist_ok=True)
    replaced = target.exists()
    _write_atomically(target, text)
    return schedule, replaced


def _has_year_files(directory: Path) -> bool:
    return directory.is_dir() and any(
        p.suffix in (".yaml", ".yml") for p in directory.iterdir() if p.is_file()
    )


def year_schedule(calendar: ChinaCalendar, year: int) -> YearSchedule | None:
    """The official schedule of `year`, None if the year is provisional; 404 if not covered."""
    if not calendar.first_day.year <= year <= calendar.last_day.year:
        raise NotFound(
            f"工作日历不包含{year}年（收录{calendar.first_day.year}年至"
            f"{calendar.last_day.year}年）。",
            "calendar_year_not_found",
        )
    return calendar.schedules.get(year)


# -- notices and authorizations ------------------------------------------------------------


def list_notices(
    *,
    session: Session,
    caller: Caller,
    case_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Listing[Notice]:
    """Notices addressed to the caller's department, or to a member of the public themself
    (auditors: all), newest first."""
    query = select(Notice)
    match caller.role:
        case Role.AUDITOR:
            pass
        case Role.CASEWORKER | Role.SUPERVISOR:
            query = query.where(Notice.recipient_department_id == caller.user.department_id)
        case Role.PUBLIC:
            query = query.where(Notice.recipient_user_id == caller.id)
        case _:
            raise Forbidden("通知仅供经办人、监管人员、审计人员和本人查看。", "role_not_allowed")
    if case_id:
        query = query.where(_case_matches(Notice.case_id, case_id))
    query = query.order_by(col(Notice.created_at).desc(), col(Notice.id).desc())
    return _page(session, query, limit, offset)


def list_authorizations(
    *,
    session: Session,
    caller: Caller,
    case_id: str | None = None,
    resource_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Listing[tuple[Authorization, CatalogResource]]:
    """Grants the caller may see, newest first, each with its resource: caseworkers those
    their department applied for or provides; supervisors those with a party in their
    jurisdiction; auditors all."""
    query = select(Authorization, CatalogResource).join(
        CatalogResource, col(Authorization.resource_id) == col(CatalogResource.id)
    )
    match caller.role:
        case Role.AUDITOR:
            pass
        case Role.CASEWORKER:
            mine = caller.user.department_id
            query = query.where(
                or_(
                    col(Authorization.applicant_department_id) == mine,
                    col(CatalogResource.provider_id) == mine,
                )
            )
        case Role.SUPERVISOR:
            own = caller.jurisdiction or "-"
            applicant, provider = aliased(Department), aliased(Department)
            query = (
                query.join(
                    applicant, col(applicant.id) == col(Authorization.applicant_department_id)
                )
                .join(provider, col(provider.id) == col(CatalogResource.provider_id))
                .where(
                    or_(_within(applicant.jurisdiction, own), _within(provider.jurisdiction, own))
                )
            )
        case _:
            raise Forbidden("授权记录仅供经办人、监管人员和审计人员查看。", "role_not_allowed")
    if case_id:
        query = query.where(_case_matches(Authorization.case_id, case_id))
    if resource_id:
        query = query.where(Authorization.resource_id == resource_id)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(
        query.order_by(col(Authorization.granted_at).desc(), col(Authorization.id).desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return Listing(total=total, items=[(grant, resource) for grant, resource in rows])
