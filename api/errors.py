"""The HTTP answer of every domain error, in one place: `{"code", "message"}` with the status
the error carries (401, 403, 404, 409, 411, 413, 422, 503). Messages are Chinese because
users read them; codes are stable English for programs. An action that got no answer in time
(503) also says whether it was `recorded`."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.service import RPCError

from service.errors import DomainError, describe_problems, from_rpc


def _body(status: int, code: str, message: str, recorded: bool | None = None) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    content: dict[str, object] = {"code": code, "message": message}
    if recorded is not None:
        content["recorded"] = recorded
    return JSONResponse(content, status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, error: DomainError) -> JSONResponse:
        response = _body(error.status, error.code, error.message, error.recorded)
        if error.replayed:
            response.headers["Idempotent-Replayed"] = "true"
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, error: RequestValidationError) -> JSONResponse:
        return _body(422, "invalid_request", describe_problems(error.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, error: StarletteHTTPException) -> JSONResponse:
        messages = {404: "资源不存在。", 405: "不支持该请求方法。"}
        return _body(
            error.status_code,
            f"http_{error.status_code}",
            messages.get(error.status_code, str(error.detail)),
        )

    @app.exception_handler(RPCError)
    async def _rpc(_: Request, error: RPCError) -> JSONResponse:
        # The use cases translate Temporal's errors; this is the net under them.
        domain = from_rpc(error)
        return _body(domain.status, domain.code, domain.message)
