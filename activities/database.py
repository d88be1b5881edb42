"""The database session activities use, from the same settings as the API.

A value the database can never store (NUL in PostgreSQL text, a lone surrogate, an integer past
64 bits, a string past its column) fails the activity for good, as `unstorable_data`: retrying
it would only hold the case at that step for ever. The API refuses such values before they
reach a case (service/text.py, service/bounds.py); this is the net under it. The workflow does
not catch the failure, so the case's workflow fails, visibly, in Temporal (docs/input.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DataError, IntegrityError, StatementError
from sqlmodel import Session
from temporalio.exceptions import ApplicationError

from models.db import session_for
from shixian.settings import get_settings

UNSTORABLE = "unstorable_data"
# Raised as they are (SQLite) or wrapped by SQLAlchemy, for a value no retry can store.
UNSTORABLE_VALUES = (UnicodeEncodeError, OverflowError)


@contextmanager
def session() -> Iterator[Session]:
    try:
        settings = get_settings()
        with session_for(settings.database, settings.db_pool_size, settings.db_max_overflow) as db:
            yield db
    except (DataError, StatementError, *UNSTORABLE_VALUES) as error:
        if not unstorable(error):
            raise
        raise ApplicationError(
            f"数据库无法保存该数据，重试无效（{type(error).__name__}: {str(error)[:300]}）",
            type=UNSTORABLE,
            non_retryable=True,
        ) from error


def commit_once(db: Session) -> bool:
    """Commit rows a retry may be writing at the same time; False, rolled back, where a
    concurrent attempt committed them first (a unique key refused ours)."""
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        return False
    return True


def unstorable(error: BaseException) -> bool:
    if isinstance(error, (DataError, *UNSTORABLE_VALUES)):
        return True
    return isinstance(error, StatementError) and isinstance(error.orig, UNSTORABLE_VALUES)
