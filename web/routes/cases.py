"""A case's page and what is done from it: its actions, a catalog update's draft, new cases of
every process, evidence files; for auditors and supervisors the printable timeline, the
history download and the replay."""

from __future__ import annotations

import json
import secrets

from fastapi import Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from service import attachments, audit, cases, catalog_updates
from service.errors import DomainError, NotFound, field_problems
from service.submissions import PROCESSES
from service.submissions.catalog_update import DraftEdit
from service.views import ActionBody
from service.worklist import due_soon_horizon
from web.case_page import compose
from web.forms import (
    FormState,
    action_fields,
    field_for,
    missing,
    split_list,
    supplement_items,
)
from web.rendering import page
from web.routing import web_router
from web.session import PlatformDep, PostedForm, Viewer, ViewerDep, form_text
from web.submissions import form_fields, load_choices, request_body

router = web_router()

DRAFT_OPS = (
    ("add", "新增条目"),
    ("change", "变更条目"),
    ("retire", "停用条目"),
    ("discard", "撤回草稿中的变更"),
)


async def _case_page(
    platform: PlatformDep,
    viewer: Viewer,
    number: str,
    *,
    failed: dict[str, FormState] | None = None,
    draft: FormState | None = None,
    status: int = 200,
    done: str = "",
) -> Response:
    case = await cases.view(platform, viewer.caller, number)
    horizon = due_soon_horizon(platform)
    shown = await platform.blocking(lambda: compose(platform, viewer.caller, case, horizon, failed))
    return page(
        viewer,
        "case.html",
        status=status,
        p=shown,
        done=done,
        draft=draft or FormState(),
        draft_ops=DRAFT_OPS,
    )


# -- new cases (before /cases/{number}) ------------------------------------------------------


def _submittable(viewer: Viewer) -> list[tuple[str, str]]:
    return [
        (name, process.title)
        for name, process in PROCESSES.items()
        if viewer.role in process.submitters
    ]


@router.get("/cases/new")
def choose_process(viewer: ViewerDep) -> Response:
    return page(viewer, "new_case.html", processes=_submittable(viewer), process=None)


def _new_case_page(
    platform: PlatformDep, viewer: Viewer, process: str, state: FormState, status: int = 200
) -> Response:
    if process not in dict(_submittable(viewer)):
        raise NotFound("没有此类事项，或您的角色不能提交。", "unknown_process")
    fields = form_fields(process, viewer.caller, load_choices(platform, viewer.caller))
    state.values.setdefault("idempotency_key", secrets.token_urlsafe(16))
    return page(
        viewer,
        "new_case.html",
        status=status,
        processes=_submittable(viewer),
        process=process,
        title=PROCESSES[process].title,
        fields=fields,
        state=state,
    )


@router.get("/cases/new/{process}")
def new_case_form(process: str, platform: PlatformDep, viewer: ViewerDep) -> Response:
    return _new_case_page(platform, viewer, process, FormState())


async def _uploads(platform: PlatformDep, viewer: Viewer, form: FormData) -> list[int]:
    ids = []
    for upload in form.getlist("attachments"):
        if isinstance(upload, UploadFile) and upload.filename:
            stored = await attachments.upload(platform, viewer.caller, upload)
            if stored.id is not None:
                ids.append(stored.id)
    return ids


@router.post("/cases/new/{process}")
async def submit_case(
    process: str, platform: PlatformDep, viewer: ViewerDep, form: PostedForm
) -> Response:
    values = {k: v.strip() for k, v in form.items() if isinstance(v, str)}
    state = FormState(values=values)

    def again(status: int) -> Response:
        return _new_case_page(platform, viewer, process, state, status)

    spec = PROCESSES.get(process)
    if spec is None or viewer.role not in spec.submitters:
        raise NotFound("没有此类事项，或您的角色不能提交。", "unknown_process")
    fields = await platform.blocking(
        lambda: form_fields(process, viewer.caller, load_choices(platform, viewer.caller))
    )
    state.errors = missing([f for f in fields if f.kind != "file"], values)
    files = [u for u in form.getlist("attachments") if isinstance(u, UploadFile) and u.filename]
    if any(f.name == "attachments" and f.required for f in fields) and not files:
        state.errors["attachments"] = "请上传证据材料。"
    if state.errors:
        return await platform.blocking(lambda: again(422))
    try:
        body = request_body(process, values, await _uploads(platform, viewer, form))
        try:
            spec.request.model_validate(body)
        except ValidationError as error:
            state.errors = field_problems(error.errors())
            return await platform.blocking(lambda: again(422))
        case, _ = await cases.submit(platform, viewer.caller, body, values.get("idempotency_key"))
    except DomainError as error:
        state.message, status = error.message, error.status
        return await platform.blocking(lambda: again(status))
    return RedirectResponse(f"/cases/{case.case_number}?done=submitted", status_code=303)


# -- one case ----------------------------------------------------------------------------------


@router.get("/cases/{number}")
async def case_page(
    number: str, request: Request, platform: PlatformDep, viewer: ViewerDep
) -> Response:
    return await _case_page(platform, viewer, number, done=request.query_params.get("done", ""))


@router.post("/cases/{number}/actions/{action}")
async def act(
    number: str, action: str, platform: PlatformDep, viewer: ViewerDep, form: PostedForm
) -> Response:
    case = await cases.view(platform, viewer.caller, number)
    fields = action_fields(case.process, action)
    values = {f.name: form_text(form, f.name) for f in fields}
    state = FormState(values=values, errors=missing(fields, values))
    items, problem = supplement_items(values.get("items", ""))
    if problem:
        state.errors.setdefault("items", problem)
    if not state.errors:
        try:
            body = ActionBody(
                reason=values.get("reason", ""),
                legal_basis=values.get("legal_basis", ""),
                decision=values.get("decision", ""),
                note=values.get("note", ""),
                working_days=int(values.get("working_days") or 0),
                items=items,  # type: ignore[arg-type]  # validated into SupplementItemBody
                attachment_ids=await _uploads(platform, viewer, form),
            )
        except ValidationError as error:
            state.errors = field_problems(error.errors())
            return await _case_page(platform, viewer, number, failed={action: state}, status=422)
        try:
            await cases.act(platform, viewer.caller, case.case_id, action, body)
        except DomainError as error:
            where = field_for(error.message, fields)
            if where is not None and error.status == 422:
                state.errors[where] = error.message
            else:
                state.message = error.message
            return await _case_page(
                platform, viewer, number, failed={action: state}, status=error.status
            )
        return RedirectResponse(f"/cases/{case.case_number}?done={action}", status_code=303)
    return await _case_page(platform, viewer, number, failed={action: state}, status=422)


@router.post("/cases/{number}/draft")
async def edit_draft(
    number: str, platform: PlatformDep, viewer: ViewerDep, form: PostedForm
) -> Response:
    names = (
        "op", "resource_id", "name", "share_type", "open_type", "legal_basis",
        "conditions", "fields", "update_cycle", "reason",
    )  # fmt: skip
    values = {name: form_text(form, name) for name in names}
    state = FormState(values=values)
    edit = {k: v for k, v in values.items() if v}
    if "fields" in edit:
        edit["fields"] = split_list(values["fields"])  # type: ignore[assignment]
    try:
        try:
            change = DraftEdit.model_validate(edit)
        except ValidationError as error:
            state.errors = field_problems(error.errors())
            return await _case_page(
                platform, viewer, number, draft=state, failed={"edit_draft": state}, status=422
            )
        await catalog_updates.edit_draft(platform, viewer.caller, number, change)
    except DomainError as error:
        state.message = error.message
        return await _case_page(
            platform, viewer, number, draft=state, failed={"edit_draft": state}, status=error.status
        )
    return RedirectResponse(f"/cases/{number}?done=edit_draft", status_code=303)


# -- auditing ----------------------------------------------------------------------------------


@router.get("/cases/{number}/timeline")
async def timeline(number: str, platform: PlatformDep, viewer: ViewerDep) -> Response:
    found = await audit.timeline(platform, viewer.caller, number)
    html = audit.render_timeline(found, home=f"/cases/{found.case.case_number}")
    return Response(html, media_type="text/html; charset=utf-8")


@router.get("/cases/{number}/history")
async def history(number: str, platform: PlatformDep, viewer: ViewerDep) -> Response:
    recorded = await audit.history(platform, viewer.caller, number)
    name = number.rsplit("/", 1)[-1]
    return Response(
        json.dumps(recorded, ensure_ascii=False, indent=1),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}-history.json"'},
    )


@router.get("/cases/{number}/replay")
async def replay(number: str, platform: PlatformDep, viewer: ViewerDep) -> Response:
    outcome = await audit.replay_case(platform, viewer.caller, number)
    return page(viewer, "replay.html", number=number, outcome=outcome)


# -- evidence ------------------------------------------------------------------------------------


@router.get("/attachments/{attachment_id}")
def attachment(attachment_id: int, platform: PlatformDep, viewer: ViewerDep) -> Response:
    found, stored = attachments.readable(platform, viewer.caller, attachment_id)
    return FileResponse(stored, media_type=found.content_type, filename=found.name)
