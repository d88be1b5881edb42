"""The workbench's answer to what goes wrong, in one place: no login (to the login page), a
form without its CSRF token (403), a domain error (its status, its Chinese message), a bad
query (422). Each as a page, never as the API's JSON."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute

from service.errors import DATABASE_DOWN, DomainError, database_unavailable, describe_problems
from web.rendering import page
from web.session import CsrfRefused, LoginRequired, clear_session_cookie, get_platform

CSRF_MESSAGE = (
    "表单缺少有效的安全校验码（可能页面已过期或来自其他网站），操作未执行。请刷新页面后重试。"
)


def error_page(request: Request, status: int, message: str) -> Response:
    return page(
        getattr(request.state, "viewer", None),
        "error.html",
        status=status,
        message=message,
        status_code=status,
    )


class WebRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired as missing:
                response = RedirectResponse(missing.location(), status_code=303)
                if missing.expired:
                    clear_session_cookie(response, get_platform(request).settings)
                return response
            except CsrfRefused:
                return error_page(request, 403, CSRF_MESSAGE)
            except DomainError as error:
                return error_page(request, error.status, error.message)
            except DATABASE_DOWN:
                unavailable = database_unavailable()
                return error_page(request, unavailable.status, unavailable.message)
            except RequestValidationError as error:
                return error_page(request, 422, describe_problems(error.errors()))

        return guarded


def web_router() -> APIRouter:
    """A router whose pages answer errors as pages, and stay out of the OpenAPI document."""
    return APIRouter(route_class=WebRoute, include_in_schema=False)
