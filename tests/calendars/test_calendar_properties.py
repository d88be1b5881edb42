"""Properties of working-day arithmetic over the whole covered range."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from calendars import ChinaCalendar, load_calendar

CAL: ChinaCalendar = load_calendar()
# Keep results inside coverage: 2028 ends the provisional horizon, 120 working days < 7 months.
days = st.dates(min_value=date(2018, 1, 1), max_value=date(2028, 5, 31))
counts = st.integers(min_value=1, max_value=120)
# No limit on real time, per example (deadline) or to generate examples (too_slow): a loaded
# machine must not fail a property.
EXAMPLES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@EXAMPLES
@given(days, counts)
def test_add_never_lands_on_a_non_working_day(day: date, n: int) -> None:
    assert CAL.is_working_day(CAL.add_working_days(day, n))


@EXAMPLES
@given(days, counts)
def test_add_and_count_are_inverse(day: date, n: int) -> None:
    later = CAL.add_working_days(day, n)
    assert later > day
    assert CAL.get_working_days_delta(day, later) == n
    # Going back n working days from the result reaches the last working day not after day
    # (which for the first days of 2018 lies in uncovered 2017).
    assume(day >= date(2018, 1, 10))
    back = CAL.sub_working_days(later, n)
    assert back <= day and CAL.is_working_day(back)
    assert CAL.get_working_days_delta(back, day) == 0
    if CAL.is_working_day(day):
        assert back == day


@EXAMPLES
@given(days, days, counts, counts)
def test_add_is_monotone_in_the_start_and_the_count(a: date, b: date, m: int, n: int) -> None:
    a, b = min(a, b), max(a, b)
    m, n = min(m, n), max(m, n)
    assert CAL.add_working_days(a, n) <= CAL.add_working_days(b, n)
    assert CAL.add_working_days(a, m) <= CAL.add_working_days(a, n)
    if m < n:
        assert CAL.add_working_days(a, m) < CAL.add_working_days(a, n)


@EXAMPLES
@given(days, st.integers(min_value=0, max_value=400))
def test_count_is_additive(day: date, span: int) -> None:
    middle, end = day + timedelta(days=span // 2), day + timedelta(days=span)
    assume(end <= CAL.last_day)
    assert CAL.get_working_days_delta(day, end) == (
        CAL.get_working_days_delta(day, middle) + CAL.get_working_days_delta(middle, end)
    )


def test_no_calendar_code_or_test_reads_the_clock() -> None:
    clock = re.compile(r"\b(date\.today|datetime\.now|datetime\.utcnow|time\.time)\(")
    root = Path(__file__).resolve().parents[2]
    sources = [*root.joinpath("calendars").rglob("*.py"), *Path(__file__).parent.rglob("*.py")]
    offenders = [
        str(path)
        for path in sources
        if path != Path(__file__).resolve() and clock.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
