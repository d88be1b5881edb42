"""待办, 已办 and the inbox's counts as SQL, on SQLite and PostgreSQL: cases written straight
into the projection, as their workflows would have recorded them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from models import CaseRecord, CaseSubmission, Department, Notice, User
from service import inbox, worklist
from service.access import Caller
from service.platform import Platform
from shixian.settings import Settings
from tests.conftest import both_databases

NOW = datetime.fromisoformat("2026-11-23T09:00:00+08:00")
PARTIES = {
    "applicant": "hubei-civil",
    "provider": "hubei-police",
    "authority": "hubei-bigdata",
    "service_centre": None,
    "second_provider": None,
}


def stage(name: str, actor: str) -> dict[str, Any]:
    return {"stage": name, "actor": actor, "cite": "第二十条", "time_limits": []}


PLAN = {
    "tracks": {"conditional": {"stages": [stage("provider_review", "provider")]}},
    "refused": stage("refused", "applicant"),
    "coordination": stage("coordination", "authority"),
    "delivery": stage("delivery", "provider"),
    "confirmation": stage("confirmation", "applicant"),
}


def put_case(
    session: Session,
    number: int,
    stage_name: str,
    *,
    due_in: timedelta | None,
    status: str = "open",
    events: list[dict[str, Any]] | None = None,
) -> str:
    case_id = f"sharing-application/HB419-2026-{number:06d}"
    due = NOW + due_in if due_in is not None else None
    session.add(
        CaseSubmission(
            user_id=1,
            request_hash="x",
            case_id=case_id,
            process="sharing_application",
            ruleset="hubei-419",
            jurisdiction="hubei",
            applicant_department_id="hubei-civil",
            provider_department_id="hubei-police",
            start={"plan": PLAN, "parties": PARTIES},
        )
    )
    session.add(
        CaseRecord(
            case_id=case_id,
            case_number=case_id.split("/")[1],
            process="sharing_application",
            ruleset="hubei-419",
            jurisdiction="hubei",
            status=status,
            stage=stage_name,
            applicant_department_id="hubei-civil",
            provider_department_id="hubei-police",
            received_at=NOW - timedelta(days=3),
            due=due,
            last_day=due.date() if due else None,
            counted_from=NOW - timedelta(days=3) if due else None,
            state={"parties": PARTIES, "events": events or []},
        )
    )
    session.commit()
    return case_id


def caller(session: Session, key: str) -> Caller:
    user = session.exec(select(User).where(User.username == key)).one()
    return Caller(user, session.get(Department, user.department_id or ""))


@both_databases
def test_todo_lists_the_cases_whose_stage_waits_on_the_department_most_urgent_first(
    settings: Settings, session: Session, world
):
    platform = Platform.using(settings, None, lambda: NOW)  # type: ignore[arg-type]
    later = put_case(session, 1, "provider_review", due_in=timedelta(days=5))
    late = put_case(session, 2, "provider_review", due_in=-timedelta(hours=1))
    soon = put_case(session, 3, "provider_review", due_in=timedelta(hours=3))
    coordination = put_case(session, 4, "coordination", due_in=None)
    put_case(session, 5, "refused", due_in=timedelta(days=2))  # the applicant may, not must
    put_case(session, 6, "provider_review", due_in=None, status="closed")
    # After its consent the provider owes the delivery (809 第二十二条); the applicant may
    # confirm receipt, and owes nothing.
    delivery = put_case(session, 7, "delivery", due_in=timedelta(days=4))
    put_case(session, 8, "confirmation", due_in=timedelta(days=1))

    provider = worklist.waiting_on(platform, caller(session, "hubei-provider"))
    assert [c.case_id for c in provider.items] == [late, soon, delivery, later]
    assert [c.overdue for c in provider.items] == [True, False, False, False]
    supervisor = worklist.waiting_on(platform, caller(session, "hubei-supervisor"))
    assert [c.case_id for c in supervisor.items] == [coordination]
    assert worklist.waiting_on(platform, caller(session, "hubei-applicant")).items == []
    assert worklist.due_soon_horizon(platform) > NOW + timedelta(hours=3)


@both_databases
def test_done_lists_the_cases_the_department_acted_on(settings: Settings, session: Session, world):
    platform = Platform.using(settings, None, lambda: NOW)  # type: ignore[arg-type]
    acted: dict[str, Any] = {"at": NOW.isoformat(), "kind": "approve", "stage": "provider_review",
             "actor": {"user_id": 5, "role": "caseworker", "name": "", "department_id":
                       "hubei-police", "jurisdiction": "hubei"}, "detail": {}}  # fmt: skip
    submitted = {**acted, "kind": "received", "actor": {**acted["actor"], "department_id":
                 "hubei-civil"}}  # fmt: skip
    approved = put_case(session, 1, "closed", due_in=None, status="closed",
                        events=[submitted, acted])  # fmt: skip
    put_case(session, 2, "provider_review", due_in=timedelta(days=3), events=[submitted])
    done = worklist.handled_by(platform, caller(session, "hubei-provider"))
    assert [c.case_id for c in done.items] == [approved]
    assert worklist.handled_by(platform, caller(session, "hubei-applicant")).items == []


@both_databases
def test_unread_counts_are_per_person(settings: Settings, session: Session, world):
    platform = Platform.using(settings, None, lambda: NOW)  # type: ignore[arg-type]
    provider = caller(session, "hubei-provider")
    for key in ("1-a", "2-a"):
        session.add(
            Notice(case_id="x/1", key=key, kind="overdue",
                   recipient_department_id="hubei-police", title="t", body="b")
        )  # fmt: skip
    session.commit()
    assert inbox.unread_count(platform, provider) == 2
    first = inbox.inbox(platform, provider).items[-1].notice
    assert inbox.mark_read(platform, provider, [first.id or 0]) == 1
    assert inbox.unread_count(platform, provider) == 1
    assert inbox.mark_read(platform, provider, None) == 1
    assert inbox.unread_count(platform, provider) == 0
    assert inbox.unread_count(platform, caller(session, "hubei-supervisor")) == 0


def test_a_negotiation_waits_on_the_provider_and_a_dispute_across_levels_on_the_superior():
    """809 第二十八条's ladder: the provider owes the negotiation's answer; the applicant owes
    nothing after it failed; across regions or levels the common superior authority owes the
    coordination and the government's decision's record."""
    parties = {**PARTIES, "superior_authority": "hubei-bigdata", "authority": "lichuan-x"}
    plan = {
        **PLAN,
        "coordination": stage("coordination", "superior_authority"),
        "dispute": {
            "negotiation": stage("negotiation", "provider"),
            "negotiation_failed": stage("negotiation_failed", "applicant"),
            "government_decision": stage("government_decision", "superior_authority"),
        },
    }

    def waits(name: str) -> str | None:
        record = CaseRecord(
            case_id="sharing-application/HB419-2026-000001",
            case_number="HB419-2026-000001",
            process="sharing_application",
            ruleset="hubei-419",
            jurisdiction="hubei",
            status="open",
            stage=name,
            received_at=NOW,
            state={"parties": parties},
        )
        return worklist.waiting_department(record, {"plan": plan, "parties": parties})

    assert waits("negotiation") == "hubei-police"
    assert waits("negotiation_failed") is None
    assert waits("coordination") == "hubei-bigdata"
    assert waits("government_decision") == "hubei-bigdata"
