"""The legal deadline: receipt day not counted (民法典 第二百零一条), ends 24:00 (第二百零三条)."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import UTC, date, datetime, timedelta

import pytest

from calendars import (
    BEIJING,
    CalendarNotCoveredError,
    ChinaCalendar,
    Deadline,
    InvalidWorkingDaysError,
    NaiveDatetimeError,
    deadline,
    load_calendar,
    working_days_left,
)

NOTICE_2026 = "国办发明电〔2025〕7号"


@pytest.fixture(scope="module")
def cal() -> ChinaCalendar:
    return load_calendar()


def beijing(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=BEIJING)


def test_spring_festival_2026_is_skipped_and_the_makeup_saturday_counts(
    cal: ChinaCalendar,
) -> None:
    # Received Friday 2026-02-13: Saturday 02-14 is 调休上班, 02-15..23 are 春节.
    result = deadline(beijing(2026, 2, 13, 10, 0), 3, cal)
    assert result.received_on == date(2026, 2, 13)
    assert result.last_day == date(2026, 2, 25)
    assert result.due == beijing(2026, 2, 26, 0, 0)
    assert not result.provisional
    assert result.notices == (NOTICE_2026,)


def test_an_adjusted_saturday_can_be_the_last_day(cal: ChinaCalendar) -> None:
    assert deadline(beijing(2026, 2, 12, 15, 0), 2, cal).last_day == date(2026, 2, 14)
    assert deadline(beijing(2026, 2, 26, 15, 0), 2, cal).last_day == date(2026, 2, 28)


def test_national_day_2026(cal: ChinaCalendar) -> None:
    # 10-01..07 holidays; Saturday 10-10 is 调休上班.
    assert deadline(beijing(2026, 9, 30, 9, 0), 1, cal).last_day == date(2026, 10, 8)
    assert deadline(beijing(2026, 9, 30, 9, 0), 3, cal).last_day == date(2026, 10, 10)
    assert deadline(beijing(2026, 9, 30, 9, 0), 4, cal).last_day == date(2026, 10, 12)


def test_receipt_on_a_holiday_counts_from_the_next_working_day(cal: ChinaCalendar) -> None:
    assert deadline(beijing(2026, 10, 3, 11, 0), 1, cal).last_day == date(2026, 10, 8)


def test_utc_receipt_is_dated_in_beijing(cal: ChinaCalendar) -> None:
    # 16:30Z on Thursday 19 November is 00:30 on Friday 20 November in Beijing.
    result = deadline(datetime(2026, 11, 19, 16, 30, tzinfo=UTC), 1, cal)
    assert result.received_on == date(2026, 11, 20)
    assert result.last_day == date(2026, 11, 23)
    assert result.due == datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    assert result.due.utcoffset() == timedelta(hours=8)


def test_receipt_one_second_after_midnight_belongs_to_that_day(cal: ChinaCalendar) -> None:
    assert deadline(beijing(2026, 11, 20, 0, 0, 1), 1, cal).received_on == date(2026, 11, 20)
    assert deadline(beijing(2026, 11, 20, 0, 0, 1), 1, cal).last_day == date(2026, 11, 23)
    assert deadline(beijing(2026, 11, 19, 23, 59, 59), 1, cal).last_day == date(2026, 11, 20)


def test_due_is_midnight_after_the_last_day(cal: ChinaCalendar) -> None:
    result = deadline(beijing(2026, 3, 2, 14, 0), 10, cal)
    assert result.last_day == date(2026, 3, 16)
    assert result.due == beijing(2026, 3, 17, 0, 0)
    assert result.due.tzinfo == BEIJING


def test_year_end_into_2027_is_flagged_provisional(cal: ChinaCalendar) -> None:
    # 2027-01-01 is a statutory holiday; the 2027 notice may still move days around.
    result = deadline(beijing(2026, 12, 30, 10, 0), 5, cal)
    assert result.last_day == date(2027, 1, 7)
    assert result.provisional
    assert result.notices[0] == NOTICE_2026
    assert "2027年" in result.notices[1] and "暂估" in result.notices[1]


def test_deadline_wholly_inside_2026_is_not_provisional(cal: ChinaCalendar) -> None:
    result = deadline(beijing(2026, 12, 1, 10, 0), 10, cal)
    assert result.last_day == date(2026, 12, 15)
    assert not result.provisional
    assert result.notices == (NOTICE_2026,)


def test_receipt_inside_a_provisional_year_is_provisional(cal: ChinaCalendar) -> None:
    result = deadline(beijing(2027, 2, 4, 10, 0), 1, cal)
    assert result.last_day == date(2027, 2, 9)  # 除夕 02-05 to 02-08 estimated
    assert result.provisional
    assert result.notices == ("2027年（暂估，国务院通知未发布）",)


def test_the_2020_extension_is_applied_and_cited(cal: ChinaCalendar) -> None:
    result = deadline(beijing(2020, 1, 23, 10, 0), 1, cal)
    assert result.last_day == date(2020, 2, 3)
    assert result.notices == ("国办发明电〔2019〕16号", "国办发明电〔2020〕1号")
    unaffected = deadline(beijing(2020, 3, 2, 10, 0), 5, cal)
    assert unaffected.notices == ("国办发明电〔2019〕16号",)


def test_a_previous_year_day_set_by_next_years_notice_cites_that_notice(
    cal: ChinaCalendar,
) -> None:
    result = deadline(beijing(2018, 12, 28, 10, 0), 1, cal)
    assert result.last_day == date(2018, 12, 29)  # Saturday worked, 国办发明电〔2018〕15号
    assert result.notices == ("国办发明电〔2017〕12号", "国办发明电〔2018〕15号")


def test_naive_datetime_is_refused(cal: ChinaCalendar) -> None:
    with pytest.raises(NaiveDatetimeError, match="时区"):
        deadline(datetime(2026, 11, 20, 9, 0), 1, cal)
    with pytest.raises(ValueError):
        deadline(datetime(2026, 11, 20, 9, 0), 1, cal)


@pytest.mark.parametrize("working_days", [0, -3])
def test_working_days_must_be_positive(cal: ChinaCalendar, working_days: int) -> None:
    with pytest.raises(InvalidWorkingDaysError):
        deadline(beijing(2026, 11, 20, 9, 0), working_days, cal)


def test_receipt_before_2018_is_refused(cal: ChinaCalendar) -> None:
    with pytest.raises(CalendarNotCoveredError, match="2017年"):
        deadline(beijing(2017, 6, 1, 9, 0), 5, cal)


def test_deadline_is_a_frozen_value(cal: ChinaCalendar) -> None:
    result = deadline(beijing(2026, 11, 20, 9, 0), 1, cal)
    assert isinstance(result, Deadline)
    with pytest.raises(FrozenInstanceError):
        result.last_day = date(2026, 12, 1)  # type: ignore[misc]


def test_working_days_left_counts_today_until_midnight_of_the_last_day(
    cal: ChinaCalendar,
) -> None:
    result = deadline(beijing(2026, 2, 13, 10, 0), 3, cal)  # 02-14, 02-24, 02-25
    assert working_days_left(result, beijing(2026, 2, 13, 18, 0), cal) == 3
    assert working_days_left(result, beijing(2026, 2, 14, 9, 0), cal) == 3
    assert working_days_left(result, beijing(2026, 2, 18, 9, 0), cal) == 2
    assert working_days_left(result, beijing(2026, 2, 25, 23, 59, 59), cal) == 1
    assert working_days_left(result, beijing(2026, 2, 26, 0, 0), cal) == 0
    assert working_days_left(result.last_day, beijing(2026, 2, 24, 8, 0), cal) == 2
    with pytest.raises(NaiveDatetimeError):
        working_days_left(result, datetime(2026, 2, 20, 9, 0), cal)
