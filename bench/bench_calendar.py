"""Benchmark: our add_working_days against workalendar's China and chinese_calendar, and
`deadline()`, the function the service calls, against its floor.

Run: .venv/bin/python bench/bench_calendar.py

`deadline()` is timed on 2000 receipt instants of 2026 with n in 1..20, in interleaved rounds
against its floor: the receipt's Beijing date, `add_working_days`, the due instant and the
`Deadline` built, which any implementation must do (ours also checks its arguments and names
the notices the counted days rest on). The figure is the median of the rounds' ratios.

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
from datetime import date, datetime, timedelta

import chinese_calendar
from harness import Ratios, load
from workalendar.asia import China

from calendars import BEIJING, ChinaCalendar, Deadline, deadline, end_of_day, load_calendar

PAIRS = 2000
GOAL = 100.0
DEADLINE_GOAL = 2.0
ROUNDS = 9


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


def deadline_floor(calendar: ChinaCalendar) -> Callable[[datetime, int], Deadline]:
    def floor(received_at: datetime, working_days: int) -> Deadline:
        received_on = received_at.astimezone(BEIJING).date()
        last_day = calendar.add_working_days(received_on, working_days)
        return Deadline(received_on, working_days, last_day, end_of_day(last_day), False, ())

    return floor


def time_deadline(calendar: ChinaCalendar) -> Ratios:
    rng = random.Random(2026)
    start = datetime(2026, 1, 1, tzinfo=BEIJING)
    receipts = [
        (start + timedelta(minutes=rng.randint(0, 330 * 24 * 60)), rng.randint(1, 20))
        for _ in range(PAIRS)
    ]
    floor = deadline_floor(calendar)
    for received_at, n in receipts:
        ours, least = deadline(received_at, n, calendar), floor(received_at, n)
        if (ours.last_day, ours.due) != (least.last_day, least.due):
            raise SystemExit(f"deadline and its floor disagree on {received_at}, {n}")
    ratios = Ratios("deadline() against its floor", DEADLINE_GOAL, lower=True)
    best = {"deadline": float("inf"), "floor": float("inf")}
    for r in range(ROUNDS):
        took = {}
        runs = (("deadline", lambda t, n: deadline(t, n, calendar)), ("floor", floor))
        for name, fn in runs if r % 2 == 0 else runs[::-1]:
            began = time.perf_counter()
            for received_at, n in receipts:
                fn(received_at, n)
            took[name] = (time.perf_counter() - began) / PAIRS
            best[name] = min(best[name], took[name])
        ratios.add(took["deadline"] / took["floor"])
    print(f"deadline(): {PAIRS} receipts in 2026, n in 1..20, {ROUNDS} interleaved rounds")
    print(
        f"  deadline() {best['deadline'] * 1e6:.2f} µs/call, its floor "
        f"{best['floor'] * 1e6:.2f} µs/call (best of rounds)"
    )
    return ratios


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
    print(f"goal: >= {GOAL:.0f}x faster than workalendar: {verdict} ({ratio:,.0f}x)  [{load()}]")
    print(time_deadline(ours).line())


if __name__ == "__main__":
    main()
