"""The HTTP answer of every domain error, in one place: `{"code", "message"}` with the status
the error carries (401, 403, 404, 409, 411, 413, 422, 503). Messages are Chinese because
users read them; codes are stable English for programs. An action that got no answer in time
(503) also says whether it was `recorded`.

Anything else that escapes a route (a bug) is answered here too, as a JSON 500 with a Chinese
message, and logged with its traceback; the connection stays open for the client's next
request (Starlette's own handler re-raises, and the server then drops the connection).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from temporalio.service import RPCError

from service.errors import (
    DATABASE_DOWN,
    DomainError,
    database_unavailable,
    describe_problems,
    from_rpc,
    model_in,
)

log = logging.getLogger(__name__)

HTTP_MESSAGES = {
    400: "请求无法解析：请求体应为 UTF-8 编码的 JSON。",
    404: "资源不存在。",
    405: "不支持该请求方法。",
}
INTERNAL = "服务器内部错误，本次请求未完成；请稍后重试，如仍出现请联系运维人员。"


def error_response(
    status: int, code: str, message: str, recorded: bool | None = None
) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    # A message that quotes what the client sent must still encode, whatever was sent.
    safe = message.encode("utf-8", "replace").decode("utf-8")
    content: dict[str, object] = {"code": code, "message": safe}
    if recorded is not None:
        content["recorded"] = recorded
    return JSONResponse(content, status_code=status, headers=headers)


def body_model(request: Request) -> type[BaseModel] | None:
    """The model of the matched route's JSON body, whose field titles name fields in Chinese."""
    dependant = getattr(request.scope.get("route"), "dependant", None)
    for parameter in getattr(dependant, "body_params", []):
        found = model_in(parameter.field_info.annotation)
        if found is not None:
            return found
    return None


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, error: DomainError) -> JSONResponse:
        response = error_response(error.status, error.code, error.message, error.recorded)
        if error.replayed:
            response.headers["Idempotent-Replayed"] = "true"
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> JSONResponse:
        return error_response(
            422, "invalid_request", describe_problems(error.errors(), body_model(request))
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, error: StarletteHTTPException) -> JSONResponse:
        return error_response(
            error.status_code,
            getattr(error, "code", f"http_{error.status_code}"),
            HTTP_MESSAGES.get(error.status_code, str(error.detail)),
        )

    @app.exception_handler(RPCError)
    async def _rpc(_: Request, error: RPCError) -> JSONResponse:
        # The use cases translate Temporal's errors; this is the net under them.
        domain = from_rpc(error)
        return error_response(domain.status, domain.code, domain.message)

    for unreachable in DATABASE_DOWN:

        @app.exception_handler(unreachable)
        async def _database(_: Request, error: Exception) -> JSONResponse:
            # A database that does not answer is no defect of the request: 503, not 500.
            log.warning("database unavailable: %s", str(error).splitlines()[0][:200])
            domain = database_unavailable()
            return error_response(domain.status, domain.code, domain.message)


class HttpMiddleware:
    """A pure ASGI middleware that acts on HTTP requests only: anything else (the lifespan)
    goes straight through to the app. Here rather than in api/guard.py, which imports this
    module, so that `LastResort` can be one too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.http(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class LastResort(HttpMiddleware):
    """Answers an unexpected exception with a JSON 500 and does not re-raise it."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            log.exception("unexpected error in %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise  # half an answer is out: only closing the connection tells the client
            response: Any = error_response(500, "internal_error", INTERNAL)
            await response(scope, receive, send)
