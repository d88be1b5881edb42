"""A notice is stored once for each recipient department, however often its activity runs,
even when two attempts of it run at the same time (activities/notices.py); so are a step's
notices and its grant stored with its record (activities/projection.py `record_step`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select
from temporalio.client import WorkflowHistory

import activities.notices as notices
import activities.projection as projection
from activities.authorizations import GrantAuthorizationInput, grant_authorization
from activities.notices import SendNoticeInput, send_notice
from activities.projection import StepRecord, record_step
from models import Authorization, CaseRecord, Notice
from tests.cases import projection_records
from tests.conftest import both_databases
from workflows.common import GrantedBy, Parties

PARTIES = Parties("hubei-civil", "hubei-police", "hubei-bigdata")
HUBEI = Path(__file__).parents[1] / "replay" / "histories" / "hubei-approved-last-second.json"


def dispute(case_id: str, recipients: list[str]) -> SendNoticeInput:
    return SendNoticeInput(
        case_id=case_id,
        key="dispute",
        kind="dispute_raised",
        recipients=recipients,
        context={"case_number": "HB419-2026-000001", "reason": "户籍地址有误", "cite": "第十条"},
        parties=PARTIES,
    )


def stored(session: Session, case_id: str) -> list[tuple[str | None, str]]:
    rows = session.exec(
        select(Notice.recipient_department_id, Notice.body).where(Notice.case_id == case_id)
    )
    return sorted(rows, key=lambda row: row[0] or "")


@both_databases
@pytest.mark.usefixtures("world")
def test_each_known_recipient_gets_its_notice_once_however_often_it_is_sent(session):
    request = dispute(
        "case/1", ["hubei-police", "hubei-bigdata", "no-such-department", "hubei-police"]
    )

    assert send_notice(request) == 2
    assert send_notice(request) == 0

    rows = stored(session, "case/1")
    assert [recipient for recipient, _ in rows] == ["hubei-bigdata", "hubei-police"]
    # Each is written for its reader: the authority is asked to decide, the provider told.
    authority, provider = (body for _, body in rows)
    assert "请决定" in authority and "对本部门的校核结果" in provider


@both_databases
@pytest.mark.usefixtures("world")
def test_an_attempt_that_loses_a_race_for_one_recipient_still_stores_the_others(
    session, monkeypatch
):
    """Another attempt of the same activity commits the provider's notice after this one
    looked: this one's single commit is refused, and it stores what is still missing."""
    request = dispute("case/2", ["hubei-bigdata", "hubei-police"])
    first_commit = notices.commit_with

    def racing(db: Session, rows: list[dict[str, Any]]) -> Any:
        monkeypatch.setattr(notices, "commit_with", first_commit)
        assert send_notice(dispute("case/2", ["hubei-police"])) == 1  # the other attempt
        return first_commit(db, rows)

    monkeypatch.setattr(notices, "commit_with", racing)

    assert send_notice(request) == 1
    rows = stored(session, "case/2")
    assert [recipient for recipient, _ in rows] == ["hubei-bigdata", "hubei-police"]


@both_databases
@pytest.mark.usefixtures("world")
def test_a_steps_notices_and_record_are_stored_together_once_even_against_a_racing_attempt(
    session, monkeypatch
):
    # A real case's first record (the stage it entered, with its events).
    history = WorkflowHistory.from_json("case", json.loads(HUBEI.read_text()))
    [opened, *_] = projection_records(history)
    case_id = opened.case_id
    step = StepRecord(
        [dispute(case_id, ["hubei-police"]), dispute(case_id, ["hubei-bigdata"])], opened
    )
    first_commit = notices.commit_with

    def racing(db: Session, rows: list[dict[str, Any]]) -> Any:
        monkeypatch.setattr(notices, "commit_with", first_commit)
        monkeypatch.setattr(projection, "commit_with", first_commit)
        assert send_notice(dispute(case_id, ["hubei-bigdata"])) == 1  # the other attempt
        return first_commit(db, rows)

    monkeypatch.setattr(projection, "commit_with", racing)
    record_step(step)
    record_step(step)  # retried

    assert [r for r, _ in stored(session, case_id)] == ["hubei-bigdata", "hubei-police"]
    row = session.get(CaseRecord, case_id)
    assert row is not None and (row.revision, row.stage) == (opened.revision, opened.stage)


def grant_of(case_id: str, stage: str) -> GrantAuthorizationInput:
    return GrantAuthorizationInput(
        case_id=case_id,
        stage=stage,
        applicant_department_id="hubei-civil",
        resource_id="hubei-hukou",
        granted_by=GrantedBy.PROVIDER,
        purpose="核验申请人户籍信息",
        scenario="最低生活保障资格审核",
        granted_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
        cite="《湖北省政务数据资源应用与管理办法》第二十条",
    )


@both_databases
@pytest.mark.usefixtures("world")
@pytest.mark.parametrize("race", [False, True], ids=["alone", "against-a-racing-attempt"])
def test_a_steps_grant_is_made_once_with_its_record_which_names_it(session, monkeypatch, race):
    history = WorkflowHistory.from_json("case", json.loads(HUBEI.read_text()))
    [opened, *_] = projection_records(history)
    grant = grant_of(opened.case_id, opened.stage)
    step = StepRecord([dispute(opened.case_id, ["hubei-police"])], opened, grant)
    if race:
        first_grant = projection.new_grant

        def racing(db: Session, request: GrantAuthorizationInput) -> Authorization:
            monkeypatch.setattr(projection, "new_grant", first_grant)
            grant_authorization(request)  # the other attempt grants first
            return first_grant(db, request)

        monkeypatch.setattr(projection, "new_grant", racing)

    granted = record_step(step)
    assert record_step(step) == granted  # retried

    [made] = session.exec(select(Authorization).where(Authorization.case_id == opened.case_id))
    assert made.id == granted and made.stage == opened.stage
    row = session.get(CaseRecord, opened.case_id)
    assert row is not None and row.state["details"]["authorization_id"] == granted
    assert [r for r, _ in stored(session, opened.case_id)] == ["hubei-police"]
