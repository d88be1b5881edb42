"""What waits on a department (待办) and what it has handled (已办), from the case projection.

A case waits on the department that acts in its current stage. The projection records the
stage; who acts in it is the stage plan's actor (applicant, provider, authority, service
centre), and the plan is part of the case's recorded input (its submission's `start`), so the
answer is the one the workflow itself runs by, without asking Temporal case by case.

Stages in which the actor may act but owes nothing are not to-dos: a service change waiting
for its effective day (`announced`, which the provider may withdraw), a temporary share type
in force (`reclassified`), a quality verification's dispute period (`dispute_period`) and a
refused application's wait for a request for coordination (`refused`, and after a failed
negotiation `negotiation_failed`) and the applicant's confirmation of a delivery
(`confirmation`, closed by its target). Their cases show the actions on the case page all the
same.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, select

from calendars import deadline
from models import CaseRecord, CaseSubmission
from service.access import Caller, listed_cases
from service.cases import department_names, summarize
from service.overdue import overdue_now
from service.platform import Platform
from service.views import CaseSummary, Page

OPTIONAL_STAGES = frozenset(
    {"announced", "reclassified", "dispute_period", "refused", "confirmation", "negotiation_failed"}
)
# Stages a workflow builds at run time rather than reading from its plan, and their actor.
BUILT_STAGES = {"extension_review": "authority"}
# The parties a stage actor names, as the case state records them.
PARTIES = (
    "applicant",
    "provider",
    "authority",
    "service_centre",
    "second_provider",
    "superior_authority",  # a dispute across regions or levels (809 第二十八条)
)


def stage_actor(plan: Any, stage: str) -> str | None:
    """The party (`applicant`, `provider`, ...) who acts in `stage`, from a recorded plan."""
    if isinstance(plan, dict):
        if plan.get("stage") == stage and isinstance(plan.get("actor"), str):
            return str(plan["actor"])
        for value in plan.values():
            if (found := stage_actor(value, stage)) is not None:
                return found
    elif isinstance(plan, list):
        for value in plan:
            if (found := stage_actor(value, stage)) is not None:
                return found
    return None


def waiting_department(record: CaseRecord, start: Mapping[str, Any]) -> str | None:
    """The department the open case waits on now, if any."""
    if record.status != "open" or record.stage in OPTIONAL_STAGES:
        return None
    party = stage_actor(start.get("plan"), record.stage) or BUILT_STAGES.get(record.stage)
    parties = (record.state or {}).get("parties") or start.get("parties") or {}
    department = parties.get(party) if party in PARTIES else None
    return department if isinstance(department, str) else None


def _party_of(department: str) -> ColumnElement[bool]:
    """Cases to which `department` is any party, those named only in the state included."""
    state = col(CaseRecord.state)
    return or_(
        col(CaseRecord.applicant_department_id) == department,
        col(CaseRecord.provider_department_id) == department,
        col(CaseRecord.second_provider_department_id) == department,
        state[("parties", "authority")].as_string() == department,
        state[("parties", "service_centre")].as_string() == department,
    )


def waiting_on(
    platform: Platform, caller: Caller, *, limit: int = 100, offset: int = 0
) -> Page[CaseSummary]:
    """Open cases whose current stage waits on the caller's department, most urgent first:
    overdue, then by due instant, then those without a deadline."""
    department = caller.department_id
    if department is None:
        return Page[CaseSummary](total=0, limit=limit, offset=offset, items=[])
    now, calendar = platform.now(), platform.calendar()
    query = (
        select(CaseRecord, overdue_now(now), CaseSubmission.start)
        .join(CaseSubmission, col(CaseSubmission.case_id) == col(CaseRecord.case_id))
        .where(col(CaseRecord.status) == "open", listed_cases(caller), _party_of(department))
    )
    with platform.session() as session:
        rows = session.exec(query).all()
        names = _names(session, [record for record, _, _ in rows])
    mine = [
        summarize(record, bool(late), now, calendar, names)
        for record, late, start in rows
        if waiting_department(record, start) == department
    ]
    mine.sort(key=lambda case: (not case.overdue, case.due is None, case.due, case.case_id))
    return Page[CaseSummary](
        total=len(mine), limit=limit, offset=offset, items=mine[offset : offset + limit]
    )


def handled_by(
    platform: Platform, caller: Caller, *, limit: int = 100, offset: int = 0
) -> Page[CaseSummary]:
    """Cases in which the caller's department (a member of the public: the caller) took an
    action, the most recently acted on first. Submitting is not one: that is 我的申请."""
    now, calendar = platform.now(), platform.calendar()
    department = caller.department_id
    query = select(CaseRecord, overdue_now(now)).where(listed_cases(caller))
    if department is not None:
        query = query.where(_party_of(department))

    def acted_at(record: CaseRecord) -> datetime | None:
        moments = [
            datetime.fromisoformat(event["at"])
            for event in (record.state or {}).get("events", [])
            if event.get("kind") != "received"
            and (actor := event.get("actor"))
            and (
                actor.get("department_id") == department
                if department is not None
                else actor.get("user_id") == caller.id
            )
        ]
        return max(moments) if moments else None

    with platform.session() as session:
        rows = session.exec(query).all()
        names = _names(session, [record for record, _ in rows])
    handled = [
        (moment, summarize(record, bool(late), now, calendar, names))
        for record, late in rows
        if (moment := acted_at(record)) is not None
    ]
    handled.sort(key=lambda pair: (pair[0], pair[1].case_id), reverse=True)
    items = [case for _, case in handled]
    return Page[CaseSummary](
        total=len(items), limit=limit, offset=offset, items=items[offset : offset + limit]
    )


def due_soon_horizon(platform: Platform) -> datetime:
    """A case due by this instant is due within 1 working day (the dashboard's `due_within_1`):
    the workbench shows it yellow."""
    return deadline(platform.now(), 1, platform.calendar()).due


def _names(session: Session, records: list[CaseRecord]) -> dict[str, str]:
    return department_names(
        session,
        {r.applicant_department_id for r in records} | {r.provider_department_id for r in records},
    )
