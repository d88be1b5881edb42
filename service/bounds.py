"""Bounds on the numbers and dates a user sends, so that none reaches the database or the
calendar out of range (a 500 before; a 422 with the bound now).

- Row ids: within PostgreSQL's integer, the type of every id column there (SQLite's is wider).
- Offsets: within SQLite's INTEGER, a signed 64-bit integer (PostgreSQL's OFFSET is a bigint).
- Dates and times in filters, reports and requests: 2000-01-01 to 2100-12-31 (Beijing time), the
  range of the yearly-maintenance parameter; arithmetic on them (the next day, UTC) then never
  overflows.
- Dates a period is counted from: not before the first year of the working-day calendar
  (2018), whose days the law counts; a later year the calendar has not loaded yet counts as
  provisional.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from calendars import BEIJING, PACKAGED_DATA_DIR, load_schedules

MAX_INTEGER = 2**63 - 1
MAX_ROW_ID = 2**31 - 1
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)
FIRST_CALENDAR_YEAR = min(load_schedules(PACKAGED_DATA_DIR))
FIRST_COUNTED_DAY = date(FIRST_CALENDAR_YEAR, 1, 1)


def _within(day: date, first: date, why: str) -> None:
    if not first <= day <= LAST_DAY:
        raise PydanticCustomError(
            "date_out_of_range", f"应在 {first.isoformat()} 至 {LAST_DAY.isoformat()} 之间{why}"
        )


def _day(value: date) -> date:
    _within(value, FIRST_DAY, "")
    return value


def _moment(value: datetime) -> datetime:
    # Without a zone a time means Beijing time, as the API shows times.
    _within((value if value.tzinfo else value.replace(tzinfo=BEIJING)).date(), FIRST_DAY, "")
    return value


def _counted_day(value: date) -> date:
    _within(value, FIRST_COUNTED_DAY, f"（工作日历自{FIRST_CALENDAR_YEAR}年起收录，期限由此起算）")
    return value


Day = Annotated[date, AfterValidator(_day)]
Moment = Annotated[datetime, AfterValidator(_moment)]
CountedDay = Annotated[date, AfterValidator(_counted_day)]
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]
ATTACHMENT_COUNT = 20
AttachmentIds = Annotated[
    list[RowId],
    Field(max_length=ATTACHMENT_COUNT, description="Repeated ids count once."),
    AfterValidator(lambda ids: list(dict.fromkeys(ids))),
]
