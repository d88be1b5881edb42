"""Schemathesis against the OpenAPI (issue 16 item 6): no input answers 500.

Every operation the OpenAPI describes gets requests generated from its schema, valid ones and
ones that break it (negative mode: wrong types, out-of-range numbers, missing fields, odd
strings, NUL bytes), as an administrator and as a caseworker, in-process through the ASGI app
with a real worker behind it. The number of examples is bounded and the seed fixed, so a run
is the same run every time; it must find no server error, and every error must be the
`{code, message}` the API promises.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode

from tests.conftest import auth

SEED = 20261123
EXAMPLES = 6  # per operation, generation mode and caller: about 900 requests
CALLERS = ("admin", "hubei-provider")
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


def request_of(case: Any, key: str) -> dict[str, Any] | None:
    """The case as httpx arguments, or None if no HTTP client could send it."""
    sent = case.as_transport_kwargs(base_url="http://shixian")
    headers = {
        name: value
        for name, value in sent.get("headers", {}).items()
        if name.lower() not in ("connection", "accept-encoding", "authorization")
    }
    request: dict[str, Any] = {
        "method": sent["method"],
        "url": sent["url"],
        "params": sent.get("params"),
        "headers": {**headers, **auth(key)},
    }
    if "json" in sent:
        request["json"] = sent["json"]
    if "files" in sent:
        request["files"] = sent["files"]
        request["data"] = sent.get("data")
    elif isinstance(sent.get("data"), dict):
        request["data"] = sent["data"]
    elif "data" in sent:
        request["content"] = sent["data"]
    try:
        httpx.Request(**request).read()  # a multipart body is encoded only when read
    except (httpx.HTTPError, UnicodeError, TypeError, ValueError, AttributeError):
        return None  # what no client can encode never reaches a server
    return request


# One test per generation mode and caller, each on every operation: the four are independent
# (each its own app and worker), so that they can run side by side on the suite's workers.
@pytest.mark.parametrize("key", CALLERS)
@pytest.mark.parametrize("mode", MODES, ids=lambda mode: mode.value)
async def test_fuzzing_every_operation_finds_no_server_error(api, mode, key):
    spec = (await api.get("/openapi.json")).json()
    schema = schemathesis.openapi.from_dict(spec)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    loop = asyncio.get_running_loop()
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    unsendable = 0

    def send(request: dict[str, Any]) -> httpx.Response:
        # The worker runs on this test's event loop: requests go back to it.
        return asyncio.run_coroutine_threadsafe(api.request(**request), loop).result(120)

    def fuzz(operation: Any, mode: GenerationMode, key: str) -> None:
        @seed(SEED)
        @settings(
            max_examples=EXAMPLES,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case: Any) -> None:
            nonlocal unsendable
            request = request_of(case, key)
            if request is None:
                unsendable += 1
                return
            response = send(request)
            statuses[response.status_code] += 1
            where = f"{operation.label} as {key}: {request['method']} {request['url']}"
            if response.status_code >= 500:
                failures.append(f"{where} -> {response.status_code} {response.text[:300]}")
            elif response.status_code >= 400 and "json" in response.headers["content-type"]:
                error = response.json()
                if not (isinstance(error, dict) and {"code", "message"} <= set(error)):
                    failures.append(f"{where} -> {response.status_code} {response.text[:300]}")

        try:
            run()
        except Unsatisfiable:
            pass  # nothing in the operation can be made invalid (no parameters, no body)

    def everything() -> None:
        for operation in operations:
            fuzz(operation, mode, key)

    await asyncio.to_thread(everything)
    sent = sum(statuses.values())
    summary = f"{len(operations)} operations, {sent} requests, {unsendable} not sendable"
    print(f"\nschemathesis: {summary}; statuses {dict(sorted(statuses.items()))}")  # noqa: T201
    assert sent > len(operations)
    assert not failures, "\n".join(failures[:20])
