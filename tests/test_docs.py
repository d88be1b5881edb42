"""The commands the README and docs/auditing.md give are run as written, against the whole
service on a real port: the walk-through's curl calls, the auditor's exports and replays.

Only the address changes (the test server's port for 127.0.0.1:8000); the demo tokens come
from the data directory, as after `make run`. A call answered with an HTTP error fails the
block (curl --fail-with-body), and so does any command that fails.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from shixian.demo import USERS
from shixian.settings import Settings
from tests.attachments import PDF

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"^```sh\n(.*?)^```$", re.S | re.M)
PRELUDE = """set -euo pipefail
curl() { command curl --fail-with-body --silent --show-error "$@"; echo; }
"""


def blocks(document: str) -> list[str]:
    return BLOCK.findall((ROOT / document).read_text(encoding="utf-8"))


async def run(script: str, base: str, cwd: Path, extra_env: dict[str, str]) -> str:
    """`script` in bash, its calls to 127.0.0.1:8000 sent to `base`; returns its output."""
    script = script.replace("http://127.0.0.1:8000", base)
    env = {**os.environ, **extra_env, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    process = await asyncio.create_subprocess_exec(
        "bash",
        "-c",
        PRELUDE + script,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, f"{err.decode()}\n{out.decode()[-2000:]}"
    return out.decode()


def demo_tokens(settings: Settings) -> None:
    """var/demo-tokens.json as `make run` leaves it (the test world's tokens)."""
    rows: list[dict[str, Any]] = [{"key": key, "token": f"{key}-token"} for key, *_ in USERS]
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / "demo-tokens.json").write_text(json.dumps(rows))


async def test_the_readme_walk_through_runs_as_written(live_server, settings, tmp_path, env):
    demo_tokens(settings)
    (tmp_path / "证明.pdf").write_bytes(PDF)
    [walk_through] = blocks("README.md")
    out = await run(
        walk_through, live_server, tmp_path, {"SHIXIAN_DATA_DIR": str(settings.data_dir)}
    )
    answers = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    submitted, approved = answers[0], answers[1]
    assert (submitted["case_id"], submitted["stage"]) == (
        "sharing-application/HB419-2026-000001",
        "provider_review",
    )
    assert submitted["deadline"]["on_timeout"] == "deemed_consent"
    assert (approved["status"], approved["outcome"]) == ("closed", "granted")
    assert "<html" in (tmp_path / "timeline.html").read_text(encoding="utf-8")
    verification = answers[-1]
    assert verification["process"] == "quality_verification"
    assert verification["details"]["attachments"] == [1]


async def test_the_auditing_commands_run_as_written(live_server, settings, tmp_path, env):
    demo_tokens(settings)
    (tmp_path / "证明.pdf").write_bytes(PDF)
    [walk_through] = blocks("README.md")
    data_dir = {"SHIXIAN_DATA_DIR": str(settings.data_dir)}
    await run(walk_through, live_server, tmp_path, data_dir)  # a case to audit
    (tmp_path / "tests").symlink_to(ROOT / "tests")
    commands = "\n".join(blocks("docs/auditing.md"))
    out = await run(
        commands,
        live_server,
        tmp_path,
        {
            **data_dir,
            "AUDITOR_TOKEN": "auditor-token",
            "SUPERVISOR_TOKEN": "hubei-supervisor-token",
            "DATABASE_URL": settings.database,
            "TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
        },
    )
    assert '"ok":true' in out.replace(" ", "")
    assert "NONDETERMINISTIC" not in out and "ERROR" not in out
    history = json.loads((tmp_path / "HB419-2026-000001.json").read_text(encoding="utf-8"))
    assert history["events"][0]["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"
    assert (tmp_path / "statistics.csv").read_text(encoding="utf-8-sig").startswith("提供部门编码")


def test_the_readme_names_every_demo_account_and_no_other():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = re.findall(r"^    ([a-z-]+) +\(random\)", readme, re.M)
    assert table == [key for key, *_ in USERS]
    named = set(re.findall(r"tok ([a-z-]+)\)", readme)) | set(
        re.findall(r"`([a-z]+-[a-z]+)`", readme)
    )
    accounts = {key for key, *_ in USERS}
    assert {
        n for n in named if n.split("-")[-1] in ("applicant", "provider", "supervisor", "centre")
    } <= accounts
