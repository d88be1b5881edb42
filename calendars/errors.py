"""Errors raised by the calendar package.

Messages are shown to caseworkers and operators, so they lead in Chinese; the English gloss in
parentheses is for the engineers reading logs.
"""

from __future__ import annotations


class CalendarError(ValueError):
    """Base class of every calendar error."""


class CalendarNotCoveredError(CalendarError):
    """A computation needed a day the calendar does not cover (before 2018, or too far ahead)."""

    def __init__(self, year: int, message: str) -> None:
        super().__init__(message)
        self.year = year


class NaiveDatetimeError(CalendarError):
    """A datetime without a time zone: its Beijing date would be a guess."""


class InvalidWorkingDaysError(CalendarError):
    """A working-day period that is not a positive whole number."""


class CalendarFileError(CalendarError):
    """A calendar data file is invalid; names the file and the line."""

    def __init__(self, source: str, line: int | None, message: str) -> None:
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {message}")
        self.source = source
        self.line = line
        self.detail = message
