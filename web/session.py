"""Who is looking at a page: the session cookie, the CSRF check of every form, and the
dependencies that ask for a login or a role.

Cookies: `shixian_session` (HttpOnly, SameSite=Lax, Secure behind TLS) carries the login;
forms of a login send its CSRF token back as `csrf_token`. Forms shown before a login (log in,
register) are checked against a random `shixian_csrf` cookie instead (double submit).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from service import inbox, sessions
from service.access import Caller
from service.errors import Forbidden
from service.platform import Platform
from shixian.settings import Settings
from workflows.common import Role

SESSION_COOKIE = "shixian_session"
CSRF_COOKIE = "shixian_csrf"
CSRF_FIELD = "csrf_token"
# Roles with an inbox of their own (auditors read every notice on the case pages instead).
INBOX_ROLES = frozenset({Role.CASEWORKER, Role.SUPERVISOR, Role.PUBLIC})


@dataclass(frozen=True)
class Viewer:
    caller: Caller
    csrf_token: str
    unread: int | None  # None: no inbox

    @property
    def role(self) -> Role:
        return self.caller.role

    @property
    def name(self) -> str:
        return self.caller.user.name


class LoginRequired(Exception):
    """No live login: the page answers with the login form (after a redirect)."""

    def __init__(self, path: str, expired: bool) -> None:
        super().__init__(path)
        self.path = path
        self.expired = expired

    def location(self) -> str:
        return f"/login?next={quote(self.path, safe='/')}" + ("&expired=1" if self.expired else "")


class CsrfRefused(Exception):
    """A form came without the token of the page that showed it."""


def get_platform(request: Request) -> Platform:
    return request.app.state.platform  # type: ignore[no-any-return]


PlatformDep = Annotated[Platform, Depends(get_platform)]


def optional_viewer(request: Request, platform: PlatformDep) -> Viewer | None:
    """Runs in a worker thread (a plain function): the session lookup touches the database."""
    found = sessions.current(platform, request.cookies.get(SESSION_COOKIE))
    if found is None:
        return None
    unread = (
        inbox.unread_count(platform, found.caller) if found.caller.role in INBOX_ROLES else None
    )
    shown = Viewer(found.caller, found.csrf_token, unread)
    request.state.viewer = shown  # for an error page of the same request
    return shown


def viewer(request: Request, found: Annotated[Viewer | None, Depends(optional_viewer)]) -> Viewer:
    if found is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        expired = SESSION_COOKIE in request.cookies
        raise LoginRequired(path if request.method == "GET" else "/", expired)
    return found


ViewerDep = Annotated[Viewer, Depends(viewer)]
OptionalViewerDep = Annotated[Viewer | None, Depends(optional_viewer)]


def allow(*roles: Role) -> Any:
    """A dependency: the viewer, if their role is one of `roles`."""

    def check(found: ViewerDep) -> Viewer:
        if found.role not in roles:
            raise Forbidden("您的角色无权使用此页面。", "role_not_allowed")
        return found

    return Depends(check)


async def posted_form(request: Request, found: ViewerDep) -> FormData:
    """The form of a POST, once its CSRF token is the session's."""
    form = await request.form()
    given = form.get(CSRF_FIELD)
    if not sessions.csrf_matches(found.csrf_token, given if isinstance(given, str) else None):
        raise CsrfRefused()
    return form


async def anonymous_form(request: Request) -> FormData:
    """The form of a POST made before logging in, checked against the CSRF cookie."""
    form = await request.form()
    given = form.get(CSRF_FIELD)
    expected = request.cookies.get(CSRF_COOKIE)
    if not expected or not sessions.csrf_matches(
        expected, given if isinstance(given, str) else None
    ):
        raise CsrfRefused()
    return form


PostedForm = Annotated[FormData, Depends(posted_form)]
AnonymousForm = Annotated[FormData, Depends(anonymous_form)]


def anonymous_token(request: Request) -> str:
    """The CSRF cookie's value, or a new one (set it with `set_anonymous_token`)."""
    return request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)


def set_anonymous_token(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        CSRF_COOKIE, token, httponly=True, samesite="lax", secure=settings.behind_tls, path="/"
    )


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    """No Max-Age: the cookie ends with the browser, the session on the server's terms."""
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="lax", secure=settings.behind_tls, path="/"
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE, httponly=True, samesite="lax", secure=settings.behind_tls, path="/"
    )


def form_text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""
