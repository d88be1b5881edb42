"""A database that does not answer: every request that needs it is answered 503
`database_unavailable` in Chinese (a page on the workbench), never 500, and the service answers
again as soon as the database does. The same with PostgreSQL killed: tests/test_faults.py."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import make_url
from temporalio.client import Client

from api.app import create_app
from models.db import engine_for
from tests.conftest import auth
from tests.web.conftest import Browser, ManualClock, give_passwords, password_of


async def _no_temporal() -> Client:
    raise AssertionError("no request here reaches Temporal")


@contextmanager
def unreachable(url: str) -> Iterator[None]:
    """The SQLite file replaced by a directory (no connection can open it), then put back.
    The engine's pooled connections are closed both times, as a restarted server's are."""
    path = Path(str(make_url(url).database))
    away = path.with_name(path.name + ".away")
    engine_for(url).dispose()
    path.rename(away)
    path.mkdir()
    try:
        yield
    finally:
        path.rmdir()
        away.rename(path)
        engine_for(url).dispose()


async def test_a_database_that_does_not_answer_is_503_database_unavailable(
    settings, world, session
):
    give_passwords(session, "hubei-provider")
    app = create_app(settings, temporal=_no_temporal, clock=ManualClock())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://shixian.test") as client:
            browser = Browser(client)
            await browser.log_in("hubei-provider", password_of("hubei-provider"))
            with unreachable(settings.database):
                for path in ("/api/v1/cases", "/api/v1/users/me", "/api/v1/catalog"):
                    down = await client.get(path, headers=auth("hubei-provider"))
                    assert down.status_code == 503, path
                    assert down.json() == {
                        "code": "database_unavailable",
                        "message": "数据库暂不可用，请稍后重试；本次操作未生效。",
                    }
                page = await browser.page("/cases")
                assert page.status_code == 503
                assert "数据库暂不可用" in page.text
                health = await client.get("/healthz")
                assert (health.status_code, health.json()["database"]["ok"]) == (503, False)
            again = await client.get("/api/v1/users/me", headers=auth("hubei-provider"))
            assert again.status_code == 200
            assert (await browser.page("/cases")).status_code == 200
