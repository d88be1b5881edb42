"""What every request and response goes through before and after its route: the text rule on
the path and the query string, the body size limit, and the security headers.

- The path and every query parameter must be UTF-8 and pass service/text.py's rule for a
  single line (no NUL, no control or bidirectional characters): 422 otherwise, naming the
  parameter. Paths and filters are identifiers and codes; nothing legitimate is refused.
- A request body may not exceed the limit its route declares (the uploads) or, for every other
  route, `Settings.max_json_bytes`: 413 with a Chinese message, before the body is read when
  Content-Length says so, else as soon as the count passes the limit.
- Every response says `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer` and,
  unless the route said otherwise, `Cache-Control: no-store` (answers carry tokens and case
  data); HTML answers carry a Content-Security-Policy.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote_to_bytes

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import HttpMiddleware, error_response
from api.schemas import MAX_BODY
from service.text import TextRefused, check_text

# Our own pages: inline styles, nothing from elsewhere, never framed (the OpenAPI pages set
# their own, as local: api/docs.py).
HTML_POLICY = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class RequestTooLarge(HTTPException):
    """Raised from `receive`: FastAPI passes an HTTPException through its body parsing."""

    code = "request_too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"请求体过大：不能超过{_size(limit)}。")


def _size(limit: int) -> str:
    for unit, name in ((1024 * 1024, "MB"), (1024, "KB")):
        if limit >= unit and limit % unit == 0:
            return f" {limit // unit} {name}"
    return f" {limit} 字节"


class RequestText(HttpMiddleware):
    """Refuses a path or query string that is not UTF-8 or breaks the single-line text rule."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        problem = _request_line_problem(scope)
        if problem is not None:
            await error_response(422, "invalid_request", problem)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _request_line_problem(scope: Scope) -> str | None:
    raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogatepass")
    try:
        path = unquote_to_bytes(raw_path.split(b"?", 1)[0]).decode("utf-8")
        check_text(path, multiline=False)
    except UnicodeDecodeError:
        return "请求路径不是有效的 UTF-8 文字。"
    except TextRefused as refused:
        return f"请求路径：{refused}。"
    query: bytes = scope.get("query_string", b"")
    try:
        if not query.isascii():
            raise UnicodeDecodeError("ascii", query, 0, len(query), "not percent-encoded")
        pairs = parse_qsl(query.decode(), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        return "查询参数不是有效的 UTF-8 文字（非 ASCII 字符须经百分号编码）。"
    for name, value in pairs:
        # The name first: once it passes, it can be quoted in the message about its value.
        for what, text in (("查询参数名", name), (f"查询参数 {name}", value)):
            try:
                check_text(text, multiline=False)
            except TextRefused as refused:
                return f"请求内容无效：{what}：{refused}。"
    return None


class BodyLimit(HttpMiddleware):
    """At most the route's declared limit (`api.schemas.body_limit`), or `default`, bytes of
    request body. Checked when the route first reads its body: the route is known then."""

    def __init__(self, app: ASGIApp, *, default: int) -> None:
        super().__init__(app)
        self.default = default

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit: int | None = None
        received = 0

        async def counted() -> Message:
            nonlocal limit, received
            if limit is None:
                extra = getattr(scope.get("route"), "openapi_extra", None) or {}
                limit = int(extra.get(MAX_BODY, self.default))
                declared = _content_length(scope)
                if declared is not None and declared > limit:
                    raise RequestTooLarge(limit)
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise RequestTooLarge(limit)
            return message

        await self.app(scope, counted, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


class SecurityHeaders(HttpMiddleware):
    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
                headers.setdefault("Cache-Control", "no-store")
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", HTML_POLICY)
            await send(message)

        await self.app(scope, receive, with_headers)
