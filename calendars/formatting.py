"""How days, deadlines and instants are written for people: the one rule, in Beijing time.

- a day: 2026年11月16日;
- a deadline's end (a due instant, 00:00 of the day after the last day; or a last day):
  2026年11月16日24时, as the law counts a period (民法典 第二百零三条);
- an instant: 2026年11月16日 09:30（北京时间）, with seconds where an auditor compares steps
  (09:30:05); where the column or sentence already says 北京时间, without the suffix;
- a range of days: 2026年11月1日至2026年11月30日.

Machines get ISO 8601 (the API's JSON); people get this, in every template: the notices
(activities/notices.py), the timeline and the statistics report (service/audit.py,
service/reports.py) and the workbench (web/rendering.py) `install` them as jinja2 filters;
Python that builds text (the timeline's rows) calls the same functions. Values may arrive
as ISO text (a notice's context crosses the Temporal boundary as text) or as `date` and
`datetime`; an empty value is written as nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, MutableMapping
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from calendars.deadlines import BEIJING

ZONE = "（北京时间）"

Moment = date | datetime | str | None


def _read(value: Moment) -> date | datetime | None:
    """A `date`, an aware `datetime`, or None; ISO text becomes either (a date when it is one)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = value.strip()
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    return value


def _beijing(moment: datetime) -> datetime:
    if moment.tzinfo is None:  # naive: already Beijing time (as the API reads it)
        return moment.replace(tzinfo=BEIJING)
    return moment.astimezone(BEIJING)


def _read_local(value: Moment) -> date | datetime | None:
    """`_read`, with an instant in Beijing time."""
    found = _read(value)
    return _beijing(found) if isinstance(found, datetime) else found


def _day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def day_text(value: Moment) -> str:
    """2026年11月16日: a day, or the Beijing day of an instant."""
    found = _read_local(value)
    if found is None:
        return ""
    return _day(found.date() if isinstance(found, datetime) else found)


def day_end_text(value: Moment) -> str:
    """2026年11月16日24时: the end of a last day (a date), said as the law says it."""
    day = day_text(value)
    return f"{day}24时" if day else ""


def due_text(value: Moment) -> str:
    """A due instant as the end of its last day (00:00 of the next day is 24时 of the day
    before: 2026年11月16日24时); a due at another time of day as an instant; a date as its
    last day's end."""
    found = _read_local(value)
    if not isinstance(found, datetime):
        return day_end_text(found)
    if found.time() == time():
        return day_end_text(found.date() - timedelta(days=1))
    return instant_text(found, zone=False)


def instant_text(value: Moment, seconds: bool = False, zone: bool = True) -> str:
    """2026年11月16日 09:30（北京时间）; `seconds`: 09:30:05; `zone=False` where the column or
    the sentence already says 北京时间."""
    found = _read_local(value)
    if not isinstance(found, datetime):
        return day_text(found)
    clock = found.strftime("%H:%M:%S" if seconds else "%H:%M")
    return f"{_day(found.date())} {clock}" + (ZONE if zone else "")


def days_text(first: Moment, last: Moment) -> str:
    """2026年11月1日至2026年11月30日: a range of days, both ends included."""
    return f"{day_text(first)}至{day_text(last)}"


ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})")


def iso_text(value: str) -> str:
    """A value recorded as ISO text, written for people: a day or an instant; other text
    (and what only looks like a day: 2026-13-45) as it is."""
    try:
        if ISO_DAY.fullmatch(value):
            return day_text(value)
        if ISO_INSTANT.fullmatch(value):
            return instant_text(value)
    except ValueError:
        pass
    return value


def rewrite_iso(text: str) -> str:
    """The system's own sentences recorded with ISO days in them (older cases: "临时调整期限
    （2026-10-08）届满"), written the one way. Never for what a person typed."""
    text = ISO_INSTANT.sub(lambda moment: iso_text(moment.group()), text)
    return ISO_DAY.sub(lambda day: iso_text(day.group()), text)


def beijing_clock(value: Moment, seconds: bool = False) -> str:
    """An instant where the column or the sentence already says 北京时间 (`instant`, no zone)."""
    return instant_text(value, seconds=seconds, zone=False)


def due_in_beijing(value: Moment) -> str:
    """A due instant where the sentence does not say 北京时间: 2026年11月16日24时（北京时间）."""
    text = due_text(value)
    return text + ZONE if text else ""


# The filters every template environment installs (`install`), by the names the templates use.
FILTERS: dict[str, Callable[..., Any]] = {
    "day": day_text,
    "day_end": day_end_text,
    "days": days_text,
    "due": due_text,
    "instant": instant_text,
    "bj": beijing_clock,
    "end_of_day": due_in_beijing,
}


class _Environment(Protocol):
    @property
    def filters(self) -> MutableMapping[str, Any]: ...


def install(environment: _Environment) -> None:
    """Give a jinja2 environment the filters above (the only place templates get them)."""
    environment.filters.update(FILTERS)
