"""What every use case works with: settings, the database, Temporal, the rulesets and the
calendar in force, and the platform's clock.

The API builds one `Platform` at start, the command line one per command, the worker's
activities one from the same settings. Tests give it the time-skipping server's client and a
clock that moves with it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from anyio import to_thread
from sqlmodel import Session
from temporalio.client import Client

from calendars import ChinaCalendar, current_calendar
from models.db import engine_for
from regulations import Rulesets, current_rulesets
from shixian.settings import Settings
from shixian.temporal import ANSWERING, connect

T = TypeVar("T")


def now_utc() -> datetime:
    return datetime.now(UTC)


@dataclass
class Platform:
    settings: Settings
    temporal: Callable[[], Awaitable[Client]]
    # The platform's clock: receipt times are what it says.
    clock: Callable[[], datetime] = now_utc

    @classmethod
    def connecting(cls, settings: Settings, clock: Callable[[], datetime] = now_utc) -> Platform:
        """A platform that connects to Temporal on first use, and again after a failure: the
        API starts before Temporal does."""
        return cls(settings, lazy_client(settings), clock)

    @classmethod
    def using(
        cls, settings: Settings, client: Client, clock: Callable[[], datetime] = now_utc
    ) -> Platform:
        """A platform on a client already connected (a worker's, a test server's)."""

        async def get() -> Client:
            return client

        return cls(settings, get, clock)

    def now(self) -> datetime:
        return self.clock()

    def rulesets(self) -> Rulesets:
        return current_rulesets(self.settings.data_dir / "regulations")

    def calendar(self) -> ChinaCalendar:
        return current_calendar(self.settings.calendars)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session for one piece of work; objects stay readable after it closes."""
        settings = self.settings
        engine = engine_for(settings.database, settings.db_pool_size, settings.db_max_overflow)
        with Session(engine, expire_on_commit=False) as session:
            yield session

    async def run(self, work: Callable[[Session], T]) -> T:
        """`work` in a worker thread with a session of its own, closed before this returns:
        the event loop never blocks on the database, and no connection is held while the
        caller then awaits Temporal. The threads are anyio's, as many as `settings.threads`
        (`use_threads`), never more than the pool's connections."""

        def call() -> T:
            with self.session() as session:
                return work(session)

        return await to_thread.run_sync(call)

    async def blocking(self, work: Callable[[], T]) -> T:
        """`work`, which opens its own sessions (a use case), in a worker thread."""
        return await to_thread.run_sync(work)


def use_threads(settings: Settings) -> None:
    """Size the event loop's thread limiter (anyio's, which runs Starlette's synchronous routes
    and dependencies and `Platform.run`) to `settings.threads`. Call it in the loop."""
    to_thread.current_default_thread_limiter().total_tokens = settings.threads


def lazy_client(settings: Settings) -> Callable[[], Awaitable[Client]]:
    client: Client | None = None
    lock = asyncio.Lock()

    async def get() -> Client:
        nonlocal client
        async with lock:
            if client is None:
                client = await asyncio.wait_for(connect(settings, ANSWERING), timeout=5)
            return client

    return get
