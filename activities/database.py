"""The database session activities use, from the same settings as the API."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session

from models.db import session_for
from shixian.settings import get_settings


@contextmanager
def session() -> Iterator[Session]:
    with session_for(get_settings().database) as db:
        yield db
