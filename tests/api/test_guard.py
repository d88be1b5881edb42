"""No 500 from any input (issue 16 item 6): integer and date bounds, exact case ids, the body
size limit, security headers, and a JSON 500 that keeps the connection open."""

from __future__ import annotations

import http.client
import json
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import uvicorn

from service.bounds import MAX_INTEGER, MAX_ROW_ID
from shixian.settings import Settings
from tests.cases import done, post_case, submit
from tests.conftest import auth, both_databases

TOO_BIG = MAX_INTEGER + 1
NO_SUCH_ROW = MAX_ROW_ID + 1


async def status(api: httpx.AsyncClient, path: str, key: str = "admin", **kw: Any) -> int:
    return (await api.request(kw.pop("method", "GET"), path, headers=auth(key), **kw)).status_code


@both_databases
async def test_integers_past_the_database_range_are_refused_not_a_server_error(api):
    issued = await api.post(f"/api/v1/users/{NO_SUCH_ROW}/tokens", headers=auth("admin"))
    assert issued.status_code == 422, issued.text
    for path in (
        f"/api/v1/users/{NO_SUCH_ROW}",
        f"/api/v1/users/{TOO_BIG}",
        f"/api/v1/attachments/{NO_SUCH_ROW}",
        f"/api/v1/catalog/versions/{TOO_BIG}",
        "/api/v1/catalog/versions/0",
        f"/api/v1/cases?offset={TOO_BIG}",
        f"/api/v1/notices?offset={TOO_BIG}",
        f"/api/v1/departments?offset={TOO_BIG}",
        f"/api/v1/catalog?offset={-1}",
    ):
        key = "auditor" if "cases" in path or "notices" in path else "admin"
        response = await api.get(path, headers=auth(key))
        assert response.status_code == 422, (path, response.text)
        assert response.json()["code"] == "invalid_request"
    # The largest offset is a valid (empty) page on both databases.
    page = await api.get(f"/api/v1/departments?offset={MAX_INTEGER}", headers=auth("admin"))
    assert (page.status_code, page.json()["items"]) == (200, [])
    assert await status(api, f"/api/v1/users/{MAX_ROW_ID}") == 404
    assert await status(api, f"/api/v1/attachments/{MAX_ROW_ID}") == 404
    assert await status(api, f"/api/v1/catalog/versions/{MAX_ROW_ID}") == 404
    cited = await post_case(
        api,
        "hubei-applicant",
        process="quality_verification",
        resource_id="hubei-hukou",
        description="户籍地址有误",
        attachments=[NO_SUCH_ROW],
    )
    assert cited.status_code == 422
    assert "证据材料（attachments）第1项：应不大于 2147483647" in cited.json()["message"]


@both_databases
async def test_dates_out_of_range_are_refused_and_counting_starts_with_the_calendar(api):
    for path in (
        "/api/v1/reports/statistics?from=0001-01-01&to=9999-12-31",
        "/api/v1/reports/statistics?from=2026-01-01&to=9999-12-31",
        "/api/v1/cases?received_from=0001-01-01T00:00:00",
        "/api/v1/cases?received_to=9999-12-31T23:59:59%2B14:00",
    ):
        response = await api.get(path, headers=auth("auditor"))
        assert response.status_code == 422, (path, response.text)
        assert "应在 2000-01-01 至 2100-12-31 之间" in response.json()["message"]
    report = await api.get(
        "/api/v1/reports/statistics?from=2000-01-01&to=2100-12-31", headers=auth("auditor")
    )
    assert report.status_code == 200

    def update(trigger_date: str) -> dict[str, Any]:
        return {
            "process": "catalog_update",
            "trigger": "law_changed",
            "trigger_date": trigger_date,
            "description": "法规修订",
        }

    for day in ("2017-12-31", "1970-01-01", "0001-01-01"):
        response = await api.post("/api/v1/cases", json=update(day), headers=auth("hubei-provider"))
        assert response.status_code == 422, response.text
        message = response.json()["message"]
        assert "变化之日（trigger_date）：应在 2018-01-01 至 2100-12-31 之间" in message
        assert "工作日历自2018年起收录" in message
    for body in (
        {"resource_id": "hubei-hukou", "valid_until": "9999-12-31"},
        {"process": "service_change", "resource_id": "dongying-hukou", "kind": "stop"},
    ):
        body = {
            "process": "sharing_application",
            "purpose": "核验",
            "scenario": "审核",
            "effective_on": "0001-01-01",
            "description": "停用",
            **body,
        }
        response = await api.post("/api/v1/cases", json=body, headers=auth("hubei-applicant"))
        assert response.status_code == 422, response.text


@both_databases
async def test_a_case_number_is_matched_exactly_never_as_a_pattern(api):
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    case = await done(api, "hubei-provider", case, "approve")
    number = case["case_number"]  # HB419-2026-000001
    exact = await api.get(f"/api/v1/cases/{number}", headers=auth("hubei-applicant"))
    assert exact.status_code == 200
    for pattern in (number[:-1] + "_", number[:-3] + "%25", "%25", "_%25"):
        response = await api.get(f"/api/v1/cases/{pattern}", headers=auth("hubei-applicant"))
        assert (response.status_code, response.json()["code"]) == (404, "case_not_found"), pattern
        for listing in ("notices", "authorizations"):
            found = await api.get(
                f"/api/v1/{listing}",
                params={"case_id": pattern.replace("%25", "%")},
                headers=auth("auditor"),
            )
            assert (found.status_code, found.json()["total"]) == (200, 0), (listing, pattern)
    listed = await api.get(
        "/api/v1/authorizations", params={"case_id": number}, headers=auth("auditor")
    )
    assert listed.json()["total"] == 1


# -- the body size limit ----------------------------------------------------------------------


async def test_a_body_past_the_limit_is_refused_with_413_in_chinese(api):
    big = json.dumps({"process": "sharing_application", "purpose": "长" * (1024 * 1024)})
    response = await api.post(
        "/api/v1/cases",
        content=big,
        headers={**auth("hubei-applicant"), "Content-Type": "application/json"},
    )
    assert (response.status_code, response.json()["code"]) == (413, "request_too_large")
    assert response.json()["message"] == "请求体过大：不能超过 1 MB。"

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it comes
        for _ in range(40):
            yield b" " * 32 * 1024
        yield b"{}"

    streamed = await api.post(
        "/api/v1/departments",
        content=chunks(),
        headers={**auth("admin"), "Content-Type": "application/json"},
    )
    assert (streamed.status_code, streamed.json()["code"]) == (413, "request_too_large")
    ruleset = await api.post(
        "/api/v1/rulesets",
        content=b"#" * (1024 * 1024 + 1),
        headers={**auth("admin"), "Content-Type": "application/yaml"},
    )
    assert (ruleset.status_code, ruleset.json()["code"]) == (413, "request_too_large")


async def test_the_json_limit_is_a_setting(settings: Settings, world):
    from api.app import create_app

    app = create_app(settings.model_copy(update={"max_json_bytes": 200}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://shixian") as client:
            body = {"id": "hubei-health", "name": "湖北省卫生健康委员会", "jurisdiction": "hubei"}
            fits = await client.post("/api/v1/departments", json=body, headers=auth("admin"))
            assert fits.status_code == 201, fits.text
            body = {**body, "id": "hubei-health-2", "name": "长" * 100}
            big = await client.post("/api/v1/departments", json=body, headers=auth("admin"))
            assert (big.status_code, big.json()["message"]) == (
                413,
                "请求体过大：不能超过 200 字节。",
            )


# -- headers ------------------------------------------------------------------------------------


async def test_every_answer_carries_the_security_headers(api):
    created = await api.post(
        "/api/v1/users", json={"name": "新审计员", "role": "auditor"}, headers=auth("admin")
    )
    assert created.status_code == 201 and created.json()["token"]
    unauthenticated = await api.get("/api/v1/cases")
    for response in (created, unauthenticated):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"
        assert "Content-Security-Policy" not in response.headers
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    timeline = await api.get(f"/api/v1/cases/{case['case_id']}/timeline", headers=auth("auditor"))
    assert timeline.headers["content-type"].startswith("text/html")
    policy = timeline.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "script-src" not in policy  # no script of ours, inline or not
    docs = await api.get("/docs")  # its own policy: this server's files only
    assert "default-src 'self'" in docs.headers["Content-Security-Policy"]
    assert "https:" not in docs.headers["Content-Security-Policy"]


# -- the last resort ----------------------------------------------------------------------------


@pytest.fixture
def failing_server(settings: Settings) -> Iterator[int]:
    """The API on a real socket, with one route that fails the way a bug would."""
    from api.app import create_app

    app = create_app(settings)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="critical", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        thread.join(0.05)
    yield port
    server.should_exit = True
    thread.join(10)


def test_an_unexpected_error_answers_json_500_and_keeps_the_connection(failing_server):
    connection = http.client.HTTPConnection("127.0.0.1", failing_server, timeout=10)
    connection.request("GET", "/boom")
    first = connection.getresponse()
    body = json.loads(first.read())
    assert first.status == 500
    assert body == {
        "code": "internal_error",
        "message": "服务器内部错误，本次请求未完成；请稍后重试，如仍出现请联系运维人员。",
    }
    assert first.getheader("X-Content-Type-Options") == "nosniff"
    socket_after_500 = connection.sock
    assert socket_after_500 is not None  # the server did not ask to close
    connection.request("GET", "/api/v1/cases")
    second = connection.getresponse()
    second.read()
    assert second.status == 401
    assert connection.sock is socket_after_500  # the same connection answered
    connection.close()
