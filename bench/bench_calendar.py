"""Benchmark: our add_working_days against workalendar's China and chinese_calendar.

Run: .venv/bin/python bench/bench_calendar.py

All three answer the same (day, n) pairs in 2023, the one year all three have data for, with
days that are working days: chinese_calendar.find_workday first moves a non-working day
forward, so on holidays it answers a different question. The answers are checked to agree
before anything is timed.
"""

from __future__ import annotations

import random
import time
import warnings
from collections.abc import Callable
from datetime import date, timedelta

import chinese_calendar
from workalendar.asia import China

from calendars import load_calendar

PAIRS = 2000
GOAL = 100.0


def inputs(cal_is_working: Callable[[date], bool]) -> list[tuple[date, int]]:
    rng = random.Random(2023)
    # Up to 30 November with n <= 20 keeps every answer inside 2023, where workalendar stops.
    days = [
        day
        for day in (date(2023, 1, 1) + timedelta(days=i) for i in range(334))
        if cal_is_working(day)
    ]
    return [(rng.choice(days), rng.randint(1, 20)) for _ in range(PAIRS)]


def per_call(fn: Callable[[date, int], date], pairs: list[tuple[date, int]], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for day, n in pairs:
            fn(day, n)
        best = min(best, time.perf_counter() - start)
    return best / len(pairs)


def main() -> None:
    ours = load_calendar()
    workalendar_china = China()
    pairs = inputs(ours.is_working_day)
    with warnings.catch_warnings():
        # workalendar's China warns on every year it computes that its data needs updating.
        warnings.simplefilter("ignore")
        contenders: list[tuple[str, Callable[[date, int], date], int]] = [
            ("calendars.ChinaCalendar.add_working_days", ours.add_working_days, 20),
            ("workalendar.asia.China.add_working_days", workalendar_china.add_working_days, 2),
            (
                "chinese_calendar.find_workday",
                lambda day, n: chinese_calendar.find_workday(n, day),
                5,
            ),
        ]
        answers = {name: [fn(d, n) for d, n in pairs] for name, fn, _ in contenders}
        reference = answers[contenders[0][0]]
        for name, result in answers.items():
            mismatches = sum(a != b for a, b in zip(reference, result, strict=True))
            if mismatches:
                raise SystemExit(f"{name} disagrees with ours on {mismatches} of {PAIRS} inputs")
        timings = {name: per_call(fn, pairs, rounds) for name, fn, rounds in contenders}

    print(f"add_working_days: {PAIRS} (working day in 2023, n in 1..20) pairs, best of rounds")
    print(f"answers identical on all {PAIRS} inputs for all three")
    ours_time = timings[contenders[0][0]]
    for name, seconds in timings.items():
        ratio = seconds / ours_time
        suffix = "" if seconds == ours_time else f"  ours is {ratio:,.0f}x faster"
        print(f"  {name:<42} {seconds * 1e6:9.2f} µs/call{suffix}")
    ratio = timings[contenders[1][0]] / ours_time
    verdict = "met" if ratio >= GOAL else "NOT met"
    print(f"goal: >= {GOAL:.0f}x faster than workalendar: {verdict} ({ratio:,.0f}x)")


if __name__ == "__main__":
    main()
