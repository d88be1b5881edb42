"""A notice is stored once for each recipient department, however often its activity runs,
even when two attempts of it run at the same time (activities/notices.py)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, select

import activities.notices as notices
from activities.notices import SendNoticeInput, send_notice
from models import Notice
from tests.conftest import both_databases
from workflows.common import Parties

PARTIES = Parties("hubei-civil", "hubei-police", "hubei-bigdata")


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
    first_commit = notices.commit_once

    def racing(db: Session) -> Any:
        monkeypatch.setattr(notices, "commit_once", first_commit)
        assert send_notice(dispute("case/2", ["hubei-police"])) == 1  # the other attempt
        return first_commit(db)

    monkeypatch.setattr(notices, "commit_once", racing)

    assert send_notice(request) == 1
    rows = stored(session, "case/2")
    assert [recipient for recipient, _ in rows] == ["hubei-bigdata", "hubei-police"]
