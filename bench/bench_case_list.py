"""Supervisors' case list over 100,000 cases: the indexed projection query against loading
the jurisdiction's cases and filtering them in Python.

    .venv/bin/python bench/bench_case_list.py [N]
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import Session, col, select  # noqa: E402

from models import CaseRecord, Department, User  # noqa: E402
from models.db import engine_for, migrate  # noqa: E402
from service.access import Caller  # noqa: E402
from service.cases import list_cases  # noqa: E402
from service.platform import Platform  # noqa: E402
from shixian.settings import Settings  # noqa: E402
from workflows.common import Role  # noqa: E402

JURISDICTIONS = ["hubei", "hubei.lichuan", "hebei", "shandong.dongying"]
NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)


def fill(session: Session, n: int) -> None:
    rng = random.Random(7)
    rows = []
    for i in range(n):
        jurisdiction = rng.choice(JURISDICTIONS)
        received = NOW - timedelta(days=rng.randint(0, 400))
        open_ = rng.random() < 0.3
        due = received + timedelta(days=rng.randint(1, 20))
        rows.append(
            {
                "case_id": f"sharing-application/B-{i:07d}",
                "case_number": f"B-{i:07d}",
                "process": "sharing_application",
                "ruleset": "hubei-419",
                "jurisdiction": jurisdiction,
                "status": "open" if open_ else "closed",
                "stage": "provider_review" if open_ else "closed",
                "applicant_department_id": f"{jurisdiction}-a{rng.randint(0, 20)}",
                "provider_department_id": f"{jurisdiction}-p{rng.randint(0, 20)}",
                "received_at": received,
                "due": due if open_ else None,
                "last_day": due.date() if open_ else None,
                "counted_from": received if open_ else None,
                "provisional": False,
                "overdue": open_ and due < NOW,
                "revision": 1,
                "state": {},
                "updated_at": NOW,
            }
        )
    session.bulk_insert_mappings(CaseRecord, rows)  # type: ignore[arg-type]
    session.commit()


def main(n: int) -> None:
    home = Path(tempfile.mkdtemp(prefix="shixian-bench-"))
    url = f"sqlite:///{home / 'list.db'}"
    migrate(url)
    platform = Platform.using(
        Settings(data_dir=home, database_url=url),
        client=None,
        clock=lambda: NOW,  # type: ignore[arg-type]
    )
    with Session(engine_for(url)) as session:
        fill(session, n)
        supervisor = Caller(
            User(id=1, name="监管员", role=Role.SUPERVISOR, department_id="x"),
            Department(id="x", name="x", jurisdiction="hubei"),
        )

        def indexed() -> int:
            page = list_cases(platform, supervisor, overdue=True)
            return page.total

        def naive() -> int:
            rows = session.exec(
                select(CaseRecord).where(col(CaseRecord.jurisdiction).startswith("hubei"))
            ).all()
            late = [
                r for r in rows if r.status == "open" and (r.overdue or (r.due and r.due <= NOW))
            ]
            return len(late)

        assert indexed() == naive()
        timings = {}
        for name, run in (("naive: load and filter", naive), ("projection query", indexed)):
            best = min(_time(run) for _ in range(5))
            timings[name] = best
            print(f"  {name:<26} {best * 1000:8.1f} ms")
    print(
        f"{n:,} cases, a Hubei supervisor's overdue list: the projection query is "
        f"{timings['naive: load and filter'] / timings['projection query']:.0f}x faster"
    )


def _time(run) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
