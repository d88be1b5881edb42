"""Migration 0007 rewrites the projection's snapshots of cases recorded before details and
events were typed: each recorded history's final state (as the workflow of its day returned
it) is stored at revision 0006, migrated, and read with today's types."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from models.db import MIGRATIONS, engine_for
from service.cases import STATE, typed_details
from workflows.catalog_update import CatalogUpdateDetails
from workflows.common import ExtensionStatus, GrantedBy
from workflows.green_channel import GreenChannelDetails, Track
from workflows.quality_verification import QualityVerificationDetails
from workflows.sharing_application import SharingApplicationDetails

HISTORIES = Path(__file__).parent.parent / "replay" / "histories"


def final_state(name: str) -> dict[str, Any]:
    """The last snapshot a recorded case gave its projection, as then shaped."""
    events = json.loads((HISTORIES / f"{name}.json").read_text())["events"]
    *_, last = (
        e["activityTaskScheduledEventAttributes"]
        for e in events
        if e.get("activityTaskScheduledEventAttributes", {}).get("activityType", {}).get("name")
        == "record_case"
    )
    [payload] = last["input"]["payloads"]
    return json.loads(base64.b64decode(payload["data"]))  # type: ignore[no-any-return]


def migrate_to(url: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    with engine_for(url).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def projection_table(instant: Any) -> sa.TableClause:
    """The projection's table as it was before 0012, its instants of type `instant`."""
    return sa.table(
        "caserecord",
        *(sa.column(c) for c in ("case_id", "case_number", "process", "ruleset", "jurisdiction")),
        *(sa.column(c) for c in ("status", "stage", "provisional", "overdue", "revision")),
        sa.column("received_at", instant),
        sa.column("updated_at", instant),
        sa.column("state", sa.JSON),
    )


def projection_row(state: dict[str, Any], **columns: Any) -> dict[str, Any]:
    """The projection's row of a stored snapshot; `columns` the ones it does not give."""
    return {
        "process": state["process"],
        "ruleset": state["ruleset"],
        "jurisdiction": state["jurisdiction"],
        "status": state["status"],
        "stage": state["stage"],
        "provisional": False,
        "revision": state["revision"],
        "state": state,
        **columns,
    }


@pytest.fixture
def migrated(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Store recorded cases' final states at 0006, migrate, and read them back by name."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate_to(url, "0006")
    names = [
        "lichuan-deemed-consent",
        "hebei-quality-extension-granted",
        "hebei-catalog-extension-granted",
        "dongying-green-ordinary-after-end",
        "hubei-coordinated",
    ]
    states = {name: final_state(name) for name in names}
    records = projection_table(sa.DateTime(timezone=True))
    with engine_for(url).begin() as connection:
        for name, state in states.items():
            # Each recorded case was its test's first: numbers repeat across histories.
            state["case_id"] = f"{state['case_id'].split('/')[0]}/{name}"
            row = projection_row(
                state,
                case_id=state["case_id"],
                case_number=name,
                overdue=state["overdue"],
                received_at=sa.func.current_timestamp(),
                updated_at=sa.func.current_timestamp(),
            )
            connection.execute(records.insert().values(**row))
    migrate_to(url, "head")
    with engine_for(url).begin() as connection:
        rows = connection.execute(sa.select(records.c.case_id, records.c.state)).all()
    by_case: dict[str, Any] = dict(rows)  # type: ignore[arg-type]
    return {name: by_case[state["case_id"]] for name, state in states.items()}


def test_a_late_answer_reads_as_not_on_time_with_the_limits_it_missed(migrated):
    state = STATE.validate_python(migrated["lichuan-deemed-consent"])
    details = typed_details(state.process, state.details)
    assert isinstance(details, SharingApplicationDetails)
    assert details.granted_by is GrantedBy.DEEMED_CONSENT
    overdue = next(e for e in state.events if e.kind == "overdue")
    assert overdue.limit is not None and overdue.limit.on_time is False
    deemed = next(e for e in state.events if e.kind == "deemed_consent")
    assert deemed.limit is not None and "第二十条" in deemed.limit.cite
    assert all(isinstance(e.detail.get("on_time", ""), str) for e in state.events)
    assert not any("on_time" in e.detail or "deadline_due" in e.detail for e in state.events)


def test_an_answer_on_time_reads_as_on_time(migrated):
    state = STATE.validate_python(migrated["hubei-coordinated"])
    checked = [e.limit for e in state.events if e.limit is not None and e.actor is not None]
    assert checked and all(limit.on_time is True and limit.missed == () for limit in checked)


def test_extensions_read_alike_in_both_processes(migrated):
    verification = STATE.validate_python(migrated["hebei-quality-extension-granted"])
    details = typed_details(verification.process, verification.details)
    assert isinstance(details, QualityVerificationDetails) and details.extension is not None
    assert details.extension.status is ExtensionStatus.GRANTED
    assert details.extension.working_days > 0
    assert details.extension.extended_due is not None
    catalog = STATE.validate_python(migrated["hebei-catalog-extension-granted"])
    catalog_details = typed_details(catalog.process, catalog.details)
    assert isinstance(catalog_details, CatalogUpdateDetails)
    assert catalog_details.extension is not None
    assert catalog_details.extension.status is ExtensionStatus.GRANTED


def test_a_green_demand_routed_to_the_ordinary_track_was_filed_green(migrated):
    state = STATE.validate_python(migrated["dongying-green-ordinary-after-end"])
    details = typed_details(state.process, state.details)
    assert isinstance(details, GreenChannelDetails)
    assert (details.filed_on, details.track) == (Track.GREEN, Track.ORDINARY)
