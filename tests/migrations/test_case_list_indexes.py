"""Migration 0012 gives the projection's closed cases their closing instant and how they were
granted, read from the snapshots stored before it: the dashboard counts a month's deemed
consents from those columns."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from models.db import UTCDateTime, engine_for
from tests.migrations.test_typed_case_details import (
    final_state,
    migrate_to,
    projection_row,
    projection_table,
)


def test_closed_cases_get_their_closing_instant_and_how_they_were_granted(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate_to(url, "0008")
    records = projection_table(UTCDateTime())
    states = {
        name: final_state(name) for name in ("hubei-deemed-consent", "hubei-approved-last-second")
    }
    with engine_for(url).begin() as connection:
        for name, state in states.items():
            row = projection_row(
                state,
                case_id=name,
                case_number=name,
                overdue=False,
                received_at=datetime.fromisoformat(state["received_at"]),
                updated_at=datetime.fromisoformat(state["received_at"]),
            )
            connection.execute(records.insert().values(**row))
    migrate_to(url, "head")
    migrated = sa.table(
        "caserecord",
        sa.column("case_id"),
        sa.column("closed_at", UTCDateTime()),
        sa.column("granted_by"),
    )
    with engine_for(url).begin() as connection:
        found = {case_id: (at, by) for case_id, at, by in connection.execute(sa.select(migrated))}
    for name, state in states.items():
        [closing] = [e for e in state["events"] if e["kind"] == "closed"]
        assert found[name][0] == datetime.fromisoformat(closing["at"])
    assert found["hubei-deemed-consent"][1] == "deemed_consent"
    assert found["hubei-approved-last-second"][1] == "provider"
