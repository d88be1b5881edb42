"""Chinese working-day calendar: official State Council schedules, legal deadlines, fast math.

Every timer in Shixian counts working days (工作日) of the national calendar: weekdays, minus the
State Council's holidays, plus its adjusted working days (调休上班). See README.md for the yearly
update.
"""

from calendars.china import ChinaCalendar, DayKind, YearStatus, covered_years, provisional_marker
from calendars.current import current_calendar
from calendars.deadlines import BEIJING, Deadline, deadline, end_of_day, working_days_left
from calendars.errors import (
    CalendarError,
    CalendarFileError,
    CalendarNotCoveredError,
    InvalidWorkingDaysError,
    NaiveDatetimeError,
)
from calendars.loading import (
    CALENDAR_DIR_ENV,
    default_calendar,
    load_calendar,
    reset_default_calendar,
)
from calendars.plausibility import implausibilities
from calendars.schedule import (
    PACKAGED_DATA_DIR,
    HolidayRange,
    Notice,
    YearSchedule,
    load_schedules,
    parse_year_text,
    validate_file,
)
from calendars.statutory import statutory_holidays

__all__ = [
    "BEIJING",
    "CALENDAR_DIR_ENV",
    "PACKAGED_DATA_DIR",
    "CalendarError",
    "CalendarFileError",
    "CalendarNotCoveredError",
    "ChinaCalendar",
    "DayKind",
    "Deadline",
    "HolidayRange",
    "InvalidWorkingDaysError",
    "NaiveDatetimeError",
    "Notice",
    "YearSchedule",
    "YearStatus",
    "covered_years",
    "current_calendar",
    "deadline",
    "implausibilities",
    "default_calendar",
    "end_of_day",
    "load_calendar",
    "load_schedules",
    "parse_year_text",
    "provisional_marker",
    "reset_default_calendar",
    "statutory_holidays",
    "validate_file",
    "working_days_left",
]
