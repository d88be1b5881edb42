"""Administrators: departments, users (create, set a login, reset a password, deactivate, tokens),
the catalog, rulesets and calendar years. Each form posts to a service use case, which checks
the role again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from service import accounts, calendars, catalog, reference, register, rulesets, stuck
from service.errors import DomainError, Invalid
from service.validation import decode_text
from web.rendering import page
from web.routing import web_router
from web.session import PlatformDep, PostedForm, Viewer, allow, form_text
from workflows.common import (
    DELIVERY_METHOD_LABELS,
    DEPARTMENT_KIND_LABELS,
    OPEN_TYPE_LABELS,
    RESOURCE_STATUS_LABELS,
    ROLE_LABELS,
    SHARE_TYPE_LABELS,
    Role,
)

router = web_router()
T = TypeVar("T")
ADMIN = allow(Role.ADMIN)
MAX_FILE = 1024 * 1024

KINDS = tuple((k.value, n) for k, n in DEPARTMENT_KIND_LABELS.items())
ROLES = tuple((r.value, n) for r, n in ROLE_LABELS.items())
SHARE_TYPES = tuple((s.value, n) for s, n in SHARE_TYPE_LABELS.items())
OPEN_TYPES = tuple((o.value, n) for o, n in OPEN_TYPE_LABELS.items())
STATUSES = tuple(RESOURCE_STATUS_LABELS.items())
DELIVERY_METHODS = tuple((m.value, n) for m, n in DELIVERY_METHOD_LABELS.items())


def _departments(platform: PlatformDep, viewer: Viewer) -> dict[str, object]:
    """Every department, for a page that offers them (`departments`, as choices) and names
    them (`names`, by id)."""
    found = reference.list_departments(platform, viewer.caller, limit=1000).items
    return {"departments": [(d.id, d.name) for d in found], "names": {d.id: d.name for d in found}}


def _values(form: FormData, *names: str) -> dict[str, str]:
    return {name: form_text(form, name) for name in names}


async def _file_text(form: FormData, what: str) -> str:
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise Invalid(f"请选择{what}。", "file_missing")
    data = await upload.read(MAX_FILE + 1)
    if len(data) > MAX_FILE:
        raise Invalid(f"{what}不能超过1MB。", "file_too_large")
    return decode_text(data, what)


@router.get("/admin")
def admin_home(viewer: Viewer = ADMIN) -> Response:
    return RedirectResponse("/admin/users", status_code=303)


# -- departments ---------------------------------------------------------------------------


def _departments_page(
    platform: PlatformDep, viewer: Viewer, *, status: int = 200, **context: object
) -> Response:
    found = reference.list_departments(platform, viewer.caller, limit=1000)
    return page(
        viewer,
        "admin/departments.html",
        status=status,
        departments=found.items,
        kinds=KINDS,
        **{"values": {}, "error": "", "created": "", **context},
    )


@router.get("/admin/departments")
def departments(request: Request, platform: PlatformDep, viewer: Viewer = ADMIN) -> Response:
    return _departments_page(platform, viewer, created=request.query_params.get("created", ""))


@router.post("/admin/departments")
def create_department(platform: PlatformDep, form: PostedForm, viewer: Viewer = ADMIN) -> Response:
    values = _values(form, "id", "name", "jurisdiction", "kind")
    try:
        made = reference.create_department(
            platform,
            viewer.caller,
            department_id=values["id"],
            name=values["name"],
            jurisdiction=values["jurisdiction"],
            kind=values["kind"] or "ordinary",
        )
    except DomainError as error:
        return _departments_page(
            platform, viewer, status=error.status, values=values, error=error.message
        )
    return RedirectResponse(f"/admin/departments?created={made.id}", status_code=303)


# -- users ---------------------------------------------------------------------------------


def _users_page(
    platform: PlatformDep, viewer: Viewer, *, status: int = 200, **context: object
) -> Response:
    users = reference.list_users(platform, viewer.caller, limit=1000).items
    return page(
        viewer,
        "admin/users.html",
        status=status,
        users=users,
        roles=ROLES,
        **_departments(platform, viewer),
        **{"values": {}, "error": "", "token": "", "made": None, **context},
    )


@router.get("/admin/users")
def users(platform: PlatformDep, viewer: Viewer = ADMIN) -> Response:
    return _users_page(platform, viewer)


@router.post("/admin/users")
def create_user(platform: PlatformDep, form: PostedForm, viewer: Viewer = ADMIN) -> Response:
    values = _values(form, "name", "role", "department_id", "username")
    password = form.get("password")
    try:
        account, token = reference.create_user(
            platform,
            viewer.caller,
            name=values["name"],
            role=values["role"],
            department_id=values["department_id"] or None,
            username=values["username"] or None,
            password=password if isinstance(password, str) and values["username"] else None,
        )
    except DomainError as error:
        return _users_page(
            platform, viewer, status=error.status, values=values, error=error.message
        )
    # The token is shown on this response only; it is stored as a hash.
    return _users_page(platform, viewer, status=201, token=token, made=account.user)


def _user_page(
    platform: PlatformDep, viewer: Viewer, user_id: int, *, status: int = 200, **context: object
) -> Response:
    account = reference.get_user(platform, viewer.caller, user_id)
    tokens = accounts.tokens_of(platform, viewer.caller, user_id)
    return page(
        viewer,
        "admin/user.html",
        status=status,
        user=account.user,
        tokens=tokens,
        now=platform.now(),
        **{"error": "", "notice": "", "token": "", **context},
    )


@router.get("/admin/users/{user_id}")
def user(user_id: int, platform: PlatformDep, viewer: Viewer = ADMIN) -> Response:
    return _user_page(platform, viewer, user_id)


@router.post("/admin/users/{user_id}/login")
def set_login(
    user_id: int, platform: PlatformDep, form: PostedForm, viewer: Viewer = ADMIN
) -> Response:
    password = form.get("password")
    try:
        accounts.set_login(
            platform,
            viewer.caller,
            user_id,
            username=form_text(form, "username"),
            password=password if isinstance(password, str) else "",
        )
    except DomainError as error:
        return _user_page(platform, viewer, user_id, status=error.status, error=error.message)
    return _user_page(platform, viewer, user_id, notice="已设置用户名和新密码，账户已解除锁定。")


@router.post("/admin/users/{user_id}/active")
def set_active(
    user_id: int, platform: PlatformDep, form: PostedForm, viewer: Viewer = ADMIN
) -> Response:
    active = form_text(form, "active") == "1"
    try:
        accounts.set_active(platform, viewer.caller, user_id, active=active)
    except DomainError as error:
        return _user_page(platform, viewer, user_id, status=error.status, error=error.message)
    return _user_page(
        platform, viewer, user_id, notice="已启用。" if active else "已停用，其登录已结束。"
    )


@router.post("/admin/users/{user_id}/tokens")
def issue_token(
    user_id: int, platform: PlatformDep, form: PostedForm, viewer: Viewer = ADMIN
) -> Response:
    try:
        token = reference.issue_token(platform, viewer.caller, user_id)
    except DomainError as error:
        return _user_page(platform, viewer, user_id, status=error.status, error=error.message)
    return _user_page(platform, viewer, user_id, status=201, token=token)


@router.post("/admin/tokens/{token_id}/revoke")
def revoke_token(
    token_id: int, platform: PlatformDep, form: PostedForm, viewer: Viewer = ADMIN
) -> Response:
    revoked = accounts.revoke_token(platform, viewer.caller, token_id)
    return _user_page(platform, viewer, revoked.user_id, notice=f"令牌 {revoked.prefix}… 已吊销。")


# -- catalog -------------------------------------------------------------------------------

RESOURCE_FIELDS = (
    "id", "name", "provider_id", "share_type", "open_type", "legal_basis",
    "conditions", "fields", "update_cycle", "status", "delivery_method",
)  # fmt: skip


def _catalog_page(
    platform: PlatformDep, viewer: Viewer, *, status: int = 200, **context: object
) -> Response:
    resources = catalog.list_resources(platform, viewer.caller, limit=1000).items
    unapproved = catalog.list_unapproved_not_shared(platform, viewer.caller, limit=1000).items
    return page(
        viewer,
        "admin/catalog.html",
        status=status,
        resources=resources,
        unapproved=unapproved,
        **_departments(platform, viewer),
        share_types=SHARE_TYPES,
        open_types=OPEN_TYPES,
        statuses=STATUSES,
        delivery_methods=DELIVERY_METHODS,
        **{"values": {}, "error": "", "notice": "", "report": None, **context},
    )


@router.get("/admin/catalog")
def catalog_admin(platform: PlatformDep, viewer: Viewer = ADMIN) -> Response:
    return _catalog_page(platform, viewer)


@router.post("/admin/catalog")
def save_resource(platform: PlatformDep, form: PostedForm, viewer: Viewer = ADMIN) -> Response:
    """Create a resource, or change the one with this id (its version goes up)."""
    values = _values(form, *RESOURCE_FIELDS)
    changes = {k: v for k, v in values.items() if k == "id" or v}
    try:
        existing = {r.id for r in catalog.list_resources(platform, viewer.caller, limit=1000).items}
        if values["id"] in existing:
            changes.pop("id")
            catalog.update_resource(platform, viewer.caller, values["id"], changes)
            notice = f"目录资源“{values['id']}”已更新。"
        else:
            catalog.create_resource(platform, viewer.caller, changes)
            notice = f"目录资源“{values['id']}”已新增。"
    except DomainError as error:
        return _catalog_page(
            platform, viewer, status=error.status, values=values, error=error.message
        )
    return _catalog_page(platform, viewer, notice=notice)


@router.post("/admin/catalog/import")
async def import_catalog(
    platform: PlatformDep, form: PostedForm, viewer: Viewer = ADMIN
) -> Response:
    return await _upload(
        platform,
        form,
        "目录 CSV 文件",
        lambda text: platform.blocking(
            lambda: catalog.import_catalog_csv(platform, viewer.caller, text)
        ),
        lambda **shown: _catalog_page(platform, viewer, **shown),
        lambda report: {"report": report},
    )


# -- rulesets and calendars ------------------------------------------------------------------


def _rulesets_page(
    platform: PlatformDep, viewer: Viewer, *, status: int = 200, **context: object
) -> Response:
    found = rulesets.list_rulesets(platform, viewer.caller)
    return page(
        viewer,
        "admin/rulesets.html",
        status=status,
        rulesets=found,
        **{"error": "", "notice": "", **context},
    )


@router.get("/admin/rulesets")
def rulesets_admin(platform: PlatformDep, viewer: Viewer = ADMIN) -> Response:
    return _rulesets_page(platform, viewer)


@router.post("/admin/rulesets")
async def upload_ruleset(
    platform: PlatformDep, form: PostedForm, viewer: Viewer = ADMIN
) -> Response:
    return await _upload(
        platform,
        form,
        "规则集文件",
        lambda text: platform.blocking(
            lambda: rulesets.upload_ruleset(platform, viewer.caller, text)
        ),
        lambda **shown: _rulesets_page(platform, viewer, **shown),
        lambda saved: {
            "notice": f"规则集“{saved[0].id}”已{'替换' if saved[1] else '上传'}并生效。"
        },
    )


def _calendars_page(
    platform: PlatformDep, viewer: Viewer, *, status: int = 200, **context: object
) -> Response:
    years = calendars.list_years(platform, viewer.caller)
    return page(
        viewer,
        "admin/calendars.html",
        status=status,
        years=years,
        **{"error": "", "notice": "", "preview": None, **context},
    )


@router.get("/admin/calendars")
def calendars_admin(platform: PlatformDep, viewer: Viewer = ADMIN) -> Response:
    return _calendars_page(platform, viewer)


@router.post("/admin/calendars")
async def upload_calendar(
    platform: PlatformDep, form: PostedForm, viewer: Viewer = ADMIN
) -> Response:
    if form_text(form, "dry_run"):
        return await _upload(
            platform,
            form,
            "年度日历文件",
            lambda text: calendars.preview_year(platform, viewer.caller, text),
            lambda **shown: _calendars_page(platform, viewer, **shown),
            lambda preview: {"preview": preview},
        )
    return await _upload(
        platform,
        form,
        "年度日历文件",
        lambda text: calendars.upload_year(platform, viewer.caller, text),
        lambda **shown: _calendars_page(platform, viewer, **shown),
        lambda saved: {
            "notice": f"{saved.year}年日历已{'替换' if saved.replaced else '上传'}，"
            f"{saved.replanned_cases}件在办案件已重新计算期限。"
        },
    )


async def _upload(
    platform: PlatformDep,
    form: FormData,
    what: str,
    save: Callable[[str], Awaitable[T]],
    show: Callable[..., Response],
    said: Callable[[T], dict[str, object]],
) -> Response:
    """An uploaded file saved by `save`; the page shows what was done, or why not."""
    try:
        saved = await save(await _file_text(form, what))
    except DomainError as error:
        status, message = error.status, error.message
        return await platform.blocking(lambda: show(status=status, error=message))
    return await platform.blocking(lambda: show(**said(saved)))


# -- operations ------------------------------------------------------------------------------


async def _operations_page(
    platform: PlatformDep, viewer: Viewer, *, status: int = 200, **context: object
) -> Response:
    report = await stuck.stuck_cases(platform, viewer.caller)
    voided = await platform.blocking(lambda: register.voided_numbers(platform, viewer.caller))
    return page(
        viewer,
        "admin/operations.html",
        status=status,
        report=report,
        voided=voided,
        **{"error": "", "notice": "", **context},
    )


@router.get("/admin/operations")
async def operations(platform: PlatformDep, viewer: Viewer = ADMIN) -> Response:
    """Cases that cannot go on by themselves, and voided case numbers."""
    return await _operations_page(platform, viewer)


@router.post("/admin/operations/retry")
async def retry_case(platform: PlatformDep, form: PostedForm, viewer: Viewer = ADMIN) -> Response:
    case_id = form_text(form, "case_id")
    try:
        await stuck.retry(platform, viewer.caller, case_id, "运维人员在工作台重试")
    except DomainError as error:
        return await _operations_page(platform, viewer, status=error.status, error=error.message)
    number = case_id.rsplit("/", 1)[-1]
    return await _operations_page(platform, viewer, notice=f"已重试案件 {number} 的失败步骤。")
