"""ChinaCalendar: workalendar's API over our cited schedule files, with an O(1) index.

workalendar answers ``add_working_days`` by stepping one day at a time and rebuilding a holiday
set for every step. Here every covered day is classified once, at construction, into a dense
table; a running count of working days and the list of working days then answer every query
with a few list lookups. The results are those of workalendar's algorithm (tests compare them),
only faster.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import IntEnum

from workalendar.core import SAT, SUN, Calendar
from workalendar.exceptions import UnsupportedDateType

from calendars.errors import CalendarFileError, CalendarNotCoveredError
from calendars.schedule import PACKAGED_DATA_DIR, YearSchedule, load_schedules
from calendars.statutory import statutory_holidays

# Years estimated beyond the last official notice: the next notice usually appears in
# November, so two years keep every deadline computable through late December and beyond.
DEFAULT_PROVISIONAL_YEARS = 2


class DayKind(IntEnum):
    WORKDAY = 0  # an ordinary Monday to Friday
    WEEKEND = 1
    HOLIDAY = 2  # inside a holiday range (放假), weekend or not
    MAKEUP_WORKDAY = 3  # a weekend day worked to make up for a holiday (调休上班)


def provisional_marker(year: int) -> str:
    """How a deadline cites a year that has no official notice yet."""
    return f"{year}年（暂估，国务院通知未发布）"


@dataclass(frozen=True)
class YearStatus:
    year: int
    official: bool
    notice_number: str | None


def _clean(day: object) -> date:
    if isinstance(day, datetime):
        return day.date()
    if isinstance(day, date):
        return day
    raise UnsupportedDateType(f"`{day}` is of unsupported type ({type(day)})")


def _clean_all(days: Iterable[date] | None) -> frozenset[date]:
    return frozenset(_clean(d) for d in days) if days else frozenset()


class ChinaCalendar(Calendar):
    """China (State Council holiday schedules from 2018, provisional years flagged)

    ``ChinaCalendar()`` loads the packaged schedule files; pass ``schedules`` to build from
    others (see ``calendars.load_calendar``). Years from the first official file to the last
    official one plus ``provisional_years`` are covered; a year inside that span without a file
    is estimated from the statutory festival days and reported as provisional.

    Extra working days and extra holidays passed by a caller are merged with the official
    schedule: the official 调休 Saturdays stay working days (workalendar's China replaces them).
    No method ever falls back to today's date.
    """

    WEEKEND_DAYS = (SAT, SUN)
    # Every holiday comes from the schedule files or the statutory estimate, none from the base.
    include_new_years_day = False

    def __init__(
        self,
        schedules: Iterable[YearSchedule] | Mapping[int, YearSchedule] | None = None,
        *,
        provisional_years: int = DEFAULT_PROVISIONAL_YEARS,
    ) -> None:
        super().__init__()
        if schedules is None:
            schedules = load_schedules(PACKAGED_DATA_DIR)
        items = schedules.values() if isinstance(schedules, Mapping) else schedules
        by_year = {s.year: s for s in items}
        if not by_year:
            raise ValueError("至少需要一个年度日历文件 (at least one year file is needed)")
        if provisional_years < 0:
            raise ValueError("provisional_years must be >= 0")
        self._schedules = dict(sorted(by_year.items()))
        self._first_year = min(by_year)
        self._last_year = max(by_year) + provisional_years
        self._provisional = frozenset(
            y for y in range(self._first_year, self._last_year + 1) if y not in by_year
        )
        self._build_index()

    # -- index -----------------------------------------------------------------------------

    def _build_index(self) -> None:
        self._base = date(self._first_year, 1, 1).toordinal()
        self._size = date(self._last_year, 12, 31).toordinal() - self._base + 1
        kinds = bytearray(self._size)
        names: dict[int, str] = {}
        for i in range(self._size):
            # Ordinal 1 (0001-01-01) was a Monday, so (ordinal - 1) % 7 is the weekday.
            if (self._base + i - 1) % 7 >= 5:
                kinds[i] = DayKind.WEEKEND
        for year in sorted(self._provisional):
            for holiday in statutory_holidays(year):
                for day in holiday.days():
                    kinds[day.toordinal() - self._base] = DayKind.HOLIDAY
                    names[day.toordinal()] = holiday.name

        set_by: dict[date, tuple[YearSchedule, DayKind]] = {}

        def mark(day: date, kind: DayKind, schedule: YearSchedule) -> None:
            i = day.toordinal() - self._base
            if not 0 <= i < self._size:
                return  # a reach-back into a year we do not cover
            previous = set_by.get(day)
            if previous is not None and previous[1] != kind:
                raise CalendarFileError(
                    schedule.source_name,
                    schedule.lines.get(day),
                    f"{day} 的安排与 {previous[0].where(day)} 冲突 "
                    "(two files disagree about this day)",
                )
            set_by[day] = (schedule, kind)
            kinds[i] = kind

        for schedule in self._schedules.values():
            for day, name in schedule.holiday_days():
                mark(day, DayKind.HOLIDAY, schedule)
                names[day.toordinal()] = name
            for day in schedule.makeup_workdays:
                mark(day, DayKind.MAKEUP_WORKDAY, schedule)
                names.pop(day.toordinal(), None)

        self._kinds = bytes(kinds)
        self._working = bytes(
            1 if k in (DayKind.WORKDAY, DayKind.MAKEUP_WORKDAY) else 0 for k in kinds
        )
        # _count[i]: working days strictly before index i; _dates[k]: the k-th working day.
        self._count = [0] * (self._size + 1)
        self._dates: list[date] = []
        running = 0
        for i, working in enumerate(self._working):
            self._count[i] = running
            if working:
                self._dates.append(date.fromordinal(self._base + i))
                running += 1
        self._count[self._size] = running
        self._names = names
        # cited_after's answers: a calendar never changes once built.
        self._cited: dict[tuple[date, date], tuple[bool, tuple[str, ...]]] = {}

    def _not_covered(self, year: int) -> CalendarNotCoveredError:
        if year < self._first_year:
            return CalendarNotCoveredError(
                year,
                f"{year}年不在工作日历范围内：日历自{self._first_year}年起收录国务院节假日安排 "
                f"(year {year} is not covered; the calendar starts in {self._first_year})",
            )
        return CalendarNotCoveredError(
            year,
            f"{year}年尚无国务院节假日安排，且超出暂估范围（暂估至{self._last_year}年），"
            f"请加载该年的日历文件 (year {year} is not covered; estimates end in "
            f"{self._last_year}; load the year's file)",
        )

    def _index(self, day: date) -> int:
        i = day.toordinal() - self._base
        if 0 <= i < self._size:
            return i
        raise self._not_covered(day.year)

    # -- coverage and provenance ------------------------------------------------------------

    @property
    def first_day(self) -> date:
        return date(self._first_year, 1, 1)

    @property
    def last_day(self) -> date:
        return date(self._last_year, 12, 31)

    @property
    def schedules(self) -> Mapping[int, YearSchedule]:
        return dict(self._schedules)

    @property
    def official_years(self) -> tuple[int, ...]:
        return tuple(self._schedules)

    @property
    def provisional_years(self) -> tuple[int, ...]:
        return tuple(sorted(self._provisional))

    def is_provisional(self, day: date) -> bool:
        """True if ``day`` lies in a year whose official notice is not loaded (an estimate)."""
        day = _clean(day)
        self._index(day)
        return day.year in self._provisional

    def spans_provisional(self, start: date, end: date) -> bool:
        """True if any day of ``start..end`` (both included) lies in a provisional year."""
        return any(y in self._provisional for y in range(start.year, end.year + 1))

    def notices_for(self, start: date, end: date) -> tuple[str, ...]:
        """文号 of the notices and amendments governing some day of ``start..end``, by year.

        A notice governs its year and any December days it reaches back into; an amendment
        only the days it changed. Provisional years contribute a marker saying so.
        """
        cited: list[str] = []
        for year in range(start.year, end.year + 2):
            schedule = self._schedules.get(year)
            if schedule is not None:
                if schedule.first_day <= end and start <= schedule.last_day:
                    cited.append(schedule.notice.number)
                for amendment in schedule.amendments:
                    assert amendment.affects is not None
                    if amendment.affects[0] <= end and start <= amendment.affects[1]:
                        cited.append(amendment.number)
            elif year in self._provisional and start.year <= year <= end.year:
                cited.append(provisional_marker(year))
        return tuple(dict.fromkeys(cited))

    def cited_after(self, received_on: date, last_day: date) -> tuple[bool, tuple[str, ...]]:
        """``spans_provisional`` and ``notices_for`` of the days counted after a receipt on
        ``received_on`` through ``last_day``, remembered: every deadline asks for both, and
        computing them took most of a deadline's time."""
        key = (received_on, last_day)
        found = self._cited.get(key)
        if found is None:
            first_counted = received_on + timedelta(days=1)
            found = self._cited[key] = (
                self.spans_provisional(first_counted, last_day),
                self.notices_for(first_counted, last_day),
            )
        return found

    def day_kind(self, day: date) -> DayKind:
        return DayKind(self._kinds[self._index(_clean(day))])

    # -- workalendar API ----------------------------------------------------------------------

    def get_calendar_holidays(self, year: int) -> list[tuple[date, str]]:
        start = self._index(date(year, 1, 1))
        end = self._index(date(year, 12, 31))
        return [
            (date.fromordinal(self._base + i), self._names[self._base + i])
            for i in range(start, end + 1)
            if self._kinds[i] == DayKind.HOLIDAY
        ]

    def holidays(self, year: int | None = None) -> list[tuple[date, str]]:
        """Holidays (放假 days, weekends inside a holiday range included) of ``year``.

        ``year`` is required: workalendar would silently use the current year.
        """
        if year is None:
            raise TypeError("holidays() requires a year; it never defaults to the current year")
        if year not in self._holidays:
            self._holidays[year] = self.get_calendar_holidays(year)
        return list(self._holidays[year])

    def holidays_set(self, year: int | None = None) -> set[date]:
        return {day for day, _ in self.holidays(year)}

    def get_holiday_label(self, day: date) -> str | None:
        day = _clean(day)
        self._index(day)
        return self._names.get(day.toordinal())

    def is_holiday(self, day: date, extra_holidays: Iterable[date] | None = None) -> bool:
        day = _clean(day)
        if extra_holidays and day in _clean_all(extra_holidays):
            return True
        return self._kinds[self._index(day)] == DayKind.HOLIDAY

    def is_working_day(
        self,
        day: date,
        extra_working_days: Iterable[date] | None = None,
        extra_holidays: Iterable[date] | None = None,
    ) -> bool:
        """O(1). Extra working days win over extra holidays, which win over the schedule."""
        if extra_working_days or extra_holidays:
            day = _clean(day)
            if day in _clean_all(extra_working_days):
                return True
            if day in _clean_all(extra_holidays):
                return False
        elif not isinstance(day, date):
            raise UnsupportedDateType(f"`{day}` is of unsupported type ({type(day)})")
        i = day.toordinal() - self._base
        if 0 <= i < self._size:
            return self._working[i] == 1
        raise self._not_covered(day.year)

    def add_working_days(
        self,
        day: date,
        delta: int,
        extra_working_days: Iterable[date] | None = None,
        extra_holidays: Iterable[date] | None = None,
        keep_datetime: bool = False,
    ) -> date:
        """The ``delta``-th working day strictly after ``day`` (before it if negative).

        ``day`` itself is never counted, working day or not: that is both workalendar's rule
        and the legal one. ``delta == 0`` returns ``day``. O(1) without extra days.
        workalendar's own ``sub_working_days`` counts back through this (``-abs(delta)``).
        """
        if not isinstance(day, date):
            raise UnsupportedDateType(f"`{day}` is of unsupported type ({type(day)})")
        if delta.__class__ is not int:
            delta = operator.index(delta)
        if extra_working_days or extra_holidays:
            result = self._add_with_extras(
                _clean(day), delta, _clean_all(extra_working_days), _clean_all(extra_holidays)
            )
        else:
            result = self._add(day.toordinal() - self._base, delta, day)
        if keep_datetime and isinstance(day, datetime):
            return day + timedelta(days=result.toordinal() - day.toordinal())
        return result

    def _add(self, i: int, delta: int, day: date) -> date:
        if delta > 0:
            # Only the days after ``day`` are examined, so ``day`` may be the eve of coverage.
            if not -1 <= i < self._size:
                raise self._not_covered((day + timedelta(days=1)).year)
            k = self._count[i + 1] + delta - 1
            if k >= len(self._dates):
                raise self._not_covered(self._last_year + 1)
            return self._dates[k]
        if delta < 0:
            if not 0 < i <= self._size:
                raise self._not_covered((day - timedelta(days=1)).year)
            k = self._count[i] + delta
            if k < 0:
                raise self._not_covered(self._first_year - 1)
            return self._dates[k]
        return _clean(day)

    def _add_with_extras(
        self, day: date, delta: int, working: frozenset[date], rest: frozenset[date]
    ) -> date:
        # Caller-supplied exceptions are rare and few: step day by day, each step O(1).
        step = timedelta(days=1 if delta >= 0 else -1)
        remaining = abs(delta)
        while remaining:
            day += step
            if day in working or (day not in rest and self._working[self._index(day)]):
                remaining -= 1
        return day

    def get_working_days_delta(
        self,
        start: date,
        end: date,
        include_start: bool = False,
        extra_working_days: Iterable[date] | None = None,
        extra_holidays: Iterable[date] | None = None,
    ) -> int:
        """Working days in ``(start, end]`` (plus ``start`` if ``include_start``); order-free."""
        start, end = _clean(start), _clean(end)
        if start == end:
            return 0
        if start > end:
            start, end = end, start
        i, j = start.toordinal() - self._base, self._index(end)
        if include_start:
            self._index(start)
        elif i < -1:
            raise self._not_covered((start + timedelta(days=1)).year)
        count = self._count[j + 1] - self._count[i + 1]
        if include_start and self._working[i]:
            count += 1
        if extra_working_days or extra_holidays:
            working, rest = _clean_all(extra_working_days), _clean_all(extra_holidays)
            for extra in working | rest:
                if start < extra <= end or (include_start and extra == start):
                    official = self._working[extra.toordinal() - self._base]
                    count += (extra in working or extra not in rest) - official
        return count


def covered_years(calendar: ChinaCalendar) -> list[YearStatus]:
    """Each covered year: official (with its notice's 文号) or provisional (an estimate)."""
    schedules = calendar.schedules
    return [
        YearStatus(
            year=year,
            official=year in schedules,
            notice_number=schedules[year].notice.number if year in schedules else None,
        )
        for year in range(calendar.first_day.year, calendar.last_day.year + 1)
    ]
