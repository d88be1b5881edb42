"""The app never takes a database connection on its event loop: every route and use case does
its database work in a worker thread (a synchronous route, `Platform.run`, `Platform.blocking`),
so fifty users waiting on Temporal never hold the loop, and a connection is never held while a
request awaits Temporal (issue 15: the API wedged at 16 users)."""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.pool import Pool
from sqlmodel import Session

from tests.cases import act, submit
from tests.conftest import auth
from tests.web.conftest import Browser, give_passwords, password_of


@pytest.fixture
def on_the_loop() -> Iterator[list[str]]:
    """Where each connection taken on a running event loop's thread was taken from."""
    found: list[str] = []

    def checkout(*_: Any) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # a worker thread
            return
        found.append("".join(traceback.format_stack(limit=14)))

    event.listen(Pool, "checkout", checkout)
    yield found
    event.remove(Pool, "checkout", checkout)


@pytest.fixture
async def staff(
    api: httpx.AsyncClient, settings, env, clock
) -> AsyncIterator[Callable[[str], Awaitable[Browser]]]:
    """Log a demo user in to the workbench, in a browser of its own, on an app with Temporal."""
    from api.app import create_app

    async def temporal() -> Any:
        return env.client

    app = create_app(settings, temporal=temporal, clock=clock)
    async with AsyncExitStack() as browsers:

        async def logged_in(key: str) -> Browser:
            client = await browsers.enter_async_context(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url="http://shixian.test"
                )
            )
            browser = Browser(client)
            await browser.log_in(key, password_of(key))
            return browser

        yield logged_in


async def test_no_route_takes_a_database_connection_on_the_event_loop(
    api: httpx.AsyncClient,
    staff: Callable[[str], Awaitable[Browser]],
    session: Session,
    on_the_loop: list[str],
):
    give_passwords(session, "hubei-applicant", "hubei-provider", "hubei-supervisor")
    session.close()
    on_the_loop.clear()  # the fixtures' own set-up is not the app's
    # The API: submit, read, list, act, the supervisor's views, the audit trail.
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    number, case_id = case["case_number"], case["case_id"]
    for path in (
        f"/api/v1/cases/{case_id}",
        "/api/v1/cases?status=open",
        "/api/v1/cases?overdue=true",
        "/api/v1/dashboard",
        f"/api/v1/cases/{case_id}/history",
        f"/api/v1/cases/{number}/timeline",
        "/api/v1/notices",
        "/healthz",
    ):
        key = "hubei-supervisor" if "dashboard" in path or "/history" in path else "auditor"
        response = await api.get(path, headers=auth(key))
        assert response.status_code == 200, (path, response.text)
    # The workbench: log in, the work lists, a new case through the form, a case page, an
    # action through its form, the supervisor's dashboard.
    applicant = await staff("hubei-applicant")
    for path in ("/todo", "/mine", "/notices", "/cases/new/sharing_application"):
        assert (await applicant.page(path)).status_code == 200, path
    made = await applicant.submit(
        "/cases/new/sharing_application",
        {
            "resource_id": "hubei-hukou",
            "purpose": "核验救助对象户籍信息",
            "scenario": "最低生活保障审核",
            "fields": "姓名",
        },
        form_page="/cases/new/sharing_application",
    )
    assert made.status_code == 303, made.text
    provider = await staff("hubei-provider")
    assert (await provider.page(f"/cases/{number}")).status_code == 200
    approved = await provider.act(f"/cases/{number}", "approve", {"note": "同意"})
    assert approved.status_code == 303, approved.text
    assert (await act(api, "hubei-provider", case, "approve")).status_code == 409
    supervisor = await staff("hubei-supervisor")
    for path in ("/dashboard", "/cases?status=open", f"/cases/{number}/timeline"):
        assert (await supervisor.page(path)).status_code == 200, path
    assert not on_the_loop, "a connection was taken on the event loop:\n" + on_the_loop[0]
