"""Supervisors' views at 100,000 realistic cases: the overdue list and the dashboard, each
against its SQL floor, on SQLite and (where PostgreSQL's binaries are found, or with
`--postgres URL`) on PostgreSQL.

The rows are realistic: four jurisdictions, 30% open, a fifth of the open ones overdue, a
tenth of the closed ones closed by deemed consent over the past year; each row's `state` is a
real case's projection (taken from a recorded history in tests/replay/histories, about 2 KB of
JSON) with its ids and times rewritten. Ours is the service's function (`list_cases`,
`dashboard.summarize`: query, rows, the page with names and working days left); the floor
is the fewest plain SQL statements giving the same numbers and rows, run through SQLAlchemy
Core with nothing made of the rows. Rounds interleave the two; the figure is the median of the
rounds' ratios (ours / floor) with their spread. The dashboard's floor leaves out the yearly
maintenance rows (a query over departments, not cases), which ours includes.

    .venv/bin/python bench/bench_case_list.py [N] [--postgres URL | --no-postgres]
"""

from __future__ import annotations

import argparse
import base64
import copy
import json
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from harness import ROOT, Ratios, load

GOALS = {"overdue list": 2.0, "dashboard": 3.0}
ROUNDS = 7
JURISDICTIONS = ["hubei", "hubei.lichuan", "hebei", "shandong.dongying"]
NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)
HISTORIES = ROOT / "tests" / "replay" / "histories"


def recorded_states() -> dict[str, dict[str, Any]]:
    """Real projections: an open case waiting on its provider, one approved, one closed by
    deemed consent (the inputs of their histories' `record_case` activities)."""

    def states(name: str) -> list[dict[str, Any]]:
        history = json.loads((HISTORIES / name).read_text())
        found = []
        for event in history["events"]:
            scheduled = event.get("activityTaskScheduledEventAttributes")
            if scheduled and scheduled["activityType"]["name"] == "record_case":
                found.append(
                    json.loads(base64.b64decode(scheduled["input"]["payloads"][0]["data"]))
                )
        return found

    approved = states("hubei-approved-last-second.json")
    return {
        "open": approved[0],
        "approved": approved[-1],
        "deemed": states("hubei-deemed-consent.json")[-1],
    }


def recorded_start() -> dict[str, Any]:
    """A real case's workflow input, as its submission keeps it."""
    history = json.loads((HISTORIES / "hubei-approved-last-second.json").read_text())
    started = history["events"][0]["workflowExecutionStartedEventAttributes"]
    return json.loads(base64.b64decode(started["input"]["payloads"][0]["data"]))  # type: ignore[no-any-return]


def rows(n: int) -> Iterator[dict[str, Any]]:
    rng = random.Random(7)
    templates = recorded_states()
    for i in range(n):
        jurisdiction = rng.choice(JURISDICTIONS)
        received = NOW - timedelta(days=rng.randint(0, 400), minutes=rng.randint(0, 1440))
        open_ = rng.random() < 0.3
        kind = "open" if open_ else ("deemed" if rng.random() < 0.1 else "approved")
        due = received + timedelta(days=rng.randint(1, 20)) if open_ else None
        if open_ and rng.random() < 0.2:
            due = NOW - timedelta(days=rng.randint(1, 30))  # overdue
        number = f"B{i:07d}"
        state = copy.deepcopy(templates[kind])
        state.update(
            case_id=f"sharing-application/{number}",
            case_number=number,
            jurisdiction=jurisdiction,
            received_at=received.isoformat(),
        )
        closed_at = None
        if not open_:
            closed_at = min(received + timedelta(days=rng.randint(1, 20)), NOW)
            state["events"][-1]["at"] = closed_at.isoformat()
        provider = f"{jurisdiction}-p{rng.randint(0, 20)}"
        yield {
            "case_id": state["case_id"],
            "case_number": number,
            "process": "sharing_application",
            "ruleset": "hubei-419",
            "jurisdiction": jurisdiction,
            "status": "open" if open_ else "closed",
            "stage": state["stage"],
            "outcome": state.get("outcome"),
            "applicant_department_id": f"{jurisdiction}-a{rng.randint(0, 20)}",
            "provider_department_id": provider,
            "received_at": received,
            "due": due,
            "last_day": due.date() if due else None,
            "counted_from": received if open_ else None,
            "provisional": False,
            "overdue": bool(due and due < NOW and rng.random() < 0.5),
            "closed_at": closed_at,
            "granted_by": (state.get("details") or {}).get("granted_by"),
            "revision": 3,
            "state": state,
            "updated_at": NOW,
        }


def fill(url: str, n: int) -> None:
    from sqlmodel import Session

    from models import CaseRecord, CaseSubmission, Department, User
    from models.db import engine_for, migrate
    from workflows.common import Role

    migrate(url)
    engine = engine_for(url)
    start = recorded_start()
    with Session(engine) as session:
        for jurisdiction in JURISDICTIONS:
            for side in "ap":
                session.add_all(
                    Department(
                        id=f"{jurisdiction}-{side}{k}", name=f"部门{k}", jurisdiction=jurisdiction
                    )
                    for k in range(21)
                )
        session.commit()
        batch: list[dict[str, Any]] = []
        for row in rows(n):
            batch.append(row)
            if len(batch) == 5000:
                session.bulk_insert_mappings(CaseRecord, batch)  # type: ignore[arg-type]
                batch.clear()
        session.bulk_insert_mappings(CaseRecord, batch)  # type: ignore[arg-type]
        session.commit()
        # Each case's submission, as POST /cases leaves it (the yearly maintenance's lookup).
        user = User(name="经办人", role=Role.CASEWORKER, department_id="hubei-a0")
        session.add(user)
        session.commit()
        submissions = [
            {
                "user_id": user.id,
                "idempotency_key": f"key-{i}",
                "request_hash": "0" * 64,
                "case_id": f"sharing-application/B{i:07d}",
                "process": "sharing_application",
                "ruleset": "hubei-419",
                "jurisdiction": "hubei",
                "start": start,
            }
            for i in range(n)
        ]
        for at in range(0, n, 5000):
            session.bulk_insert_mappings(CaseSubmission, submissions[at : at + 5000])  # type: ignore[arg-type]
        session.commit()
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")


FLOOR_OVERDUE = """
SELECT count(*) FROM caserecord
WHERE (jurisdiction = :scope OR jurisdiction LIKE :below OR applicant_jurisdiction = :scope
       OR applicant_jurisdiction LIKE :below OR :own IN (applicant_department_id,
       provider_department_id, second_provider_department_id))
  AND status = 'open' AND (overdue OR due <= :now)
;
SELECT case_id, case_number, process, ruleset, jurisdiction, status, stage, outcome,
       applicant_department_id, provider_department_id, received_at, due, last_day,
       counted_from, provisional
FROM caserecord WHERE case_id IN (
  SELECT case_id FROM caserecord
  WHERE (jurisdiction = :scope OR jurisdiction LIKE :below OR applicant_jurisdiction = :scope
       OR applicant_jurisdiction LIKE :below OR :own IN (applicant_department_id,
         provider_department_id, second_provider_department_id))
    AND status = 'open' AND (overdue OR due <= :now)
  ORDER BY due, case_id LIMIT 50
)
ORDER BY due, case_id
"""

FLOOR_DASHBOARD = """
SELECT process, stage, count(*) FROM caserecord
WHERE status = 'open' AND (jurisdiction = :scope OR jurisdiction LIKE :below)
GROUP BY process, stage
;
SELECT count(*),
       count(*) FILTER (WHERE NOT overdue AND due > :now AND due <= :today_end),
       count(*) FILTER (WHERE NOT overdue AND due > :now AND due <= :horizon_1),
       count(*) FILTER (WHERE NOT overdue AND due > :now AND due <= :horizon_3),
       count(*) FILTER (WHERE overdue OR due <= :now)
FROM caserecord WHERE status = 'open' AND (jurisdiction = :scope OR jurisdiction LIKE :below)
;
SELECT process, provider_department_id, applicant_department_id, count(*) FROM caserecord
WHERE status = 'open' AND (jurisdiction = :scope OR jurisdiction LIKE :below)
  AND (overdue OR due <= :now)
GROUP BY process, provider_department_id, applicant_department_id
;
SELECT count(*) FROM caserecord
WHERE status = 'closed' AND granted_by = 'deemed_consent'
  AND (jurisdiction = :scope OR jurisdiction LIKE :below)
  AND closed_at >= :month_start AND closed_at <= :now
"""


def floor(url: str, sql: str, params: dict[str, Any]) -> Callable[[], list[Any]]:
    """The statements of `sql`, compiled once, run through Core: rows fetched, nothing made."""
    from sqlalchemy import bindparam, text

    from models.db import UTCDateTime, engine_for

    engine = engine_for(url)
    statements = []
    for part in sql.split(";"):
        statement = text(part)
        times = [k for k, v in params.items() if isinstance(v, datetime) and f":{k}" in part]
        if times:
            statement = statement.bindparams(*(bindparam(k, type_=UTCDateTime()) for k in times))
        statements.append((statement, {k: v for k, v in params.items() if f":{k}" in part}))

    def run() -> list[Any]:
        with engine.connect() as connection:
            return [connection.execute(s, p).all() for s, p in statements]

    return run


def measure(url: str, label: str) -> list[Ratios]:

    from calendars import BEIJING, deadline
    from models import Department, User
    from service.access import Caller
    from service.cases import list_cases
    from service.dashboard import summarize
    from service.platform import Platform
    from shixian.settings import Settings
    from workflows.common import Role

    home = Path(tempfile.mkdtemp(prefix="shixian-bench-"))
    platform = Platform.using(
        Settings(data_dir=home, database_url=url),
        client=None,  # type: ignore[arg-type]
        clock=lambda: NOW,
    )
    supervisor = Caller(
        User(id=1, name="监管员", role=Role.SUPERVISOR, department_id="x"),
        Department(id="x", name="x", jurisdiction="hubei"),
    )
    calendar = platform.calendar()
    local = NOW.astimezone(BEIJING)
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    today_end = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), BEIJING)
    params = {
        "scope": "hubei",
        "below": "hubei.%",
        "own": "x",  # the supervisor's department: a supervisor also lists its own cases
        "now": NOW,
        "today_end": today_end,
        "horizon_1": deadline(NOW, 1, calendar).due,
        "horizon_3": deadline(NOW, 3, calendar).due,
        "month_start": month_start,
    }

    def overdue_list() -> Any:
        return list_cases(platform, supervisor, overdue=True)

    def dashboard() -> Any:
        with platform.session() as session:
            return summarize(
                session=session,
                rulesets=platform.rulesets(),
                jurisdiction="hubei",
                now=NOW,
                calendar=calendar,
            )

    floors = {
        "overdue list": floor(url, FLOOR_OVERDUE, params),
        "dashboard": floor(url, FLOOR_DASHBOARD, params),
    }
    ours = {"overdue list": overdue_list, "dashboard": dashboard}
    # The same answers first: ours and the floor count the same cases.
    page, [[(late,)], floor_rows] = overdue_list(), floors["overdue list"]()
    assert page.total == late and [c.case_id for c in page.items] == [r[0] for r in floor_rows]
    seen, counted = dashboard(), floors["dashboard"]()
    assert (seen.open_total, seen.overdue) == (counted[1][0][0], counted[1][0][4])
    assert seen.deemed_consents_this_month == counted[3][0][0]
    assert (seen.due_within_1, seen.due_within_3) == counted[1][0][2:4]

    results = []
    for name in ("overdue list", "dashboard"):
        ratios = Ratios(f"{label}: {name} against its SQL floor", GOALS[name], lower=True)
        times: dict[str, list[float]] = {"ours": [], "floor": []}
        for r in range(ROUNDS):
            order = ("floor", "ours") if r % 2 == 0 else ("ours", "floor")
            took = {}
            for which in order:
                run = floors[name] if which == "floor" else ours[name]
                start = time.perf_counter()
                run()
                took[which] = time.perf_counter() - start
                times[which].append(took[which])
            ratios.add(took["ours"] / took["floor"])
        print(
            f"  {label} {name}: ours p50 {statistics.median(times['ours']) * 1000:.1f} ms "
            f"(max {max(times['ours']) * 1000:.1f}), floor p50 "
            f"{statistics.median(times['floor']) * 1000:.1f} ms"
        )
        print("  " + ratios.line())
        results.append(ratios)
    shutil.rmtree(home, ignore_errors=True)
    return results


def local_postgres() -> AbstractContextManager[str | None]:
    """A throwaway PostgreSQL from the machine's binaries, as the test suite starts one."""
    import sys

    sys.path.insert(0, str(ROOT))
    from tests import conftest

    return conftest.local_postgres()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=100_000)
    parser.add_argument("--postgres", help="a PostgreSQL URL (postgresql+psycopg://...)")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    print(f"bench_case_list: {args.n:,} realistic cases, {ROUNDS} interleaved rounds [{load()}]")
    home = Path(tempfile.mkdtemp(prefix="shixian-bench-"))
    results = []
    try:
        url = f"sqlite:///{home / 'list.db'}"
        fill(url, args.n)
        results += measure(url, "SQLite")
    finally:
        shutil.rmtree(home, ignore_errors=True)
    if not args.no_postgres:
        with local_postgres() as started:
            postgres: str | None = args.postgres or started
            if postgres is None:
                print("  PostgreSQL: no binaries found and no --postgres URL; skipped")
            else:
                fill(postgres, args.n)
                results += measure(postgres, "PostgreSQL")
    print("summary:")
    for ratios in results:
        print("  " + ratios.line())


if __name__ == "__main__":
    main()
