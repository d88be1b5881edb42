"""Our schedule files against two independent sources, day by day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import chinese_calendar
import pytest

from calendars import ChinaCalendar, load_calendar
from tests.calendars.workalendar_china import workalendar_china

# workalendar lacks the 2020 Spring Festival extension (国办发明电〔2020〕1号).
WORKALENDAR_MISSES_2020_EXTENSION = {date(2020, 1, 31), date(2020, 2, 1)}


def days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


@pytest.fixture(scope="module")
def cal() -> ChinaCalendar:
    return load_calendar()


def test_every_day_2018_to_2026_agrees_with_chinese_calendar(cal: ChinaCalendar) -> None:
    disagreements = [
        day
        for day in days(date(2018, 1, 1), date(2026, 12, 31))
        if cal.is_working_day(day) != chinese_calendar.is_workday(day)
    ]
    assert disagreements == []


def test_every_day_2018_to_2023_agrees_with_workalendar_except_the_2020_extension(
    cal: ChinaCalendar,
) -> None:
    with workalendar_china() as china:
        disagreements = {
            day
            for day in days(date(2018, 1, 1), date(2023, 12, 31))
            if cal.is_working_day(day) != china.is_working_day(day)
        }
    assert disagreements == WORKALENDAR_MISSES_2020_EXTENSION


def test_the_2020_extension_made_friday_a_holiday_and_saturday_a_rest_day(
    cal: ChinaCalendar,
) -> None:
    assert not cal.is_working_day(date(2020, 1, 31))
    assert not cal.is_working_day(date(2020, 2, 1))
    assert cal.is_working_day(date(2020, 2, 3))


def test_a_notice_can_set_days_of_the_previous_year(cal: ChinaCalendar) -> None:
    assert cal.is_working_day(date(2018, 12, 29))  # Saturday, 2019 notice
    assert cal.get_holiday_label(date(2018, 12, 31)) == "元旦"
    assert cal.get_holiday_label(date(2022, 12, 31)) == "元旦"  # Saturday, 2023 notice
    assert date(2022, 12, 31) in cal.holidays_set(2022)


def test_new_years_eve_2024_was_a_working_day_but_is_a_holiday_from_2025(
    cal: ChinaCalendar,
) -> None:
    assert cal.is_working_day(date(2024, 2, 9))
    assert cal.get_holiday_label(date(2025, 1, 28)) == "春节"  # 除夕


def test_every_official_year_names_its_notice(cal: ChinaCalendar) -> None:
    assert cal.official_years == tuple(range(2018, 2027))
    for schedule in cal.schedules.values():
        assert f"{schedule.year}年部分节假日安排" in schedule.notice.title
        assert schedule.notice.number.startswith("国办发明电〔")
        assert schedule.notice.url and schedule.notice.url.startswith("http")
    assert cal.schedules[2019].amendments[0].number == "国办发明电〔2019〕3号"
    assert cal.schedules[2020].amendments[0].number == "国办发明电〔2020〕1号"
