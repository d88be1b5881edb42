"""Operators add a year by dropping one validated file; errors name the file and the line."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from calendars import (
    BEIJING,
    CALENDAR_DIR_ENV,
    PACKAGED_DATA_DIR,
    CalendarFileError,
    covered_years,
    deadline,
    default_calendar,
    load_calendar,
    parse_year_text,
    reset_default_calendar,
    validate_file,
)

PACKAGED_2026 = (PACKAGED_DATA_DIR / "2026.yaml").read_text(encoding="utf-8")

# A made-up 2027 schedule for tests only: not the official arrangement, which is not published.
FICTIONAL_2027 = """\
# TEST FIXTURE, not an official schedule.
year: 2027
notice:
  title: 国务院办公厅关于2027年部分节假日安排的通知
  number: 国办发明电〔2026〕99号
  signed: 2026-11-10
  published: 2026-11-10
  url: https://example.invalid/2027
holidays:
  - [2026-12-31, 2027-01-01, 元旦]
  - [2027-02-05, 2027-02-12, 春节]
  - [2027-10-01, 2027-10-07, 国庆节]
makeup_workdays:
  - 2027-02-20
"""


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def error_for(tmp_path: Path, text: str, name: str = "2026.yaml") -> CalendarFileError:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CalendarFileError) as info:
        validate_file(path)
    return info.value


@pytest.fixture
def clean_default() -> Iterator[None]:
    reset_default_calendar()
    yield
    reset_default_calendar()


def test_every_packaged_file_validates() -> None:
    for path in sorted(PACKAGED_DATA_DIR.glob("*.yaml")):
        schedule = validate_file(path)
        assert path.stem == str(schedule.year)


def test_makeup_day_on_a_weekday_names_file_and_line(tmp_path: Path) -> None:
    text = PACKAGED_2026.replace("2026-02-28", "2026-02-27")
    error = error_for(tmp_path, text)
    assert error.line == line_of(text, "2026-02-27")
    assert str(error).startswith(f"{tmp_path / '2026.yaml'}:{error.line}: ")
    assert "星期五" in str(error) and "周末" in str(error)


def test_overlapping_ranges_name_file_and_line(tmp_path: Path) -> None:
    text = PACKAGED_2026.replace(
        "[2026-04-04, 2026-04-06, 清明节]", "[2026-04-04, 2026-05-01, 清明节]"
    )
    error = error_for(tmp_path, text)
    assert error.line == line_of(text, "劳动节]")
    assert "重叠" in str(error) and "2026-05-01" in str(error)


def test_missing_notice_names_file_and_line(tmp_path: Path) -> None:
    lines = PACKAGED_2026.splitlines()
    start = line_of(PACKAGED_2026, "notice:") - 1
    text = "\n".join(lines[:start] + lines[start + 6 :]) + "\n"
    error = error_for(tmp_path, text)
    assert "notice" in str(error) and "缺少" in str(error)
    assert error.line == line_of(text, "year:")
    assert str(error).startswith(f"{tmp_path / '2026.yaml'}:")


def test_missing_notice_number_or_url_is_refused(tmp_path: Path) -> None:
    text = PACKAGED_2026.replace("  number: 国办发明电〔2025〕7号\n", "")
    error = error_for(tmp_path, text)
    assert "'number'" in str(error)
    assert error.line == line_of(text, "notice:") + 1
    text = PACKAGED_2026.replace("https://www.gov.cn", "www.gov.cn")
    assert error_for(tmp_path, text).line == line_of(text, "url:")


def test_a_day_both_holiday_and_makeup_is_refused(tmp_path: Path) -> None:
    text = PACKAGED_2026.replace("2026-02-28", "2026-02-22")
    error = error_for(tmp_path, text)
    assert error.line == line_of(text, "2026-02-22")
    assert f"第 {line_of(text, '春节]')} 行" in str(error)


def test_dates_outside_the_notice_year_are_refused(tmp_path: Path) -> None:
    text = PACKAGED_2026.replace("2026-10-10", "2027-01-09")
    assert error_for(tmp_path, text).line == line_of(text, "2027-01-09")
    text = PACKAGED_2026.replace("[2026-01-01, 2026-01-03, 元旦]", "[2025-11-30, 2026-01-03, 元旦]")
    assert error_for(tmp_path, text).line == line_of(text, "2025-11-30")


def test_file_name_and_year_must_agree(tmp_path: Path) -> None:
    error = error_for(tmp_path, PACKAGED_2026, name="2027.yaml")
    assert error.line == line_of(PACKAGED_2026, "year:")


def test_yaml_syntax_errors_and_unknown_keys_name_the_line() -> None:
    with pytest.raises(CalendarFileError) as info:
        parse_year_text("year: 2027\nnotice: [unclosed\n", "upload.yaml")
    assert info.value.source == "upload.yaml" and info.value.line is not None
    with pytest.raises(CalendarFileError) as info:
        parse_year_text(FICTIONAL_2027 + "holidyas: []\n", "upload.yaml")
    assert info.value.line == len(FICTIONAL_2027.splitlines()) + 1
    with pytest.raises(CalendarFileError, match="为空"):
        parse_year_text("", "upload.yaml")


def test_uploaded_text_parses_with_reach_back_into_december() -> None:
    schedule = parse_year_text(FICTIONAL_2027, "upload.yaml")
    assert schedule.year == 2027
    assert schedule.first_day == date(2026, 12, 31)
    assert schedule.makeup_workdays == (date(2027, 2, 20),)


def test_an_added_year_file_turns_the_provisional_year_official(tmp_path: Path) -> None:
    (tmp_path / "2027.yaml").write_text(FICTIONAL_2027, encoding="utf-8")
    cal = load_calendar(tmp_path)
    statuses = {s.year: s for s in covered_years(cal)}
    assert statuses[2027].official and statuses[2027].notice_number == "国办发明电〔2026〕99号"
    assert not statuses[2029].official and 2030 not in statuses
    # The 2027 file reaches back: 2026-12-31 becomes a holiday, Saturday 02-20 a working day.
    assert not cal.is_working_day(date(2026, 12, 31))
    assert cal.is_working_day(date(2027, 2, 20))
    result = deadline(datetime(2026, 12, 30, 10, 0, tzinfo=BEIJING), 1, cal)
    assert result.last_day == date(2027, 1, 4)
    assert not result.provisional
    assert result.notices == ("国办发明电〔2025〕7号", "国办发明电〔2026〕99号")


def test_default_calendar_reads_the_operator_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_default: None
) -> None:
    monkeypatch.delenv(CALENDAR_DIR_ENV, raising=False)
    assert not default_calendar().schedules.get(2027)
    assert default_calendar() is default_calendar()
    received = datetime(2027, 2, 4, 10, 0, tzinfo=BEIJING)
    assert deadline(received, 1).provisional

    (tmp_path / "2027.yaml").write_text(FICTIONAL_2027, encoding="utf-8")
    monkeypatch.setenv(CALENDAR_DIR_ENV, str(tmp_path))
    assert not default_calendar().schedules.get(2027)  # cached until reset
    reset_default_calendar()
    assert default_calendar().schedules[2027].notice.number == "国办发明电〔2026〕99号"
    assert deadline(received, 1).last_day == date(2027, 2, 15)
    assert not deadline(received, 1).provisional


def test_files_that_disagree_about_a_day_are_refused_naming_both(tmp_path: Path) -> None:
    # A 2018 file making Saturday 2018-12-29 a holiday contradicts the 2019 notice.
    text = (PACKAGED_DATA_DIR / "2018.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "  - [2018-10-01, 2018-10-07, 国庆节]",
        "  - [2018-10-01, 2018-10-07, 国庆节]\n  - [2018-12-29, 2018-12-29, 元旦]",
    )
    (tmp_path / "2018.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(CalendarFileError) as info:
        load_calendar(tmp_path)
    message = str(info.value)
    assert "2018-12-29" in message and "冲突" in message
    assert "2018.yaml" in message and "2019.yaml:" in message


def test_two_files_for_one_year_in_one_directory_are_refused(tmp_path: Path) -> None:
    (tmp_path / "2027.yaml").write_text(FICTIONAL_2027, encoding="utf-8")
    (tmp_path / "2027-copy.yaml").write_text(FICTIONAL_2027, encoding="utf-8")
    with pytest.raises(CalendarFileError, match="2027"):
        load_calendar(tmp_path)
