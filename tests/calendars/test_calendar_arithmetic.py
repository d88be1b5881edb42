"""ChinaCalendar keeps workalendar's API and answers, only from an index."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import chinese_calendar
import pytest
from workalendar.core import Calendar, CoreCalendar

from calendars import CalendarNotCoveredError, ChinaCalendar, DayKind, load_calendar
from tests.calendars.workalendar_china import workalendar_china

SAT_MAKEUP_2026 = date(2026, 2, 14)  # 调休上班 for 春节, 国办发明电〔2025〕7号


@pytest.fixture(scope="module")
def cal() -> ChinaCalendar:
    return load_calendar()


def test_add_working_days_matches_workalendars_stepping_algorithm_everywhere(
    cal: ChinaCalendar,
) -> None:
    # The base-class loop steps day by day through our is_working_day: the reference answer.
    day = date(2017, 12, 31)
    while day < date(2028, 11, 1):
        for delta in (1, 2, 5, 10, 20):
            assert cal.add_working_days(day, delta) == Calendar.add_working_days(cal, day, delta)
        if day >= date(2018, 3, 1):
            for delta in (1, 3, 15):
                assert cal.sub_working_days(day, delta) == Calendar.add_working_days(
                    cal, day, -delta
                )
        day += timedelta(days=3)


def test_working_days_delta_matches_workalendars_algorithm(cal: ChinaCalendar) -> None:
    for first in range(0, 4000, 97):
        start = date(2018, 1, 1) + timedelta(days=first)
        for length in (0, 1, 6, 30, 200, 1000):
            end = start + timedelta(days=length)
            if end > cal.last_day:
                break
            for include_start in (False, True):
                expected = CoreCalendar.get_working_days_delta(cal, start, end, include_start)
                assert cal.get_working_days_delta(start, end, include_start) == expected
                assert cal.get_working_days_delta(end, start, include_start) == expected


def test_same_answers_as_workalendar_china_and_chinese_calendar_in_2023(
    cal: ChinaCalendar,
) -> None:
    with workalendar_china() as china:
        for day in (date(2023, 1, 3) + timedelta(days=i) for i in range(0, 300, 7)):
            for delta in (1, 4, 9):
                ours = cal.add_working_days(day, delta)
                assert ours == china.add_working_days(day, delta)
                if cal.is_working_day(day):
                    # find_workday first moves a non-working day forward; equal only here.
                    assert ours == chinese_calendar.find_workday(delta, day)


def test_the_day_itself_is_never_counted_even_when_it_is_a_holiday(cal: ChinaCalendar) -> None:
    # 2026-02-16 is inside 春节: the first working day after it is Tuesday 2026-02-24.
    assert cal.add_working_days(date(2026, 2, 16), 1) == date(2026, 2, 24)
    assert cal.add_working_days(date(2026, 2, 24), 0) == date(2026, 2, 24)
    assert cal.add_working_days(date(2026, 2, 13), 1) == SAT_MAKEUP_2026


def test_keep_datetime_keeps_the_time_of_day(cal: ChinaCalendar) -> None:
    start = datetime(2026, 2, 13, 9, 30)
    assert cal.add_working_days(start, 2, keep_datetime=True) == datetime(2026, 2, 24, 9, 30)
    assert cal.add_working_days(start, 2) == date(2026, 2, 24)


def test_extra_working_days_are_merged_with_the_official_ones_not_replacing_them(
    cal: ChinaCalendar,
) -> None:
    extra_saturday = date(2026, 3, 7)
    assert cal.is_working_day(SAT_MAKEUP_2026, extra_working_days=[extra_saturday])
    assert cal.is_working_day(extra_saturday, extra_working_days=[extra_saturday])
    # workalendar's China drops its own adjusted days when given any extra one.
    with workalendar_china() as china:
        assert not china.is_working_day(date(2023, 1, 28), extra_working_days=[date(2023, 3, 4)])
    assert cal.is_working_day(date(2023, 1, 28), extra_working_days=[date(2023, 3, 4)])


def test_extra_days_in_arithmetic_agree_with_the_stepping_algorithm(cal: ChinaCalendar) -> None:
    extra_work = [date(2026, 3, 7), date(2026, 2, 16)]
    extra_rest = [date(2026, 3, 2), SAT_MAKEUP_2026, date(2026, 3, 7)]
    for start in (date(2026, 2, 10) + timedelta(days=i) for i in range(40)):
        for delta in (1, 3, 8, -2, -6):
            assert cal.add_working_days(
                start, delta, extra_working_days=extra_work, extra_holidays=extra_rest
            ) == Calendar.add_working_days(
                cal, start, delta, extra_working_days=extra_work, extra_holidays=extra_rest
            )
        end = start + timedelta(days=25)
        for include_start in (False, True):
            assert cal.get_working_days_delta(
                start, end, include_start, extra_working_days=extra_work, extra_holidays=extra_rest
            ) == CoreCalendar.get_working_days_delta(
                cal, start, end, include_start, extra_work, extra_rest
            )


def test_holidays_require_a_year_and_never_default_to_today(cal: ChinaCalendar) -> None:
    with pytest.raises(TypeError):
        cal.holidays()
    with pytest.raises(TypeError):
        cal.holidays_set()
    spring = [day for day, name in cal.holidays(2026) if name == "春节"]
    assert spring == [date(2026, 2, 15) + timedelta(days=i) for i in range(9)]


def test_workalendar_helpers_work(cal: ChinaCalendar) -> None:
    assert cal.is_holiday(date(2026, 10, 3))
    assert not cal.is_holiday(date(2026, 10, 10))  # adjusted working Saturday
    assert not cal.is_holiday(date(2026, 11, 21))  # an ordinary Saturday is not a holiday
    assert cal.get_holiday_label(date(2026, 10, 3)) == "国庆节"
    assert cal.get_holiday_label(date(2026, 10, 10)) is None
    assert cal.day_kind(date(2026, 10, 10)) is DayKind.MAKEUP_WORKDAY
    assert cal.day_kind(date(2026, 11, 21)) is DayKind.WEEKEND
    assert "China" in ChinaCalendar.name


def test_days_before_2018_are_refused_with_the_year_named(cal: ChinaCalendar) -> None:
    with pytest.raises(CalendarNotCoveredError, match="2017年") as info:
        cal.is_working_day(date(2017, 12, 29))
    assert info.value.year == 2017
    with pytest.raises(CalendarNotCoveredError, match="2017年"):
        cal.add_working_days(date(2017, 6, 1), 3)
    with pytest.raises(CalendarNotCoveredError, match="2017年"):
        cal.sub_working_days(date(2018, 1, 3), 5)
    with pytest.raises(CalendarNotCoveredError, match="2017年"):
        cal.holidays(2017)
    # The eve of coverage may start a count: only the days after it are examined.
    assert cal.add_working_days(date(2017, 12, 31), 1) == date(2018, 1, 2)


def test_days_beyond_the_provisional_horizon_are_refused(cal: ChinaCalendar) -> None:
    assert cal.last_day == date(2028, 12, 31)
    with pytest.raises(CalendarNotCoveredError, match="2029年") as info:
        cal.add_working_days(date(2028, 12, 20), 30)
    assert info.value.year == 2029
    with pytest.raises(CalendarNotCoveredError, match="2029年"):
        cal.get_working_days_delta(date(2028, 12, 1), date(2029, 1, 5))
