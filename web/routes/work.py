"""Lists of cases and notices: 待办, 已办, 我的申请, the case list with the API's filters, and
the notices inbox."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from service import cases, inbox, reference, worklist
from service.errors import Invalid
from service.submissions import PROCESSES
from service.views import CaseSummary, Page
from web.rendering import page
from web.routing import web_router
from web.session import PlatformDep, PostedForm, Viewer, ViewerDep, allow
from workflows.common import Role

router = web_router()

STAFF = allow(Role.CASEWORKER, Role.SUPERVISOR)
READERS = allow(Role.CASEWORKER, Role.SUPERVISOR, Role.AUDITOR, Role.PUBLIC)
PAGE_SIZE = 50


def _offset(request: Request) -> int:
    raw = request.query_params.get("offset", "0")
    return int(raw) if raw.isdigit() else 0


def _list_page(
    platform: PlatformDep,
    viewer: Viewer,
    found: Page[CaseSummary],
    *,
    title: str,
    empty: str,
    base: str,
    template: str = "list.html",
    **context: Any,
) -> Response:
    names = reference.department_names(
        platform,
        viewer.caller,
        [i for c in found.items for i in (c.applicant_department_id, c.provider_department_id)],
    )
    return page(
        viewer,
        template,
        title=title,
        found=found,
        names=names,
        horizon=worklist.due_soon_horizon(platform),
        empty=empty,
        base=base,
        **context,
    )


@router.get("/todo")
def todo(request: Request, platform: PlatformDep, viewer: Viewer = STAFF) -> Response:
    found = worklist.waiting_on(platform, viewer.caller, limit=PAGE_SIZE, offset=_offset(request))
    return _list_page(
        platform,
        viewer,
        found,
        title="待办",
        empty="没有等待本部门办理的案件。",
        base="/todo?",
        legend=True,
    )


@router.get("/done")
def done(request: Request, platform: PlatformDep, viewer: Viewer = STAFF) -> Response:
    found = worklist.handled_by(platform, viewer.caller, limit=PAGE_SIZE, offset=_offset(request))
    return _list_page(
        platform, viewer, found, title="已办", empty="本部门尚未办理过案件。", base="/done?"
    )


@router.get("/mine")
def mine(request: Request, platform: PlatformDep, viewer: ViewerDep) -> Response:
    if viewer.role not in (Role.CASEWORKER, Role.SUPERVISOR, Role.PUBLIC):
        return RedirectResponse("/", status_code=303)
    public = viewer.role is Role.PUBLIC
    found = cases.list_cases(
        platform,
        viewer.caller,
        applicant=None if public else viewer.caller.department_id,
        limit=PAGE_SIZE,
        offset=_offset(request),
    )
    return _list_page(
        platform,
        viewer,
        found,
        title="我的异议" if public else "我的申请（本部门提出的）",
        empty="还没有提出过异议。" if public else "本部门还没有提出过申请。",
        base="/mine?",
        new_link="/cases/new/open_data_objection" if public else "/cases/new",
    )


FILTERS = (
    "process",
    "ruleset",
    "stage",
    "status",
    "department",
    "overdue",
    "due_within",
    "received_from",
    "received_to",
)


@router.get("/cases")
def case_list(request: Request, platform: PlatformDep, viewer: Viewer = READERS) -> Response:
    """The API's case list as a page: the same filters, as a form."""
    chosen = {name: request.query_params.get(name, "").strip() for name in FILTERS}
    if chosen["status"] not in ("", "open", "closed"):
        raise Invalid("状态应为 open 或 closed。", "invalid_filter")
    if chosen["due_within"] and not chosen["due_within"].isdigit():
        raise Invalid("到期工作日数应为整数。", "invalid_filter")
    found = cases.list_cases(
        platform,
        viewer.caller,
        process=chosen["process"] or None,
        ruleset=chosen["ruleset"] or None,
        stage=chosen["stage"] or None,
        status=chosen["status"] or None,
        department=chosen["department"] or None,
        overdue={"true": True, "false": False}.get(chosen["overdue"]),
        due_within=int(chosen["due_within"]) if chosen["due_within"] else None,
        received_from=chosen["received_from"] or None,
        received_to=chosen["received_to"] or None,
        limit=PAGE_SIZE,
        offset=_offset(request),
    )
    departments = (
        reference.list_departments(platform, viewer.caller, limit=1000).items
        if viewer.role is not Role.PUBLIC
        else []
    )
    kept = {k: v for k, v in chosen.items() if v}
    return _list_page(
        platform,
        viewer,
        found,
        title="案件列表",
        empty="没有符合条件的案件。",
        base="/cases?" + urlencode(kept) + ("&" if kept else ""),
        template="cases.html",
        chosen=chosen,
        processes=[(name, p.title) for name, p in PROCESSES.items()],
        departments=departments,
    )


# -- notices ---------------------------------------------------------------------------------

INBOX = allow(Role.CASEWORKER, Role.SUPERVISOR, Role.PUBLIC)


@router.get("/notices")
def notices(request: Request, platform: PlatformDep, viewer: Viewer = INBOX) -> Response:
    unread_only = request.query_params.get("unread") == "1"
    found = inbox.inbox(
        platform,
        viewer.caller,
        unread_only=unread_only,
        limit=PAGE_SIZE,
        offset=_offset(request),
    )
    return page(
        viewer,
        "notices.html",
        found=found,
        unread_only=unread_only,
        horizon=worklist.due_soon_horizon(platform),
        now=platform.now(),
        limit=PAGE_SIZE,
        offset=_offset(request),
    )


@router.post("/notices/read")
def mark_read(platform: PlatformDep, form: PostedForm, viewer: Viewer = INBOX) -> Response:
    chosen = form.get("notice_id")
    ids = [int(chosen)] if isinstance(chosen, str) and chosen.isdigit() else None
    inbox.mark_read(platform, viewer.caller, ids)
    back = form.get("back")
    target = back if isinstance(back, str) and back.startswith("/notices") else "/notices"
    return RedirectResponse(target, status_code=303)
