"""Engine, sessions, migrations, and the one column type every timestamp uses."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, create_engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware in, timezone-aware (UTC) out, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store timezone-aware instants")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# The pool's defaults, as shixian/settings.py's: a process uses at most POOL_SIZE +
# MAX_OVERFLOW connections, and runs no more threads than that (docs/operations.md).
POOL_SIZE = 10
MAX_OVERFLOW = 10


def make_engine(url: str, pool_size: int = POOL_SIZE, max_overflow: int = MAX_OVERFLOW) -> Engine:
    pool = {"pool_size": pool_size, "max_overflow": max_overflow}
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            _private_database_file(Path(path))
        else:
            pool = {}  # an in-memory database is one connection's own
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **pool
        )

        @event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _record: Any) -> None:
            # WAL lets the API read while the worker writes; foreign keys are off by default.
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **pool)


def _private_database_file(path: Path) -> None:
    """Create the database file readable by the service's user only (0600) before SQLite
    does (it would follow the umask); its -wal and -shm files take the same mode."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def engine_for(url: str, pool_size: int = POOL_SIZE, max_overflow: int = MAX_OVERFLOW) -> Engine:
    """The process's engine for `url`, with a pool of that size (one engine per URL and size)."""
    return _engine(url, pool_size, max_overflow)


@lru_cache
def _engine(url: str, pool_size: int, max_overflow: int) -> Engine:
    return make_engine(url, pool_size, max_overflow)


@contextmanager
def session_for(
    url: str, pool_size: int = POOL_SIZE, max_overflow: int = MAX_OVERFLOW
) -> Iterator[Session]:
    with Session(engine_for(url, pool_size, max_overflow), expire_on_commit=False) as session:
        yield session


def migrate(url: str) -> None:
    """Bring the schema to the newest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    with engine_for(url).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
