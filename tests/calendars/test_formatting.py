"""The one way days, deadlines and instants are written for people (calendars/formatting.py):
Beijing time, whatever zone the value arrives in, as `date`, `datetime` or ISO text."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from calendars import BEIJING
from calendars.formatting import (
    day_end_text,
    day_text,
    days_text,
    due_text,
    instant_text,
    iso_text,
    rewrite_iso,
)


def test_a_day_is_written_in_chinese_without_leading_zeros():
    assert day_text(date(2026, 1, 5)) == "2026年1月5日"
    assert day_text("2026-11-16") == "2026年11月16日"
    # An instant's day is its Beijing day: 16:30 UTC is already the next day in Beijing.
    assert day_text(datetime(2026, 11, 15, 16, 30, tzinfo=UTC)) == "2026年11月16日"
    assert day_text(None) == day_text("") == ""


def test_a_due_instant_is_the_end_of_its_last_day():
    due = datetime(2026, 11, 17, tzinfo=BEIJING)  # 00:00 of the 17th: the 16th is the last day
    assert due_text(due) == "2026年11月16日24时"
    assert due_text(due.isoformat()) == "2026年11月16日24时"
    assert due_text(due.astimezone(UTC)) == "2026年11月16日24时"
    assert day_end_text(date(2030, 1, 1)) == day_end_text("2030-01-01") == "2030年1月1日24时"
    assert due_text("2030-01-01") == "2030年1月1日24时"  # a last day given as a date
    # A due at another time of day is an instant.
    assert due_text(due + timedelta(hours=9, minutes=30)) == "2026年11月17日 09:30"


def test_an_instant_says_its_time_in_beijing():
    moment = datetime(2026, 11, 16, 1, 30, 5, tzinfo=UTC)
    assert instant_text(moment) == "2026年11月16日 09:30（北京时间）"
    assert instant_text(moment, seconds=True) == "2026年11月16日 09:30:05（北京时间）"
    assert instant_text(moment, zone=False) == "2026年11月16日 09:30"
    assert instant_text("2026-11-16T09:30:00+08:00") == "2026年11月16日 09:30（北京时间）"
    eastern = timezone(timedelta(hours=-5))
    assert instant_text(datetime(2026, 11, 15, 20, 30, tzinfo=eastern)) == (
        "2026年11月16日 09:30（北京时间）"
    )


def test_a_range_of_days_names_both_ends():
    assert days_text(date(2026, 11, 1), "2026-11-30") == "2026年11月1日至2026年11月30日"


def test_recorded_iso_text_is_written_the_one_way():
    assert iso_text("2026-10-08") == "2026年10月8日"
    assert iso_text("2026-11-16T01:30:00+00:00") == "2026年11月16日 09:30（北京时间）"
    assert iso_text("同意") == "同意"
    assert rewrite_iso("临时调整期限（2026-10-08）届满，恢复原共享类型") == (
        "临时调整期限（2026年10月8日）届满，恢复原共享类型"
    )


def test_what_only_looks_like_a_day_is_left_as_it_is():
    assert iso_text("2026-13-45") == "2026-13-45"
    assert rewrite_iso("见 2026-02-30 的说明") == "见 2026-02-30 的说明"
