"""The legal deadline of a period of N working days (N个工作日), counted from a receipt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from calendars.china import ChinaCalendar
from calendars.errors import InvalidWorkingDaysError, NaiveDatetimeError
from calendars.loading import default_calendar

BEIJING = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Deadline:
    """When a period of ``working_days`` working days, started by a receipt, runs out.

    ``received_on`` is the Beijing date of receipt; it is not counted. ``last_day`` is the
    ``working_days``-th working day after it, and ``due`` the instant the period ends: 24:00 of
    ``last_day`` Beijing time, written as 00:00 of the next day. ``provisional`` is True when a
    counted day lies in a year whose State Council notice is not yet loaded, so the date is an
    estimate; ``notices`` lists the 文号 the counted days rest on (and a marker per estimated
    year).
    """

    received_on: date
    working_days: int
    last_day: date
    due: datetime
    provisional: bool
    notices: tuple[str, ...]


def _require_aware(moment: datetime, what: str) -> None:
    if not isinstance(moment, datetime):
        raise TypeError(f"{what} must be a datetime, not {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise NaiveDatetimeError(
            f"{what} 缺少时区，无法确定北京时间的日期：{moment.isoformat()} "
            f"({what} is a naive datetime; pass a timezone-aware one)"
        )


def end_of_day(day: date) -> datetime:
    """24:00 of ``day`` in Beijing, as the aware instant 00:00 of the following day."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=BEIJING)


def deadline(
    received_at: datetime, working_days: int, calendar: ChinaCalendar | None = None
) -> Deadline:
    """The deadline of ``working_days`` working days from a receipt at ``received_at``.

    The day of receipt is not counted; counting starts the next day (民法典 第二百零一条). The
    period ends at 24:00 of its last day (民法典 第二百零三条), Beijing time, whatever the zone
    of ``received_at``: 2026-11-19T16:30Z is Friday 2026-11-20 in Beijing.

    Raises NaiveDatetimeError for a datetime without time zone, InvalidWorkingDaysError unless
    ``working_days >= 1``, CalendarNotCoveredError if a counted day is outside the calendar.
    """
    _require_aware(received_at, "received_at")
    if isinstance(working_days, bool) or not isinstance(working_days, int) or working_days < 1:
        raise InvalidWorkingDaysError(
            f"工作日数应为正整数：{working_days!r} (working_days must be an integer >= 1)"
        )
    calendar = calendar if calendar is not None else default_calendar()
    received_on = received_at.astimezone(BEIJING).date()
    last_day = calendar.add_working_days(received_on, working_days)
    provisional, notices = calendar.cited_after(received_on, last_day)
    # Positional: keywords took a tenth of a call's time (bench/bench_calendar.py).
    return Deadline(received_on, working_days, last_day, end_of_day(last_day), provisional, notices)


def working_days_left(
    deadline_or_last_day: Deadline | date,
    now: datetime,
    calendar: ChinaCalendar | None = None,
) -> int:
    """Working days still available at ``now``, today included while it lasts.

    Counts the working days from today (Beijing date of ``now``) through the last day, both
    included: on the last day itself, before 24:00, the answer is 1; on a weekend just before
    a one-day-left Monday it is also 1. Once the due instant has passed the answer is 0. If
    ``now`` precedes the period (before the first counted day), counting starts at the first
    counted day, so the answer never exceeds the period's length. ``deadline_or_last_day`` may
    be a bare last day, in which case the period is taken to end at its 24:00 Beijing time.
    """
    _require_aware(now, "now")
    calendar = calendar if calendar is not None else default_calendar()
    if isinstance(deadline_or_last_day, Deadline):
        last_day, due = deadline_or_last_day.last_day, deadline_or_last_day.due
        first_counted: date | None = deadline_or_last_day.received_on + timedelta(days=1)
    else:
        last_day, due, first_counted = deadline_or_last_day, end_of_day(deadline_or_last_day), None
    if now >= due:
        return 0
    start = now.astimezone(BEIJING).date()
    if first_counted is not None and start < first_counted:
        start = first_counted
    if start > last_day:
        return 0
    # The delta counts (a, b]; the day before ``start`` makes ``start`` itself count.
    return int(calendar.get_working_days_delta(start - timedelta(days=1), last_day))
