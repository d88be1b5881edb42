"""A jurisdiction at a glance, from the case projection (plain SQL): open cases by stage, due
today and within 1 and 3 working days, overdue per providing and per requesting department,
deemed consents this month, and the departments owing this year's yearly maintenance."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, and_, func
from sqlmodel import Session, col, select

from calendars import BEIJING, ChinaCalendar, deadline
from models import CaseRecord, Department
from regulations import Rulesets
from service.access import Caller, within_sql
from service.jurisdictions import check_jurisdiction
from service.maintenance import MaintenanceRow, maintenance_rows
from service.overdue import on_time_now, overdue_now
from service.platform import Platform
from service.views import BeijingTime

# The processes in which one department asks another for something: their applicant is a
# requester. In the others a department files about its own data.
REQUESTS = ("sharing_application", "quality_verification", "green_channel", "open_data_objection")


class StageCount(BaseModel):
    process: str
    stage: str
    count: int


class DepartmentCount(BaseModel):
    department_id: str
    name: str
    count: int


class Dashboard(BaseModel):
    jurisdiction: str | None = Field(
        description="The jurisdiction counted (with those inside it); null: all (auditors)."
    )
    now: BeijingTime
    today: date = Field(description="The Beijing date of `now`.")
    open_total: int
    open_by_stage: list[StageCount] = Field(description="Open cases per process and stage.")
    due_today: int = Field(description="Open, not overdue, whose last day is today.")
    due_within_1: int = Field(
        description="Open, not overdue, due by the end of 1 working day after today."
    )
    due_within_3: int = Field(
        description="Open, not overdue, due by the end of 3 working days after today."
    )
    horizon_1: BeijingTime = Field(description="The due instant `due_within_1` counts up to.")
    horizon_3: BeijingTime = Field(description="The due instant `due_within_3` counts up to.")
    overdue: int
    overdue_by_provider: list[DepartmentCount] = Field(
        description="Overdue cases per providing department (whoever's stage it is)."
    )
    overdue_by_applicant: list[DepartmentCount] = Field(
        description="Overdue requests per requesting department (a department's own catalog "
        "update, service change or reclassification is no request)."
    )
    deemed_consents_this_month: int = Field(
        description="Cases closed by deemed consent (视为同意) in the current Beijing month."
    )
    yearly_maintenance_year: int = Field(description="The Beijing year of `now`.")
    yearly_maintenance_not_done: list[MaintenanceRow] = Field(
        description="Departments whose instrument asks for a yearly full catalog maintenance "
        "(hubei 第十一条) with this year's case overdue, open or not opened; as "
        "`GET /catalog/maintenance?year=` lists them."
    )


def summarize(
    *,
    session: Session,
    rulesets: Rulesets,
    jurisdiction: str | None,
    now: datetime,
    calendar: ChinaCalendar,
) -> Dashboard:
    where: list[ColumnElement[bool]] = []
    if jurisdiction is not None:
        where.append(within_sql(CaseRecord.jurisdiction, jurisdiction))
    open_ = and_(col(CaseRecord.status) == "open", *where)
    late = overdue_now(now)
    on_time = and_(on_time_now(now), *where)

    def count(*conditions: Any) -> int:
        return int(session.exec(select(func.count()).where(*conditions)).one())

    by_stage = session.exec(
        select(CaseRecord.process, CaseRecord.stage, func.count())
        .where(open_)
        .group_by(CaseRecord.process, CaseRecord.stage)
        .order_by(CaseRecord.process, CaseRecord.stage)
    ).all()
    today = now.astimezone(BEIJING).date()
    end_of_today = datetime.combine(today + timedelta(days=1), time(0), tzinfo=BEIJING)
    horizon_1 = deadline(now, 1, calendar).due
    horizon_3 = deadline(now, 3, calendar).due
    by_provider, by_applicant = _overdue_per_department(session, and_(open_, late))
    return Dashboard(
        jurisdiction=jurisdiction,
        now=now,
        today=today,
        open_total=count(open_),
        open_by_stage=[StageCount(process=p, stage=s, count=n) for p, s, n in by_stage],
        due_today=count(on_time, col(CaseRecord.due) <= end_of_today),
        due_within_1=count(on_time, col(CaseRecord.due) <= horizon_1),
        due_within_3=count(on_time, col(CaseRecord.due) <= horizon_3),
        horizon_1=horizon_1,
        horizon_3=horizon_3,
        overdue=count(open_, late),
        overdue_by_provider=by_provider,
        overdue_by_applicant=by_applicant,
        deemed_consents_this_month=_deemed_consents(session, where, now),
        yearly_maintenance_year=today.year,
        yearly_maintenance_not_done=[
            row
            for row in maintenance_rows(
                session, rulesets, year=today.year, now=now, scope=jurisdiction
            )
            if row.status != "done"
        ],
    )


def _overdue_per_department(
    session: Session, late: ColumnElement[bool]
) -> tuple[list[DepartmentCount], list[DepartmentCount]]:
    """Overdue cases per providing department, and overdue requests per requesting one, most
    first: one grouped pass over the open-cases index, counted for both sides here (grouping
    by a department column first led the planner to that column's index, and so to every
    row)."""
    providers: Counter[str] = Counter()
    applicants: Counter[str] = Counter()
    # The process first: no index leads with it, so the planner keeps to the covering one.
    sides = (
        col(CaseRecord.process),
        col(CaseRecord.provider_department_id),
        col(CaseRecord.applicant_department_id),
    )
    for process, provider, applicant, n in session.exec(
        select(*sides, func.count()).where(late).group_by(*sides)
    ).all():
        if provider is not None:
            providers[provider] += n
        if applicant is not None and process in REQUESTS:
            applicants[applicant] += n
    names = dict(
        session.exec(
            select(Department.id, Department.name).where(
                col(Department.id).in_(list(providers | applicants))
            )
        ).all()
    )

    def ranked(counts: Counter[str]) -> list[DepartmentCount]:
        return [
            DepartmentCount(department_id=d, name=names.get(d, d), count=n)
            for d, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        ]

    return ranked(providers), ranked(applicants)


def _deemed_consents(session: Session, where: list[ColumnElement[bool]], now: datetime) -> int:
    """Closed by deemed consent, the closing in this Beijing month (up to `now`)."""
    local = now.astimezone(BEIJING)
    month_start = datetime.combine(local.date().replace(day=1), time(0), tzinfo=BEIJING)
    return int(
        session.exec(
            select(func.count()).where(
                col(CaseRecord.granted_by) == "deemed_consent",
                col(CaseRecord.closed_at) >= month_start,
                col(CaseRecord.closed_at) <= now,
                col(CaseRecord.status) == "closed",
                *where,
            )
        ).one()
    )


def overview(platform: Platform, caller: Caller, jurisdiction: str | None = None) -> Dashboard:
    """Supervisors see their jurisdiction and those inside it; auditors all, or one."""
    within = caller.jurisdiction_to_read(jurisdiction, "概况")
    with platform.session() as session:
        check_jurisdiction(session, platform.rulesets(), jurisdiction)
        return summarize(
            session=session,
            rulesets=platform.rulesets(),
            jurisdiction=within,
            now=platform.now(),
            calendar=platform.calendar(),
        )


class WorkloadRow(BaseModel):
    """Open cases of one providing department in one process."""

    department_id: str
    name: str
    process: str
    open: int
    due_within_1: int = Field(description="Open, not overdue, due within 1 working day.")
    overdue: int


def workload(
    platform: Platform, caller: Caller, jurisdiction: str | None = None
) -> list[WorkloadRow]:
    """Open, due soon and overdue per providing department and process: whoever's stage it
    is, the provider answers for the case (as `overdue_by_provider` counts it)."""
    within = caller.jurisdiction_to_read(jurisdiction, "概况")
    now = platform.now()
    horizon = deadline(now, 1, platform.calendar()).due
    where: list[ColumnElement[bool]] = [col(CaseRecord.status) == "open"]
    if within is not None:
        where.append(within_sql(CaseRecord.jurisdiction, within))
    soon = and_(on_time_now(now), col(CaseRecord.due) <= horizon)
    department = col(CaseRecord.provider_department_id)
    counts: dict[tuple[str | None, str], list[int]] = {}
    with platform.session() as session:
        for d, p, is_soon, is_late in session.exec(
            select(department, CaseRecord.process, soon, overdue_now(now)).where(*where)
        ).all():
            tally = counts.setdefault((d, p), [0, 0, 0])
            tally[0] += 1
            tally[1] += bool(is_soon)
            tally[2] += bool(is_late)
        names = dict(
            session.exec(
                select(Department.id, Department.name).where(
                    col(Department.id).in_([d for d, _ in counts if d])
                )
            ).all()
        )
    return [
        WorkloadRow(
            department_id=d or "",
            name=names.get(d, d) if d else "（未指定提供部门）",
            process=p,
            open=n,
            due_within_1=soon_count,
            overdue=late_count,
        )
        for (d, p), (n, soon_count, late_count) in sorted(
            counts.items(), key=lambda item: (item[0][0] or "", item[0][1])
        )
    ]
