"""Worker memory per cached case: open cases, each waiting on its provider, against bare
workflows of the same shape waiting on their timer, each kind in a worker process of its own.

Starts a dev server, `python worker.py` (the case worker as `make run` starts it, its cache
`SHIXIAN_WORKFLOW_CACHE` large enough for every case opened) and bench/bare.py's worker. Each
round opens N Hubei conditional applications (each then waits in provider review, cached) and
N bare workflows (waiting on their timer), the two in alternating order, and reads each
worker's resident memory (VmRSS) before and after; a figure is the growth per workflow. The
goal (issue 15) is absolute: at most 150 KB per cached case.

    .venv/bin/python bench/bench_memory.py [N] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
from pathlib import Path
from typing import Any

from bare import BareCase, Shape, shape_of
from bench_http import prepare
from harness import (
    PYTHON,
    ROOT,
    Processes,
    bare_worker,
    dev_server,
    hubei_application,
    load,
    scratch,
)

GOAL_KB = 150
CASES = "bench-cases"
BARE = "bench-bare"


def resident_kb(process: subprocess.Popen[bytes]) -> int:
    for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise SystemExit(f"no VmRSS for process {process.pid}")


async def measure(address: str, workers: dict[str, subprocess.Popen[bytes]], n: int, rounds: int):  # type: ignore[no-untyped-def]
    from temporalio.client import Client
    from temporalio.contrib.pydantic import pydantic_data_converter

    from workflows.case import SettleInput
    from workflows.sharing_application import SharingApplicationWorkflow

    client = await Client.connect(address, data_converter=pydantic_data_converter)

    async def open_case(i: int) -> None:
        handle = await client.start_workflow(
            SharingApplicationWorkflow.run,
            hubei_application(i, conditional=True),
            id=f"sharing-application/HB419-2026-{i:06d}",
            task_queue=CASES,
        )
        await handle.execute_update(SharingApplicationWorkflow.settle, SettleInput())

    shape: Shape | None = None

    async def open_bare(i: int) -> None:
        assert shape is not None
        handle = await client.start_workflow(BareCase.run, shape, id=f"bare-{i}", task_queue=BARE)
        await handle.execute_update(BareCase.settle)

    await open_case(0)  # the warm-up, and the history whose shape the baseline copies
    history = await client.get_workflow_handle(
        "sharing-application/HB419-2026-000000"
    ).fetch_history()
    shape = shape_of(json.loads(history.to_json()))
    await open_bare(0)
    print(
        f"bench_memory: {n} open workflows of each kind per round, {rounds} interleaved rounds, "
        f"one worker each [{load()}]"
    )
    print(f"  case history shape before its first action: {shape.describe()}")
    opened = {"case": open_case, "bare": open_bare}
    grown: dict[str, list[float]] = {"case": [], "bare": []}
    for r in range(rounds):
        first = 1 + r * n
        for name in ("bare", "case") if r % 2 == 0 else ("case", "bare"):
            before = resident_kb(workers[name])
            for batch in range(first, first + n, 50):  # as a busy day opens them, not all at once
                await asyncio.gather(
                    *(opened[name](i) for i in range(batch, min(batch + 50, first + n)))
                )
            grown[name].append((resident_kb(workers[name]) - before) / n)
        print(
            f"    round {r + 1}: case {grown['case'][-1]:.0f} KB, bare {grown['bare'][-1]:.0f} KB"
            f" per open workflow  [{load()}]"
        )
    case, bare = statistics.median(grown["case"]), statistics.median(grown["bare"])
    verdict = "met" if case <= GOAL_KB else "NOT met"
    return (
        f"worker memory per cached case: {case:.0f} KB (rounds {min(grown['case']):.0f}.."
        f"{max(grown['case']):.0f}), bare workflow {bare:.0f} KB ({case / bare:.2f}x); "
        f"goal <= {GOAL_KB} KB: {verdict}  [{load()}]"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with scratch("memory") as home:
        url = f"sqlite:///{home / 'shixian.db'}"
        prepare(url, 0)
        processes = Processes(home)
        base = {k: v for k, v in os.environ.items() if not k.startswith(("SHIXIAN_", "TEMPORAL_"))}
        try:
            address = dev_server(processes, base)
            env = {
                **base,
                "DATABASE_URL": url,
                "SHIXIAN_DATA_DIR": str(home),
                "TEMPORAL_ADDRESS": address,
                "SHIXIAN_TASK_QUEUE": CASES,
                "SHIXIAN_DEMO_DATA": "false",
                "SHIXIAN_WORKFLOW_CACHE": str(args.n * args.rounds + 100),
            }
            workers: dict[str, Any] = {
                "case": processes.start("worker", [PYTHON, str(ROOT / "worker.py")], env)
            }
            bare_worker(processes, address, BARE, base)
            workers["bare"] = processes.children[-1][1]
            line = asyncio.run(measure(address, workers, args.n, args.rounds))
        finally:
            processes.stop()
        print(line)


if __name__ == "__main__":
    main()
