"""The entry: `/`, logging in and out, the public's registration, changing one's password."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from service import accounts, sessions
from service.errors import DomainError
from web.rendering import page
from web.routing import web_router
from web.session import (
    SESSION_COOKIE,
    AnonymousForm,
    OptionalViewerDep,
    PlatformDep,
    PostedForm,
    Viewer,
    ViewerDep,
    anonymous_token,
    clear_session_cookie,
    form_text,
    set_anonymous_token,
    set_session_cookie,
)
from workflows.common import Role

router = web_router()

HOME = {
    Role.CASEWORKER: "/todo",
    Role.SUPERVISOR: "/todo",
    Role.AUDITOR: "/audit",
    Role.ADMIN: "/admin",
    Role.PUBLIC: "/mine",
}


def home_of(viewer: Viewer) -> str:
    return HOME[viewer.role]


def safe_next(target: str) -> str | None:
    """Only a path of this site: never another host (//evil.example) after logging in."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def _anonymous_page(
    request: Request, platform: PlatformDep, template: str, status: int, **context: object
) -> Response:
    """A page for a visitor not logged in, with the CSRF token its form posts back; the form
    shows no error and an empty username unless `context` gives them."""
    token = anonymous_token(request)
    shown = {"error": "", "username": "", **context}
    response = page(None, template, status=status, csrf=token, **shown)
    set_anonymous_token(response, token, platform.settings)
    return response


def _login_page(
    request: Request, platform: PlatformDep, *, status: int = 200, **context: object
) -> Response:
    return _anonymous_page(
        request,
        platform,
        "login.html",
        status,
        next=request.query_params.get("next", ""),
        expired=request.query_params.get("expired") == "1",
        registration=platform.settings.public_registration,
        **context,
    )


@router.get("/")
def entry(request: Request, platform: PlatformDep, viewer: OptionalViewerDep) -> Response:
    if viewer is None:
        return _login_page(request, platform)
    return RedirectResponse(home_of(viewer), status_code=303)


@router.get("/login")
def login_form(request: Request, platform: PlatformDep, viewer: OptionalViewerDep) -> Response:
    if viewer is not None:
        return RedirectResponse(home_of(viewer), status_code=303)
    return _login_page(request, platform)


@router.post("/login")
def log_in(request: Request, platform: PlatformDep, form: AnonymousForm) -> Response:
    username, password = form_text(form, "username"), form.get("password")
    try:
        caller = accounts.log_in(platform, username, password if isinstance(password, str) else "")
    except DomainError as error:
        return _login_page(
            request, platform, status=error.status, error=error.message, username=username
        )
    sessions.close_expired(platform)
    login = sessions.open_session(platform, caller)
    target = safe_next(form_text(form, "next")) or HOME[caller.role]
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, login.token, platform.settings)
    return response


@router.post("/logout")
def log_out(request: Request, platform: PlatformDep, form: PostedForm) -> Response:
    sessions.close_session(platform, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response, platform.settings)
    return response


def _register_page(
    request: Request, platform: PlatformDep, *, status: int = 200, **context: object
) -> Response:
    return _anonymous_page(request, platform, "register.html", status, **{"name": "", **context})


@router.get("/register")
def register_form(request: Request, platform: PlatformDep) -> Response:
    if not platform.settings.public_registration:
        return page(
            None, "error.html", status=403, status_code=403, message="本平台未开放社会公众注册。"
        )
    return _register_page(request, platform)


@router.post("/register")
def register(request: Request, platform: PlatformDep, form: AnonymousForm) -> Response:
    username, name = form_text(form, "username"), form_text(form, "name")
    password, again = form.get("password"), form.get("password_again")
    if password != again:
        return _register_page(
            request,
            platform,
            status=422,
            error="两次输入的密码不一致。",
            username=username,
            name=name,
        )
    try:
        accounts.register_public(
            platform,
            username=username,
            password=password if isinstance(password, str) else "",
            name=name,
        )
        caller = accounts.log_in(platform, username, password if isinstance(password, str) else "")
    except DomainError as error:
        return _register_page(
            request,
            platform,
            status=error.status,
            error=error.message,
            username=username,
            name=name,
        )
    login = sessions.open_session(platform, caller)
    response = RedirectResponse(HOME[Role.PUBLIC], status_code=303)
    set_session_cookie(response, login.token, platform.settings)
    return response


@router.get("/account/password")
def password_form(viewer: ViewerDep) -> Response:
    return page(viewer, "password.html", error="", done=False)


@router.post("/account/password")
def change_password(platform: PlatformDep, viewer: ViewerDep, form: PostedForm) -> Response:
    current, new, again = (form.get(name) for name in ("current", "new", "again"))
    if new != again:
        return page(
            viewer, "password.html", status=422, error="两次输入的新密码不一致。", done=False
        )
    try:
        accounts.change_own_password(
            platform,
            viewer.caller,
            current if isinstance(current, str) else "",
            new if isinstance(new, str) else "",
        )
    except DomainError as error:
        return page(viewer, "password.html", status=error.status, error=error.message, done=False)
    return page(viewer, "password.html", error="", done=True)
