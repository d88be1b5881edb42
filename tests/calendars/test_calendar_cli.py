"""``python -m calendars show | validate | years``."""

from __future__ import annotations

from pathlib import Path

import pytest

from calendars import PACKAGED_DATA_DIR
from calendars.__main__ import main


def test_show_prints_a_month_grid_with_holidays_and_adjusted_days(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["show", "2026", "--dir", str(PACKAGED_DATA_DIR)]) == 0
    out = capsys.readouterr().out
    assert "国办发明电〔2025〕7号" in out
    assert "2026-02" in out
    assert " 14+ 15*" in out  # makeup Saturday, then 春节 Sunday
    assert "2026-02-15 – 2026-02-23" in out and "春节 (9 天)" in out
    assert "2026-10-10（周六）" in out


def test_show_marks_a_provisional_year(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "2027", "--dir", str(PACKAGED_DATA_DIR)]) == 0
    out = capsys.readouterr().out
    assert "PROVISIONAL" in out and "暂估" in out
    assert "2027-02-05 – 2027-02-08" in out


def test_show_refuses_an_uncovered_year(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "2017", "--dir", str(PACKAGED_DATA_DIR)]) == 1
    assert "2017年" in capsys.readouterr().err


def test_years_lists_official_and_provisional(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["years", "--dir", str(PACKAGED_DATA_DIR)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["2018", "official", "国办发明电〔2017〕12号"]
    assert lines[8].split() == ["2026", "official", "国办发明电〔2025〕7号"]
    assert lines[9].startswith("2027  provisional")
    assert lines[10].startswith("2028  provisional")


def test_validate_reports_ok_or_the_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(PACKAGED_DATA_DIR / "2026.yaml")]) == 0
    assert "OK" in capsys.readouterr().out
    bad = tmp_path / "2026.yaml"
    bad.write_text(
        (PACKAGED_DATA_DIR / "2026.yaml")
        .read_text(encoding="utf-8")
        .replace("2026-02-28", "2026-02-27"),
        encoding="utf-8",
    )
    assert main(["validate", str(bad)]) == 1
    assert f"{bad}:" in capsys.readouterr().err
