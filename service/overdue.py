"""What "overdue now" means, once: an open case whose workflow marked it overdue, or whose
current deadline has passed. The second half keeps lists, the dashboard and reports right
while no worker runs: a timer that fired meanwhile is overdue all the same."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import col

from models import CaseRecord


def overdue_now(now: datetime) -> ColumnElement[bool]:
    """The rule, as SQL over the case projection; select it beside a row to read it."""
    return and_(
        col(CaseRecord.status) == "open",
        or_(col(CaseRecord.overdue).is_(True), col(CaseRecord.due) <= now),
    )


def on_time_now(now: datetime) -> ColumnElement[bool]:
    """Open and not yet overdue: what may still be answered in time."""
    return and_(
        col(CaseRecord.status) == "open",
        col(CaseRecord.overdue).is_(False),
        col(CaseRecord.due) > now,
    )
