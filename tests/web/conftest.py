"""Fixtures for the workbench: demo users with passwords, a browser-like HTTP client (cookies,
forms, CSRF tokens read from the page), a live server for Chromium, and Chromium itself.

Browser tests are marked `browser` and skip, saying why, where /usr/bin/chromium is absent;
.ci/run installs it and fails if they were skipped.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from models import User
from service.accounts import hash_password
from shixian.demo import DemoWorld
from shixian.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="chromium: /usr/bin/chromium is not installed (apt-get install chromium); "
    ".ci/run installs it",
)


def password_of(key: str) -> str:
    return f"{key}-Passw0rd"


@cache
def _hash(password: str) -> str:
    # argon2 is slow on purpose: hash each test password once per run.
    return hash_password(password)


def give_passwords(session: Session, *keys: str) -> None:
    """Demo users `keys` log in with `password_of(key)`."""
    for key in keys:
        user = session.exec(select(User).where(User.username == key)).one()
        user.password_hash = _hash(password_of(key))
        session.add(user)
    session.commit()


@pytest.fixture
def logins(session: Session, world: DemoWorld) -> Callable[..., None]:
    return lambda *keys: give_passwords(session, *keys)


# -- a browser-like client over HTTP, without a browser ----------------------------------------

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class ManualClock:
    now: datetime = field(
        default_factory=lambda: datetime.fromisoformat("2026-11-23T09:00:00+08:00")
    )

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


async def _no_temporal() -> Any:
    raise AssertionError("these pages never call Temporal")


@dataclass
class Browser:
    """httpx with cookies, as a browser would keep them; forms carry the page's CSRF token."""

    client: httpx.AsyncClient

    async def page(self, path: str) -> httpx.Response:
        return await self.client.get(path)

    async def token(self, path: str) -> str:
        response = await self.client.get(path)
        found = CSRF.search(response.text)
        assert found, f"no CSRF token on {path}: {response.status_code} {response.text[:300]}"
        return found.group(1)

    async def submit(self, path: str, data: dict[str, str], *, form_page: str) -> httpx.Response:
        token = await self.token(form_page)
        return await self.client.post(path, data={**data, "csrf_token": token})

    async def act(self, case_page: str, action: str, data: dict[str, str]) -> httpx.Response:
        """An action sent from the case's page, as its form sends it."""
        return await self.submit(f"{case_page}/actions/{action}", data, form_page=case_page)

    async def log_in(
        self, username: str, password: str, *, then: str | None = None, form_page: str = "/login"
    ) -> httpx.Response:
        """Log in from `form_page`, asking to go on to `then` after."""
        data = {"username": username, "password": password}
        if then is not None:
            data["next"] = then
        return await self.submit("/login", data, form_page=form_page)


@pytest.fixture
def manual_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def staff(
    api: httpx.AsyncClient, settings: Settings, env: Any, clock: Any
) -> AsyncIterator[Browser]:
    """A browser-like client on an app with Temporal, beside the `api` client."""
    from api.app import create_app

    async def temporal() -> Any:
        return env.client

    app = create_app(settings, temporal=temporal, clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://shixian.test") as client:
        yield Browser(client)


@pytest.fixture
async def browser(
    settings: Settings, world: DemoWorld, manual_clock: ManualClock
) -> AsyncIterator[Browser]:
    from api.app import create_app

    app = create_app(settings, temporal=_no_temporal, clock=manual_clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://shixian.test") as client:
            yield Browser(client)


# -- a live server and Chromium --------------------------------------------------------------


@pytest.fixture
async def chromium() -> AsyncIterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("chromium: /usr/bin/chromium is not installed (apt-get install chromium)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


def screenshots() -> Path | None:
    """Where `make screenshots` wants the pages saved (SHIXIAN_SCREENSHOTS), or None."""
    import os

    folder = os.environ.get("SHIXIAN_SCREENSHOTS")
    if not folder:
        return None
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def shoot() -> Callable[[Any, str], Any]:
    """`await shoot(page, "name")` saves a full-page screenshot when screenshots are asked for."""
    folder = screenshots()

    async def take(page: Any, name: str) -> None:
        if folder is not None:
            await page.screenshot(path=str(folder / f"{name}.png"), full_page=True)

    return take
