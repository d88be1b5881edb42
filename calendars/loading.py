"""Building calendars from data directories, and the process-wide default calendar."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from pathlib import Path

from calendars.china import DEFAULT_PROVISIONAL_YEARS, ChinaCalendar
from calendars.schedule import PACKAGED_DATA_DIR, YearSchedule, load_schedules

# Operators drop new year files here; they extend or override the packaged ones.
CALENDAR_DIR_ENV = "SHIXIAN_CALENDAR_DIR"

_lock = threading.Lock()
_default: ChinaCalendar | None = None


def load_calendar(
    *dirs: str | Path,
    include_packaged: bool = True,
    extra: Iterable[YearSchedule] = (),
    provisional_years: int = DEFAULT_PROVISIONAL_YEARS,
) -> ChinaCalendar:
    """A calendar from the packaged files, then each of ``dirs``, then ``extra`` schedules.

    Later sources override earlier ones year by year, so an uploaded or operator-added file
    for 2027 replaces the provisional estimate, and a corrected 2026 file replaces ours.
    Every file is validated; errors name the file and the line.
    """
    sources: list[str | Path] = [PACKAGED_DATA_DIR] if include_packaged else []
    schedules = load_schedules(*sources, *dirs)
    for schedule in extra:
        schedules[schedule.year] = schedule
    return ChinaCalendar(schedules, provisional_years=provisional_years)


def default_calendar() -> ChinaCalendar:
    """The packaged calendar plus ``$SHIXIAN_CALENDAR_DIR`` if set; built once, then cached."""
    global _default
    with _lock:
        if _default is None:
            extra_dir = os.environ.get(CALENDAR_DIR_ENV)
            _default = load_calendar(*([extra_dir] if extra_dir else []))
        return _default


def reset_default_calendar() -> None:
    """Drop the cached default calendar, e.g. after an operator added a year file."""
    global _default
    with _lock:
        _default = None
