"""Whether a year file looks like a State Council holiday notice, before it is loaded as the
official calendar: a file with only New Year's Day is well formed, and would re-plan every
open case against a year with no Spring Festival.

A notice always rests on every festival day 全国年节及纪念日放假办法 (第二条) fixes (it adds
bridge days, never removes one), and moves working days onto weekends next to a break (the
parser already refuses an adjusted working day that is not a Saturday or Sunday). A file that
breaks either is refused, each problem said in Chinese. If a notice ever truly did, the
festival rules in calendars/statutory.py are what changed, and change with it.
"""

from __future__ import annotations

from datetime import timedelta

from calendars.schedule import YearSchedule
from calendars.statutory import statutory_holidays

# How far from a break an adjusted working day may fall (2026: the Sunday 5 days before 中秋).
MAKEUP_REACH = timedelta(days=7)


def implausibilities(schedule: YearSchedule) -> list[str]:
    """What makes the file unlike a notice, one Chinese sentence each; empty if nothing."""
    rest = {day for day, _ in schedule.holiday_days()}
    problems = []
    for festival in statutory_holidays(schedule.year):
        missing = [day for day in festival.days() if day not in rest]
        if missing:
            days = "、".join(day.isoformat() for day in missing)
            problems.append(
                f"缺少法定节日“{festival.name}”的放假日 {days}"
                "（全国年节及纪念日放假办法第二条规定的节日必须放假）"
            )
    for day in schedule.makeup_workdays:
        near = any(
            holiday.start - MAKEUP_REACH <= day <= holiday.end + MAKEUP_REACH
            for holiday in schedule.holidays
        )
        if not near:
            problems.append(f"调休上班日 {day.isoformat()} 前后7日内没有放假安排，不像节假日调休")
    return problems
