"""The calendar in force: the packaged years plus an operator's year files, reloaded when
those change, so that every API process and worker counts with a year an administrator added
without a restart."""

from __future__ import annotations

from pathlib import Path

from calendars.china import ChinaCalendar
from calendars.loading import load_calendar
from shixian.reloading import Reloading

_calendars: dict[Path, Reloading[ChinaCalendar]] = {}


def current_calendar(directory: Path) -> ChinaCalendar:
    if directory not in _calendars:
        _calendars[directory] = Reloading(directory, lambda dirs: load_calendar(*dirs))
    return _calendars[directory].current()
