"""Provisional years: weekends plus the statutory days of 全国年节及纪念日放假办法."""

from __future__ import annotations

from datetime import date

import chinese_calendar

from calendars import load_calendar, statutory_holidays
from calendars.statutory import qingming


def test_2027_statutory_dates_match_the_computed_list_in_holidays_md() -> None:
    ranges = [(r.name, r.start, r.end) for r in statutory_holidays(2027)]
    assert ranges == [
        ("元旦", date(2027, 1, 1), date(2027, 1, 1)),
        ("春节", date(2027, 2, 5), date(2027, 2, 8)),  # 除夕 to 正月初三
        ("清明节", date(2027, 4, 5), date(2027, 4, 5)),
        ("劳动节", date(2027, 5, 1), date(2027, 5, 2)),
        ("端午节", date(2027, 6, 9), date(2027, 6, 9)),
        ("中秋节", date(2027, 9, 15), date(2027, 9, 15)),
        ("国庆节", date(2027, 10, 1), date(2027, 10, 3)),
    ]


def test_thirteen_statutory_days_from_2025_and_eleven_before() -> None:
    def count(year: int) -> int:
        return sum((r.end - r.start).days + 1 for r in statutory_holidays(year))

    assert count(2025) == count(2026) == count(2027) == 13
    assert count(2024) == 11


def test_computed_festivals_fall_inside_the_official_holidays_of_known_years() -> None:
    cal = load_calendar()
    for year in range(2025, 2027):
        for holiday in statutory_holidays(year):
            for day in holiday.days():
                assert not cal.is_working_day(day), (year, holiday.name, day)


def test_qingming_matches_the_independent_solar_term_table() -> None:
    for year in range(2018, 2029):
        assert chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 10))[0][0] == (
            qingming(year)
        )


def test_coinciding_festivals_merge_into_one_range() -> None:
    # 中秋 2028 is 3 October, inside 国庆.
    october = [r for r in statutory_holidays(2028) if r.start.month == 10]
    assert [(r.name, r.start, r.end) for r in october] == [
        ("国庆节、中秋节", date(2028, 10, 1), date(2028, 10, 3))
    ]


def test_provisional_years_have_no_adjusted_working_days_and_are_flagged() -> None:
    cal = load_calendar()
    assert cal.provisional_years == (2027, 2028)
    assert cal.is_provisional(date(2027, 3, 1))
    assert not cal.is_provisional(date(2026, 12, 31))
    assert not cal.is_working_day(date(2027, 2, 5))
    assert not cal.is_working_day(date(2027, 2, 6))  # an ordinary Saturday, no 调休 known
    assert cal.is_working_day(date(2027, 2, 9))
