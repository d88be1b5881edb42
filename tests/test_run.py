"""The `make run` launcher: command lines, the demo token file, supervision. No servers start."""

from __future__ import annotations

import io
import json
import os
import re
import socket
import stat
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from models import ApiToken
from models.db import session_for
from service.access import hash_token
from shixian import run
from shixian.settings import Settings

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.fixture
def make_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Settings from a clean environment plus the variables given, as the launcher reads them."""
    for name in list(os.environ):
        if name.startswith(("SHIXIAN_", "TEMPORAL_")) or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env file

    def build(**env: str) -> Settings:
        monkeypatch.setenv("SHIXIAN_DATA_DIR", str(tmp_path / "var"))
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return Settings()

    return build


CLI = Path("/venv/bin/temporal")


@pytest.fixture
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo world hashes a password for each of its users, with argon2id's defaults: slow
    on purpose, seconds for them all on a loaded machine. These tests look at the files and
    the banner, not at the hashes' cost: argon2id still, at its lowest cost."""
    from argon2 import PasswordHasher

    from service import accounts

    monkeypatch.setattr(
        accounts, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


def test_dev_server_keeps_its_state_in_the_data_dir_on_the_configured_ports(make_settings):
    settings = make_settings(SHIXIAN_TEMPORAL_PORT="17233", SHIXIAN_TEMPORAL_UI_PORT="18233")
    command = run.dev_server_command(settings, CLI)
    assert command is not None
    assert command[:3] == [str(CLI), "server", "start-dev"]
    flags = dict(zip(command[3::2], command[4::2], strict=False))
    assert flags["--db-filename"] == str(settings.data_dir / "temporal.db")
    assert flags["--port"] == "17233"
    assert flags["--ui-port"] == "18233"
    assert flags["--ip"] == "127.0.0.1"
    assert flags["--ui-ip"] == "127.0.0.1"  # the UI has no login: loopback only
    assert flags["--log-level"] == "warn"
    assert "--namespace" not in command  # "default" always exists


def test_temporal_address_means_no_dev_server_and_no_temporal_ports(make_settings):
    settings = make_settings(TEMPORAL_ADDRESS="temporal.example:7233")
    assert run.dev_server_command(settings, CLI) is None
    assert [variable for variable, _, _ in run.ports_to_check(settings)] == ["SHIXIAN_API_PORT"]


def test_a_namespace_other_than_default_is_created_by_the_dev_server(make_settings):
    settings = make_settings(TEMPORAL_NAMESPACE="shixian-dev")
    command = run.dev_server_command(settings, CLI)
    assert command is not None
    assert command[command.index("--namespace") + 1] == "shixian-dev"
    retention = run.retention_command(settings, CLI)
    assert retention[retention.index("--namespace") + 1] == "shixian-dev"
    assert retention[retention.index("--address") + 1] == "127.0.0.1:7233"


def test_search_attributes_declared_are_registered_on_the_dev_server(make_settings, monkeypatch):
    monkeypatch.setattr(run, "SEARCH_ATTRIBUTES", {"ShixianStage": "Keyword", "Due": "Datetime"})
    command = run.dev_server_command(make_settings(), CLI)
    assert command is not None
    pairs = [command[i + 1] for i, flag in enumerate(command) if flag == "--search-attribute"]
    assert pairs == ["Due=Datetime", "ShixianStage=Keyword"]


def test_retention_is_long_enough_to_keep_closed_cases_for_years():
    hours = int(run.DEV_RETENTION.removesuffix("h"))
    assert hours >= 365 * 24


def test_api_and_worker_run_on_this_python_with_the_configured_address(make_settings):
    settings = make_settings(SHIXIAN_API_HOST="0.0.0.0", SHIXIAN_API_PORT="18000")
    api = run.api_command(settings)
    assert api[0] == sys.executable
    assert api[1:5] == ["-m", "uvicorn", "--factory", "api.app:create_app"]
    assert api[api.index("--host") + 1] == "0.0.0.0"
    assert api[api.index("--port") + 1] == "18000"
    worker = run.worker_command()
    assert worker[0] == sys.executable and Path(worker[1]).name == "worker.py"
    assert Path(worker[1]).exists()


def test_children_see_the_launchers_environment_unbuffered():
    env = run.child_environment({"DATABASE_URL": "postgresql+psycopg://x/y", "PATH": "/bin"})
    assert env["DATABASE_URL"] == "postgresql+psycopg://x/y"
    assert env["PYTHONUNBUFFERED"] == "1"


def test_a_port_in_use_is_refused_naming_the_setting_to_change(make_settings):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        settings = make_settings(TEMPORAL_ADDRESS="elsewhere:7233", SHIXIAN_API_PORT=str(port))
        with pytest.raises(run.LaunchError, match=f"port {port}.*SHIXIAN_API_PORT"):
            run.check_ports_free(settings)


def test_postgres_urls_are_shown_without_their_password():
    shown = run.describe_database("postgresql+psycopg://shixian:secret@db:5432/shixian")
    assert "secret" not in shown and "db:5432/shixian" in shown
    assert run.describe_database("sqlite:///var/shixian.db") == "SQLite var/shixian.db"


# -- the token file ------------------------------------------------------------------------


def test_token_file_is_private_from_the_start_and_replaces_an_older_one(tmp_path):
    path = tmp_path / "var" / "demo-tokens.json"
    path.parent.mkdir()
    path.write_text("[]")
    path.chmod(0o644)
    old_umask = os.umask(0)
    try:
        run.write_tokens(path, run.demo_token_rows({"admin": "t-admin"}))
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert run.read_tokens(path) == [
        {"key": "admin", "role": "admin", "department": "", "token": "t-admin"}
    ]
    assert not list(path.parent.glob("*.partial"))


def test_token_rows_carry_role_and_department_in_demo_order():
    rows = run.demo_token_rows({"hubei-provider": "p", "admin": "a", "hubei-applicant": "x"})
    assert [(r["key"], r["role"], r["department"]) for r in rows] == [
        ("admin", "admin", ""),
        ("hubei-provider", "caseworker", "hubei-police"),
        ("hubei-applicant", "caseworker", "hubei-civil"),
    ]


def test_missing_token_file_reads_as_none_and_a_corrupt_one_says_what_to_do(tmp_path):
    assert run.read_tokens(tmp_path / "absent.json") is None
    broken = tmp_path / "demo-tokens.json"
    broken.write_text("{not json")
    with pytest.raises(run.LaunchError, match="make clean"):
        run.read_tokens(broken)


def test_token_table_lists_every_token(tmp_path):
    rows = run.demo_token_rows({"admin": "tok-a", "hubei-applicant": "tok-b"})
    table = run.token_table(rows)
    assert "tok-a" in table and "tok-b" in table and "hubei-civil" in table


def test_demo_world_is_created_once_and_its_credentials_are_printed_only_then(
    make_settings, cheap_hashes
):
    settings = make_settings()
    first = run.prepare_database(settings)
    assert first.created_demo and first.tokens and first.stale == 0
    assert stat.S_IMODE(run.tokens_file(settings).stat().st_mode) == 0o600
    admin = first.tokens[0]
    assert (admin["username"], len(admin["password"])) == ("admin", 12)
    shown = run.banner(settings, first)
    assert admin["token"] in shown and admin["password"] in shown

    second = run.prepare_database(settings)
    assert not second.created_demo
    assert second.tokens == first.tokens
    later = run.banner(settings, second)
    assert admin["token"] not in later and admin["password"] not in later
    assert str(run.tokens_file(settings)) in later

    revoked = first.tokens[0]["token"]
    with session_for(settings.database) as session:
        token = session.exec(
            select(ApiToken).where(ApiToken.token_hash == hash_token(revoked))
        ).one()
        token.revoked_at = datetime(2026, 1, 1, tzinfo=UTC)
        session.add(token)
        session.commit()
    third = run.prepare_database(settings)
    assert third.stale == 1
    assert revoked not in {row["token"] for row in third.tokens or []}
    assert "no longer valid" in run.banner(settings, third)


def test_the_data_directory_database_and_tokens_are_private(make_settings, cheap_hashes):
    settings = make_settings()
    settings.data_dir.mkdir(mode=0o755)  # as an earlier version left it
    settings.data_dir.chmod(0o755)
    run.private_data_dir(settings)
    run.prepare_database(settings)
    assert stat.S_IMODE(settings.data_dir.stat().st_mode) == 0o700
    private = [p for p in settings.data_dir.iterdir() if p.name.startswith(("shixian.db", "demo"))]
    assert {p.name for p in private} >= {"shixian.db", "demo-tokens.json"}
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in private} == {
        p.name: 0o600 for p in private
    }


def test_a_new_sqlite_database_is_created_private(tmp_path):
    from models.db import migrate

    migrate(f"sqlite:///{tmp_path / 'state' / 'new.db'}")
    assert stat.S_IMODE((tmp_path / "state").stat().st_mode) == 0o700
    files = list((tmp_path / "state").iterdir())
    assert files and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files), files


def test_banner_names_the_urls_and_no_dev_ui_when_a_cluster_is_used(make_settings):
    prepared = run.Prepared(tokens=[{"key": "admin", "role": "admin", "token": "t"}])
    local = run.banner(make_settings(), prepared)
    assert "http://127.0.0.1:8000/docs" in local and "http://127.0.0.1:8233" in local
    assert "Workbench    http://127.0.0.1:8000/" in local
    remote = run.banner(make_settings(TEMPORAL_ADDRESS="temporal.example:7233"), prepared)
    assert "temporal.example:7233" in remote and ":8233" not in remote


# -- supervision (plain Python children, no servers) ---------------------------------------


def _python(code: str) -> list[str]:
    """A Python child that stops on SIGINT, as the service's children do, even when the suite
    itself runs with SIGINT ignored (started in the background by a script, which it inherits:
    then Python installs no KeyboardInterrupt handler); `code` may ignore it again."""
    handler = "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    return [sys.executable, "-c", handler + code]


class Transcript(io.StringIO):
    """The supervisor's output, which a test can wait on: each write wakes the waiters."""

    def __init__(self) -> None:
        super().__init__()
        self.written = threading.Condition()

    def write(self, text: str) -> int:
        with self.written:
            count = super().write(text)
            self.written.notify_all()
        return count

    def wait_for(self, text: str, timeout: float = 60) -> None:
        """Until a child has printed `text` (bounded only so that a child that never does
        fails the test instead of hanging it)."""
        with self.written:
            assert self.written.wait_for(lambda: text in self.getvalue(), timeout), self.getvalue()


def test_a_dead_child_stops_everything_with_a_non_zero_status():
    out = Transcript()
    # The pauses before its restarts (0.5, 1 and 2 s as make run has them) only hold up a
    # child that dies at once, over and over, as this one does.
    supervisor = run.Supervisor(out=out, restart_pause=0.05)
    sleeper = supervisor.start(
        "api", _python("import time; print('up', flush=True); time.sleep(60)"), os.environ
    )
    # The worker dies only once the API is up: otherwise the stop could reach the API while
    # it is still starting (it did, on a loaded machine).
    out.wait_for("up")
    supervisor.start("worker", _python("raise SystemExit(3)"), os.environ)
    assert supervisor.watch(threading.Event()) == 1
    supervisor.stop_all(timeout=10)
    assert sleeper.process.returncode is not None
    assert "worker exited with status 3; stopping everything" in out.getvalue()
    assert "api      | up" in out.getvalue()


def test_a_child_that_dies_is_restarted_and_the_log_says_so(tmp_path):
    out = Transcript()
    supervisor = run.Supervisor(out=out)
    marker = tmp_path / "died-once"
    worker = supervisor.start(
        "worker",
        _python(
            "import pathlib, sys, time\n"
            f"marker = pathlib.Path({str(marker)!r})\n"
            "if not marker.exists():\n"
            "    marker.touch(); print('dying', flush=True); sys.exit(7)\n"
            "print('up again', flush=True); time.sleep(60)\n"
        ),
        os.environ,
    )
    api = supervisor.start(
        "api", _python("import time; print('serving', flush=True); time.sleep(60)"), os.environ
    )
    stop = threading.Event()
    watching = threading.Thread(target=lambda: out.write(f"watch={supervisor.watch(stop)}\n"))
    watching.start()
    out.wait_for("up again")
    first_api = api.process.pid
    stop.set()
    watching.join()
    supervisor.stop_all(timeout=10)
    log = out.getvalue()
    assert "worker exited with status 7; restarting it" in log
    assert f"worker restarted (pid {worker.process.pid})" in log
    assert "watch=0" in log  # stopped by the operator, not by the death
    assert api.process.pid == first_api  # the rest ran on
    assert "stopping everything" not in log


def test_stopping_interrupts_children_and_kills_one_that_ignores_it():
    out = Transcript()
    supervisor = run.Supervisor(out=out)
    polite = supervisor.start(
        "worker", _python("import time; print('polite', flush=True); time.sleep(60)"), os.environ
    )
    stubborn = supervisor.start(
        "temporal",
        _python(
            "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); "
            "print('stubborn', flush=True); time.sleep(60)"
        ),
        os.environ,
    )
    out.wait_for("polite")
    out.wait_for("stubborn")
    stop = threading.Event()
    stop.set()
    assert supervisor.watch(stop) == 0
    supervisor.stop_all(timeout=1)
    assert polite.process.returncode is not None and polite.process.returncode != -9
    assert stubborn.process.returncode == -9
    assert "temporal did not stop within 1 s; killing it" in out.getvalue()


# -- README ----------------------------------------------------------------------------------


def test_readme_starts_with_the_two_commands():
    text = README.read_text(encoding="utf-8")
    first_block = re.search(r"```[a-z]*\n(.*?)```", text, re.S)
    assert first_block is not None
    assert first_block.group(1).split() == ["make", "run", "make", "test"]


def test_readme_settings_table_matches_the_settings_class():
    text = README.read_text(encoding="utf-8")
    found = re.search(r"<!-- settings -->\n(.*?)\n<!-- /settings -->", text, re.S)
    assert found is not None, "README.md lost its <!-- settings --> markers"
    assert found.group(1).strip() == run.settings_table(), (
        "README.md's settings table is out of date: replace it with the output of "
        "`python -m shixian.run --settings-table`"
    )


def test_token_file_json_is_readable_by_people(tmp_path):
    path = tmp_path / "demo-tokens.json"
    run.write_tokens(path, run.demo_token_rows({"hubei-applicant": "令牌"}))
    assert "令牌" in path.read_text(encoding="utf-8")
    assert json.loads(path.read_text(encoding="utf-8"))[0]["department"] == "hubei-civil"
