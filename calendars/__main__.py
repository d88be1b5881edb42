"""Operator commands: ``python -m calendars show YEAR | validate FILE... | years``."""

from __future__ import annotations

import argparse
import calendar as month_calendar
import sys
from collections.abc import Sequence
from datetime import date, timedelta

from calendars.china import ChinaCalendar, DayKind, covered_years
from calendars.errors import CalendarError
from calendars.loading import default_calendar, load_calendar
from calendars.plausibility import implausibilities
from calendars.schedule import validate_file

_MARKS = {
    DayKind.WORKDAY: " ",
    DayKind.WEEKEND: " ",
    DayKind.HOLIDAY: "*",
    DayKind.MAKEUP_WORKDAY: "+",
}
_WEEKDAYS = "Mo  Tu  We  Th  Fr  Sa  Su"
_MONTH_WIDTH = 28
_WEEKDAYS_ZH = "一二三四五六日"


def _month_lines(cal: ChinaCalendar, year: int, month: int) -> list[str]:
    lines = [f"{year}-{month:02d}".center(_MONTH_WIDTH), " " + _WEEKDAYS + " "]
    for week in month_calendar.Calendar().monthdatescalendar(year, month):
        cells = []
        for day in week:
            if day.month != month:
                cells.append("    ")
            else:
                cells.append(f"{day.day:3d}{_MARKS[cal.day_kind(day)]}")
        lines.append("".join(cells))
    while len(lines) < 8:
        lines.append("")
    return [line.ljust(_MONTH_WIDTH) for line in lines]


def _holiday_ranges(cal: ChinaCalendar, year: int) -> list[tuple[date, date, str]]:
    ranges: list[tuple[date, date, str]] = []
    for day, name in cal.holidays(year):
        if ranges and ranges[-1][1] + timedelta(days=1) == day and ranges[-1][2] == name:
            ranges[-1] = (ranges[-1][0], day, name)
        else:
            ranges.append((day, day, name))
    return ranges


def show(cal: ChinaCalendar, year: int) -> str:
    """A year as month grids: ``*`` holiday (放假), ``+`` adjusted working day (调休上班)."""
    out: list[str] = []
    schedule = cal.schedules.get(year)
    if schedule is not None:
        out.append(f"{year}: official / 正式 — {schedule.notice.title}（{schedule.notice.number}）")
        for amendment in schedule.amendments:
            out.append(f"      amended by / 调整 — {amendment.title}（{amendment.number}）")
    else:
        out.append(
            f"{year}: PROVISIONAL / 暂估 — 国务院通知未发布; weekends plus the statutory days of "
            "全国年节及纪念日放假办法 only, no adjusted working days yet"
        )
    following = cal.schedules.get(year + 1)
    if following is not None and following.first_day.year == year:
        out.append(f"      December days also set by {following.notice.number}")
    out.append("      * holiday 放假   + adjusted working day 调休上班")
    out.append("")
    for first in range(1, 13, 3):
        blocks = [_month_lines(cal, year, m) for m in range(first, first + 3)]
        for row in zip(*blocks, strict=True):
            out.append("  ".join(row).rstrip())
    out.append("")
    out.append("放假 holidays:")
    for start, end, name in _holiday_ranges(cal, year):
        span = f"{start}" if start == end else f"{start} – {end}"
        out.append(f"  {span:<25} {name} ({(end - start).days + 1} 天)")
    makeups = [
        day
        for day in (date(year, 1, 1) + timedelta(days=i) for i in range(366))
        if day.year == year and cal.day_kind(day) == DayKind.MAKEUP_WORKDAY
    ]
    out.append("调休上班 adjusted working days:")
    out.append(
        "  " + ", ".join(f"{d}（周{_WEEKDAYS_ZH[d.weekday()]}）" for d in makeups)
        if makeups
        else "  (none)"
    )
    total = cal.get_working_days_delta(date(year - 1, 12, 31), date(year, 12, 31))
    out.append(f"工作日 working days in {year}: {total}")
    return "\n".join(out)


def _calendar(dirs: Sequence[str]) -> ChinaCalendar:
    return load_calendar(*dirs) if dirs else default_calendar()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m calendars", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    show_cmd = commands.add_parser("show", help="print a year as month grids")
    show_cmd.add_argument("year", type=int)
    validate_cmd = commands.add_parser("validate", help="validate year files")
    validate_cmd.add_argument("files", nargs="+")
    years_cmd = commands.add_parser("years", help="list official and provisional years")
    for cmd in (show_cmd, years_cmd):
        cmd.add_argument(
            "--dir",
            action="append",
            default=[],
            help="extra data directory (default: packaged data + $SHIXIAN_CALENDAR_DIR)",
        )
    args = parser.parse_args(argv)

    try:
        if args.command == "show":
            print(show(_calendar(args.dir), args.year))
        elif args.command == "years":
            for status in covered_years(_calendar(args.dir)):
                if status.official:
                    print(f"{status.year}  official     {status.notice_number}")
                else:
                    print(f"{status.year}  provisional  暂估（国务院通知未发布）")
        else:
            schedules = [validate_file(path) for path in args.files]
            # The files must also agree with the neighbouring years they reach into.
            load_calendar(extra=schedules)
            implausible = [
                f"{schedule.source_name}: {problem}"
                for schedule in schedules
                for problem in implausibilities(schedule)
            ]
            if implausible:
                print("\n".join(f"不可信 implausible: {p}" for p in implausible), file=sys.stderr)
                return 1
            for schedule in schedules:
                days = sum((h.end - h.start).days + 1 for h in schedule.holidays)
                print(
                    f"OK {schedule.source_name}: {schedule.year}, {schedule.notice.number}, "
                    f"{len(schedule.holidays)} holiday ranges ({days} days), "
                    f"{len(schedule.makeup_workdays)} adjusted working days"
                )
    except CalendarError as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
