"""Provisional years: the statutory holidays of 全国年节及纪念日放假办法, before the notice exists.

The State Council publishes each year's arrangement (with its adjusted working days) late in the
previous year. Until then a year is estimated as weekends plus the statutory festival days the
办法 fixes. The estimate is never the official arrangement: the notice usually bridges festivals
to weekends and adds 调休 Saturdays, which no rule predicts. Every result that counts such a day
is flagged provisional.
"""

from __future__ import annotations

from datetime import date, timedelta

from lunardate import LunarDate
from workalendar.precomputed_astronomy import solar_term

from calendars.schedule import HolidayRange

# 全国年节及纪念日放假办法 as revised by 国务院令第795号 (2024-11-10), in force 2025-01-01:
# 13 days; 除夕 and a second 劳动节 day became statutory.
_REVISION_2025 = 2025

# The precomputed tables have no Asia/Shanghai entry; Hong Kong has kept UTC+8 without daylight
# saving since 1979, so its solar-term dates are Beijing's.
_UTC8_ZONE = "Asia/Hong_Kong"


def _lunar(year: int, month: int, day: int) -> date:
    return LunarDate(year, month, day).to_solar_date()


def _span(name: str, start: date, days: int) -> HolidayRange:
    return HolidayRange(name, start, start + timedelta(days=days - 1))


def qingming(year: int) -> date:
    """清明: the day the sun reaches ecliptic longitude 15°, Beijing time."""
    return solar_term(year, 15, _UTC8_ZONE)


def statutory_holidays(year: int) -> list[HolidayRange]:
    """The festival days 全国年节及纪念日放假办法 (第二条) fixes for ``year``, in date order.

    From 2025: 元旦 1, 春节 4 (除夕 to 正月初三), 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3.
    Before 2025 (2013 revision, in force 2014): 春节 3 (正月初一 to 初三) and 劳动节 1; 11 days.
    Festivals that fall together (中秋 on 1–3 October, as in 2028) are merged into one range,
    since a day cannot rest twice.
    """
    new_year = _lunar(year, 1, 1)
    if year >= _REVISION_2025:
        spring = _span("春节", new_year - timedelta(days=1), 4)
        labour = _span("劳动节", date(year, 5, 1), 2)
    else:
        spring = _span("春节", new_year, 3)
        labour = _span("劳动节", date(year, 5, 1), 1)
    ranges = [
        _span("元旦", date(year, 1, 1), 1),
        spring,
        _span("清明节", qingming(year), 1),
        labour,
        _span("端午节", _lunar(year, 5, 5), 1),
        _span("中秋节", _lunar(year, 8, 15), 1),
        _span("国庆节", date(year, 10, 1), 3),
    ]
    ranges.sort(key=lambda r: r.start)
    merged: list[HolidayRange] = []
    for current in ranges:
        if merged and current.start <= merged[-1].end:
            last = merged.pop()
            end = max(last.end, current.end)
            current = HolidayRange(f"{last.name}、{current.name}", last.start, end)
        merged.append(current)
    return merged
