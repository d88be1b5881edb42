"""Kill each part of a deployment and watch the rest: real processes (the Temporal dev server,
`python worker.py`, the API under uvicorn, PostgreSQL, `make run`'s launcher), killed with
SIGKILL and started again. docs/operations.md's fault table says what each test shows.

Every wait is bounded (a process that never says it is ready fails the test instead of
hanging it); nothing is asserted about how long anything took.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select
from temporalio.client import WorkflowUpdateStage

from models import Notice
from models.db import engine_for, migrate
from shixian import run
from shixian.demo import load_demo
from shixian.settings import Settings
from shixian.temporal import connect
from tests.cases import submission, submit
from tests.conftest import _as_postgres, _pg_bin, auth, free_port
from tests.live import EPOCH, reading
from workflows import trust
from workflows.case import CaseWorkflow, SettleInput
from workflows.common import ActionInput, Actor, Role
from workflows.sharing_application import SharingApplicationWorkflow

pytestmark = pytest.mark.faults
ROOT = Path(__file__).resolve().parent.parent
READY = 120.0  # seconds a process may take to say it is ready (a loaded machine, a cold start)
WORKER_READY = "worker polling"
API_READY = "Uvicorn running on"


@dataclass
class Process:
    """One process of the deployment, its output kept, to be waited on as it is written."""

    name: str
    argv: list[str]
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    lines: list[str] = field(default_factory=list)
    written: threading.Condition = field(default_factory=threading.Condition)

    def start(self) -> int:
        """Start it; returns the index of its first line, for `wait_for`."""
        mark = len(self.lines)
        self.process = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            process_group=0,
        )
        threading.Thread(target=self._read, args=(self.process,), daemon=True).start()
        return mark

    def _read(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        for raw in iter(process.stdout.readline, b""):
            with self.written:
                self.lines.append(raw.decode("utf-8", errors="replace").rstrip("\n"))
                self.written.notify_all()
        with self.written:
            self.written.notify_all()

    def wait_for(self, text: str, since: int = 0, timeout: float = READY) -> None:
        def said() -> bool:
            return any(text in line for line in self.lines[since:])

        with self.written:
            assert self.written.wait_for(said, timeout), (
                f"{self.name} never said {text!r}:\n" + "\n".join(self.lines[-40:])
            )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL, no goodbye: what a crash, the OOM killer or a pulled plug does (also how
        a test ends a process: a graceful stop shows nothing here, and takes seconds)."""
        if self.alive():
            assert self.process is not None
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@dataclass
class Deployment:
    """The Temporal dev server, a worker and an API process, as production runs them: each
    its own process, sharing a database and a data directory."""

    settings: Settings
    temporal: Process
    worker: Process
    api: Process
    url: str

    async def start(self) -> None:
        """All three at once (a worker waits for Temporal by itself), each then waited for."""
        worker, api = self.worker.start(), self.api.start()
        await self.start_temporal()
        self.worker.wait_for(WORKER_READY, since=worker)
        self.api.wait_for(API_READY, since=api)

    async def start_temporal(self) -> None:
        self.temporal.start()
        try:
            ready = await run._wait_for_temporal(
                self.settings, self.temporal.alive, threading.Event(), READY
            )
        except run.LaunchError as error:
            raise AssertionError("\n".join([str(error), *self.temporal.lines[-40:]])) from None
        assert ready

    def start_worker(self) -> None:
        self.worker.wait_for(WORKER_READY, since=self.worker.start())

    def start_api(self) -> None:
        self.api.wait_for(API_READY, since=self.api.start())

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=60)


def _environment(settings: Settings, temporal_port: int) -> dict[str, str]:
    return {
        **os.environ,  # the test's settings: its database, data dir, task queue
        "DATABASE_URL": settings.database,
        "SHIXIAN_TEMPORAL_ADDRESS": f"127.0.0.1:{temporal_port}",
        "SHIXIAN_ACTION_WAIT": "6",  # a case takes an action up within 3 s of its receipt
        "SHIXIAN_FIRST_STAGE_WAIT": "20",
        "PYTHONUNBUFFERED": "1",
        EPOCH: str(time.monotonic()),
    }


@pytest.fixture
def deploy(tmp_path: Path) -> Iterator[Any]:
    """Builds a deployment on the given settings; stops whatever is left at the end."""
    made: list[Deployment] = []

    def build(settings: Settings) -> Deployment:
        temporal_port, api_port = free_port(), free_port()
        settings.temporal_address = f"127.0.0.1:{temporal_port}"
        env = _environment(settings, temporal_port)
        cli = str(run.temporal_cli())
        temporal = Process(
            "temporal",
            [
                cli, "server", "start-dev", "--db-filename", str(tmp_path / "temporal.db"),
                "--ip", "127.0.0.1", "--port", str(temporal_port), "--headless",
                # Each port its own: the defaults (port + 1000, a fixed one) could be taken.
                "--http-port", str(free_port()), "--metrics-port", str(free_port()),
                "--log-level", "error", "--dynamic-config-value", run.REPORTED_PROBLEMS,
            ],
            env,
        )  # fmt: skip
        worker = Process("worker", [sys.executable, str(ROOT / "worker.py")], env)
        api = Process(
            "api",
            [
                sys.executable, "-m", "uvicorn", "--factory", "tests.live:create_app",
                "--app-dir", str(ROOT), "--host", "127.0.0.1", "--port", str(api_port),
            ],
            env,
        )  # fmt: skip
        deployment = Deployment(settings, temporal, worker, api, f"http://127.0.0.1:{api_port}")
        made.append(deployment)
        return deployment

    yield build
    for deployment in made:
        for process in (deployment.api, deployment.worker, deployment.temporal):
            process.kill()


@pytest.fixture
async def deployment(deploy: Any, settings: Settings, world: Any) -> AsyncIterator[Deployment]:
    running: Deployment = deploy(settings)
    await running.start()
    yield running


SUBMISSION = submission(resource_id="hubei-hukou", fields=["姓名"])


async def _submit(api: httpx.AsyncClient) -> dict[str, Any]:
    case = await submit(api, "hubei-applicant", **SUBMISSION)
    assert case["stage"] == "provider_review"
    return case


async def _approve(api: httpx.AsyncClient, case: dict[str, Any], key: str = "") -> httpx.Response:
    headers = {**auth("hubei-provider"), **({"Idempotency-Key": key} if key else {})}
    return await api.post(
        f"/api/v1/cases/{case['case_id']}/actions/approve", json={"note": "同意"}, headers=headers
    )


async def _settled(deployment: Deployment, case: dict[str, Any]) -> None:
    """Until a worker has taken the case up (bounded, like every wait here)."""
    temporal = await connect(deployment.settings)
    handle = temporal.get_workflow_handle(case["case_id"])
    await asyncio.wait_for(handle.execute_update(CaseWorkflow.settle, SettleInput()), READY)


def _kinds(case: dict[str, Any]) -> list[str]:
    return [event["kind"] for event in case["events"]]


# -- the worker, Temporal, the API -----------------------------------------------------------


async def test_a_deployment_survives_its_worker_and_then_its_api_killed(deployment: Deployment):
    """One deployment, its worker and then its API killed and started again (as `make run` or
    systemd would): nothing is lost, no answer is false, and the rest answers meanwhile.
    Temporal killed is the next test, on a deployment of its own, so that the two can run
    side by side: each spends most of its time waiting out a refusal."""
    async with deployment.client() as api:
        # The worker: actions meanwhile are refused, saying they were not recorded. The
        # requests go together: the refusals each wait out `action_wait`, independently.
        case = await _submit(api)
        deployment.worker.kill()
        refused, listed, shown, health = await asyncio.gather(
            _approve(api, case, key="approve-once"),
            api.get("/api/v1/cases", headers=auth("hubei-provider")),
            api.get(f"/api/v1/cases/{case['case_id']}", headers=auth("hubei-provider")),
            api.get("/healthz"),
        )
        assert refused.status_code == 503
        assert (refused.json()["code"], refused.json()["recorded"]) == ("no_worker", False)
        assert [c["case_id"] for c in listed.json()["items"]] == [case["case_id"]]
        assert (shown.status_code, shown.json()["code"]) == (503, "no_worker"), shown.text
        assert health.status_code == 200  # Temporal and the database answer: the API is ready
        deployment.start_worker()
        await _settled(deployment, case)  # the new worker has taken the case up
        # Sent again with the same key: it was not recorded, so it is sent afresh.
        approved = await _approve(api, case, key="approve-once")
        assert approved.status_code == 200, approved.text
        state = approved.json()
        assert (state["outcome"], state["details"]["granted_by"]) == ("granted", "provider")
        assert _kinds(state).count("approve") == 1  # the unrecorded one never came back

        # The API: it held nothing; a client that never saw its answer asks again.
        deployment.api.kill()
        with pytest.raises(httpx.TransportError):
            await api.get("/healthz")
        deployment.start_api()
        again = await _approve(api, case, key="approve-once")
        assert again.status_code == 200
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.json() == approved.json()


async def test_a_deployment_survives_its_temporal_server_killed(deployment: Deployment):
    """Temporal killed and started again on the same state file: actions are refused, lists
    still answer, a submission meanwhile is registered, and every case comes back."""
    async with deployment.client() as api:
        case = await _submit(api)
        approved = await _approve(api, case)
        assert approved.status_code == 200, approved.text
        assert approved.json()["outcome"] == "granted"
        other = await _submit(api)
        deployment.temporal.kill()
        health = await api.get("/healthz")
        assert health.status_code == 503
        assert (health.json()["temporal"]["ok"], health.json()["database"]["ok"]) == (False, True)
        listed = await api.get("/api/v1/cases", headers=auth("hubei-provider"))
        assert listed.status_code == 200  # lists come from the database
        assert len(listed.json()["items"]) == 2
        # A submission meanwhile is registered, not started; its key starts it later. The
        # requests go together: the refusals each wait out their own limit, independently.
        headers = {**auth("hubei-applicant"), "Idempotency-Key": "during-the-outage"}
        refused, shown, registered = await asyncio.gather(
            _approve(api, other),
            api.get(f"/api/v1/cases/{other['case_id']}", headers=auth("hubei-provider")),
            api.post("/api/v1/cases", json=SUBMISSION, headers=headers),
        )
        assert refused.status_code == 503
        # Out of reach, Temporal cannot say whether the action reached the case before it went.
        assert refused.json()["code"] == "temporal_unavailable"
        assert "recorded" not in refused.json()
        assert "无法确认本次操作" in refused.json()["message"]
        assert (shown.status_code, shown.json()["code"]) == (503, "temporal_unavailable")
        assert registered.status_code == 503
        assert (registered.json()["code"], registered.json()["recorded"]) == (
            "temporal_unavailable",
            True,
        )
        await deployment.start_temporal()  # on the same state file
        if not deployment.worker.alive():  # a supervisor restarts it (make run, systemd)
            deployment.start_worker()
        await _settled(deployment, other)
        started = await api.post("/api/v1/cases", json=SUBMISSION, headers=headers)
        assert started.status_code == 201, started.text
        assert started.headers["Idempotent-Replayed"] == "true"  # the same case, started now
        assert started.json()["case_number"] in registered.json()["message"]
        await _settled(deployment, started.json())
        shown = await api.get(f"/api/v1/cases/{case['case_id']}", headers=auth("hubei-provider"))
        assert (shown.status_code, shown.json()["outcome"]) == (200, "granted"), shown.text
        granted = await _approve(api, other)
        assert granted.status_code == 200, granted.text
        assert granted.json()["outcome"] == "granted"
        assert (await api.get("/healthz")).status_code == 200


# -- the database ----------------------------------------------------------------------------


@dataclass
class Postgres:
    """A PostgreSQL server of this test's own, to stop and start again."""

    data: Path
    port: int

    def pg_ctl(self, *args: str) -> None:
        bindir = _pg_bin()
        assert bindir is not None
        subprocess.run(
            [*_as_postgres(), str(bindir / "pg_ctl"), "-D", str(self.data), *args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def start(self) -> None:
        self.pg_ctl("-l", str(self.data.parent / "log"), "-o", f"-p {self.port} -k {self.data}",
                    "-w", "start")  # fmt: skip

    def kill(self) -> None:
        self.pg_ctl("-m", "immediate", "stop")  # no checkpoint, clients cut off

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"


@pytest.fixture
def postgres() -> Iterator[Postgres]:
    if _pg_bin() is None:
        pytest.skip("postgres: no local PostgreSQL binaries to stop and start")
    # Outside pytest's own temporary tree, which only root may enter.
    home = Path(tempfile.mkdtemp(prefix="shixian-pg-fault-"))
    home.chmod(0o777)
    bindir = _pg_bin()
    assert bindir is not None
    subprocess.run(
        [*_as_postgres(), str(bindir / "initdb"), "-D", str(home / "data"), "-U", "postgres",
         "--auth=trust"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    server = Postgres(home / "data", free_port())
    server.start()
    yield server
    try:
        server.pg_ctl("-m", "immediate", "stop")
    except subprocess.CalledProcessError:
        pass  # stopped already
    shutil.rmtree(home, ignore_errors=True)


@pytest.mark.postgres
async def test_a_database_outage_is_503_and_effects_waiting_on_it_are_done_once_it_returns(
    deploy: Any, settings: Settings, postgres: Postgres, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("DATABASE_URL", postgres.url)
    on_postgres = settings.model_copy(update={"database_url": postgres.url})
    migrate(on_postgres.database)
    with Session(engine_for(on_postgres.database)) as session:
        world = load_demo(session, token_for=lambda key: f"{key}-token")
    assert world is not None
    running: Deployment = deploy(on_postgres)
    await running.start()
    async with running.client() as api:
        case = await _submit(api)
        postgres.kill()

        for path in ("/api/v1/cases", f"/api/v1/cases/{case['case_id']}", "/api/v1/users/me"):
            down = await api.get(path, headers=auth("hubei-provider"))
            assert (down.status_code, down.json()["code"]) == (503, "database_unavailable"), path
        down = await _approve(api, case)
        assert (down.status_code, down.json()["code"]) == (503, "database_unavailable")
        health = await api.get("/healthz")
        assert health.status_code == 503
        assert (health.json()["database"]["ok"], health.json()["temporal"]["ok"]) == (False, True)

        # The provider's approval reaches the case while the database is down (signed as
        # the API would: here, straight to Temporal): the case records it, and its effects
        # (the projection, the notices, the grant) wait, retried, for the database.
        temporal = await connect(on_postgres)
        received = reading(float(running.api.env[EPOCH]))  # the API's clock
        actor = Actor(world.user_ids["hubei-provider"], Role.CASEWORKER, "", "hubei-police")
        request = ActionInput(actor=actor, note="同意")
        signed = replace(
            request,
            assertion=trust.sign(
                on_postgres.action_keys[0],
                case["case_id"],
                "approve",
                actor,
                received,
                received + timedelta(seconds=60),
                request.payload(),
            ),
        )
        handle = temporal.get_workflow_handle(case["case_id"])
        approval = await handle.start_update(
            SharingApplicationWorkflow.actions()["approve"],
            signed,
            wait_for_stage=WorkflowUpdateStage.ACCEPTED,
        )
        postgres.start()
        state = await asyncio.wait_for(approval.result(), timeout=READY)
        assert (state.outcome, state.status) == ("granted", "closed")

        shown = await api.get(f"/api/v1/cases/{case['case_id']}", headers=auth("hubei-applicant"))
        assert shown.status_code == 200
        assert shown.json()["outcome"] == "granted"
        with Session(engine_for(on_postgres.database)) as session:
            approved = session.exec(
                select(Notice).where(Notice.case_id == case["case_id"], Notice.kind == "approved")
            ).all()
        assert len(approved) == 2  # applicant and provider, each once: retried, never twice
        assert (await api.get("/healthz")).status_code == 200


# -- make run --------------------------------------------------------------------------------


def _children(parent: int) -> dict[int, str]:
    """The launcher's children: pid -> command line."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            found[int(entry.name)] = cmdline
    return found


async def test_make_run_restarts_a_killed_worker_and_api_and_says_so(tmp_path: Path):
    ports = {
        "SHIXIAN_API_PORT": free_port(),
        "SHIXIAN_TEMPORAL_PORT": free_port(),
        "SHIXIAN_TEMPORAL_UI_PORT": free_port(),
    }
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SHIXIAN_", "TEMPORAL_")) and key != "DATABASE_URL"
    }
    env |= {key: str(port) for key, port in ports.items()}
    env |= {"SHIXIAN_DATA_DIR": str(tmp_path / "var"), "PYTHONUNBUFFERED": "1"}
    launcher = Process("make run", [sys.executable, "-m", "shixian.run"], env)
    launcher.start()
    try:
        launcher.wait_for("时限 Shixian is running.")
        assert launcher.process is not None
        children = _children(launcher.process.pid)
        [worker] = [pid for pid, command in children.items() if "worker.py" in command]
        [api] = [pid for pid, command in children.items() if "uvicorn" in command]

        mark = len(launcher.lines)
        os.killpg(worker, signal.SIGKILL)
        os.killpg(api, signal.SIGKILL)
        for name in ("worker", "api"):
            launcher.wait_for(f"{name} was killed by SIGKILL; restarting it", since=mark)
            launcher.wait_for(f"{name} restarted (pid", since=mark)
        launcher.wait_for(WORKER_READY, since=mark)
        launcher.wait_for(API_READY, since=mark)
        async with httpx.AsyncClient(timeout=30) as client:
            health = await client.get(f"http://127.0.0.1:{ports['SHIXIAN_API_PORT']}/healthz")
        assert health.status_code == 200, health.text
        assert launcher.alive()  # nothing else stopped
        assert not any("stopping everything" in line for line in launcher.lines)
    finally:
        # Ctrl-C twice: the launcher stops its children without waiting on them to finish.
        if launcher.alive():
            assert launcher.process is not None
            launcher.process.send_signal(signal.SIGINT)
            launcher.wait_for("stopping ...")
            launcher.process.send_signal(signal.SIGINT)
            try:
                launcher.process.wait(READY)
            except subprocess.TimeoutExpired:
                launcher.kill()
    launcher.wait_for("stopped.")
