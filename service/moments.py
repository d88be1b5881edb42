"""Reading the bounds of a period from a filter: a date is a whole Beijing day, so a range
of dates includes both ends (`?received_from=2026-11-29&received_to=2026-11-29` is that day);
an instant is the instant given (without a zone, Beijing time, as the API shows times)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from calendars import BEIJING
from service.bounds import FIRST_DAY, LAST_DAY
from service.errors import Invalid


def period_start(text: str, label: str) -> datetime:
    """The first instant a `…_from` bound admits."""
    moment = _parse(text, label)
    if isinstance(moment, datetime):
        return moment
    return datetime.combine(moment, time(0), tzinfo=BEIJING)


def period_end(text: str, label: str) -> datetime:
    """The first instant a `…_to` bound no longer admits: the next day's 00:00 for a date."""
    moment = _parse(text, label)
    if isinstance(moment, datetime):
        return moment
    return datetime.combine(moment + timedelta(days=1), time(0), tzinfo=BEIJING)


def _parse(text: str, label: str) -> date | datetime:
    value = text.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            if not FIRST_DAY <= day <= LAST_DAY:
                raise ValueError(value)
            return day
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise Invalid(
            f"{label}“{value[:40]}”无效：应为日期（如 2026-11-29，含当日）"
            "或带时区的时间（如 2026-11-29T09:00:00+08:00）。",
            "invalid_period",
        ) from error
    moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=BEIJING)
    if not FIRST_DAY <= moment.astimezone(BEIJING).date() <= LAST_DAY:
        raise Invalid(
            f"{label}应在 {FIRST_DAY.isoformat()} 至 {LAST_DAY.isoformat()} 之间。",
            "invalid_period",
        )
    return moment
