"""The yearly full catalog maintenance (hubei 第十一条: 每年进行不少于一次的全面维护): which
departments it binds, the cases that open it (one per department and year), and who has done
it.

The Temporal Schedule `catalog-yearly-maintenance` numbers and starts the cases through
activities/yearly_maintenance.py; supervisors read `maintenance_rows` on the dashboard, in
the statistics report and at GET /catalog/maintenance.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from anyio import to_thread
from pydantic import BaseModel
from sqlmodel import Session, col, select
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from calendars import BEIJING
from models import CaseRecord, CaseSubmission, Department, User
from regulations import Rulesets
from regulations.compose import Composed, compose
from service.access import Caller, within
from service.cases import open_platform_case
from service.errors import Invalid, from_rpc
from service.jurisdictions import check_jurisdiction
from service.overdue import overdue_now
from service.platform import Platform
from service.submissions import Draft, find_department
from service.submissions.catalog_update import CATALOG_UPDATE
from service.views import BeijingTime
from workflows.catalog_update import CatalogUpdatePlan, CatalogUpdateWorkflow, Trigger
from workflows.common import Actor, DepartmentKind, Parties, Role

PLATFORM_USER = "共享平台（年度目录维护计划）"


def maintenance_key(department_id: str, year: int) -> str:
    """The one key per department and year: a re-fired schedule finds the case it opened."""
    return f"yearly-maintenance/{year}/{department_id}"


def maintained_departments(
    session: Session, rulesets: Rulesets, day: date
) -> list[tuple[Department, Composed]]:
    """Ordinary departments an instrument in force on `day` asks for the yearly upkeep (a
    Lichuan department: hubei 第十一条, from 2021-04-01), with what governs it."""
    found = []
    for department in session.exec(
        select(Department).where(Department.kind == DepartmentKind.ORDINARY)
    ).all():
        try:
            law = compose(
                rulesets,
                process="catalog_update",
                jurisdiction=department.jurisdiction,
                received=day,
                track=Trigger.YEARLY_MAINTENANCE.value,
            )
        except ValueError:  # no instrument in force there asks for it
            continue
        if law.plan_of(CatalogUpdatePlan).yearly is not None:
            found.append((department, law))
    return sorted(found, key=lambda pair: pair[0].id)


# -- opening the year's cases ----------------------------------------------------------------


def _platform_user(session: Session) -> User:
    user = session.exec(select(User).where(User.name == PLATFORM_USER)).first()
    if user is None:
        user = User(name=PLATFORM_USER, role=Role.ADMIN, department_id=None)
        session.add(user)
        session.commit()
    return user


def number_yearly_cases(
    platform: Platform, year: int, received_at: datetime
) -> list[tuple[str, Any]]:
    """Number one case per department the maintenance of `year` binds; returns each case id
    with its workflow input. A second call finds the cases the first numbered."""
    day = date(year, 1, 1)
    opened = []
    with platform.session() as session:
        user = _platform_user(session)
        actor = Actor(user_id=user.id or 0, role=Role.ADMIN, name=PLATFORM_USER)
        for department, law in maintained_departments(session, platform.rulesets(), day):
            parties = Parties(
                applicant=None,
                provider=department.id,
                authority=find_department(
                    session, department.jurisdiction, DepartmentKind.COMPETENT_AUTHORITY
                ),
            )
            draft = Draft(
                parties=parties,
                fields={
                    "plan": law.plan_of(CatalogUpdatePlan),
                    "trigger": Trigger.YEARLY_MAINTENANCE,
                    "trigger_date": day,
                    "description": f"{year}年度政务数据资源目录全面维护",
                },
            )
            submission, start = open_platform_case(
                session,
                process=CATALOG_UPDATE,
                law=law,
                key=maintenance_key(department.id, year),
                submitted_by=actor,
                jurisdiction=department.jurisdiction,
                draft=draft,
                received_at=received_at,
            )
            opened.append((submission.case_id, start))
    return opened


async def open_year(platform: Platform, year: int, received_at: datetime) -> list[str]:
    """Number and start each bound department's maintenance case of `year`; a second call
    (a re-fired schedule, a retried activity, an operator) starts none twice."""
    opened = await to_thread.run_sync(number_yearly_cases, platform, year, received_at)
    temporal = await platform.temporal()
    for case_id, start in opened:
        try:
            await temporal.start_workflow(
                CatalogUpdateWorkflow.run,
                start,
                id=case_id,
                task_queue=platform.settings.task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            )
        except WorkflowAlreadyStartedError:
            pass  # started by an earlier attempt
        except RPCError as error:
            raise from_rpc(error) from error
    return [case_id for case_id, _ in opened]


async def open_yearly_maintenance(platform: Platform, caller: Caller, year: int) -> list[str]:
    """An administrator opens this year's maintenance (a system installed mid-year, or a
    schedule that was paused), as the schedule would have on 1 January."""
    caller.require(Role.ADMIN)
    now = platform.now()
    if year != now.astimezone(BEIJING).year:
        raise Invalid(
            f"只能开启本年度（{now.astimezone(BEIJING).year}年）的目录全面维护。",
            "maintenance_year_invalid",
        )
    return await open_year(platform, year, now)


# -- who has done it ---------------------------------------------------------------------------


class MaintenanceRow(BaseModel):
    department_id: str
    department_name: str
    jurisdiction: str
    case_id: str | None
    status: str  # done, open, overdue, none
    due: BeijingTime | None


def yearly_maintenance(
    platform: Platform, caller: Caller, *, year: int | None, jurisdiction: str | None
) -> list[MaintenanceRow]:
    """Each department's yearly full maintenance of `year` (default: this Beijing year):
    done, open, overdue, or none opened. Departments with an open case or none come first."""
    scope = caller.jurisdiction_to_read(jurisdiction, "年度目录维护情况")
    now = platform.now()
    with platform.session() as session:
        check_jurisdiction(session, platform.rulesets(), jurisdiction)
        return maintenance_rows(
            session,
            platform.rulesets(),
            year=year or now.astimezone(BEIJING).year,
            now=now,
            scope=scope,
        )


def maintenance_rows(
    session: Session, rulesets: Rulesets, *, year: int, now: datetime, scope: str | None
) -> list[MaintenanceRow]:
    """The departments of `scope` (and those inside it; None: all) bound to the yearly
    maintenance of `year`, each with its status at `now`, undone first. One query finds every
    department's case (the dashboard shows this at every load)."""
    departments = {
        maintenance_key(department.id, year): department
        for department, _ in maintained_departments(session, rulesets, date(year, 1, 1))
        if scope is None or within(department.jurisdiction, scope)
    }
    opened = {
        key: (record, bool(late))
        for key, record, late in session.exec(
            select(CaseSubmission.idempotency_key, CaseRecord, overdue_now(now))
            .join(CaseRecord, col(CaseRecord.case_id) == CaseSubmission.case_id)
            .where(col(CaseSubmission.idempotency_key).in_(list(departments)))
        ).all()
    }
    rows = [_maintenance(department, opened.get(key)) for key, department in departments.items()]
    order = {"overdue": 0, "open": 1, "none": 2, "done": 3}
    return sorted(rows, key=lambda r: (order[r.status], r.department_id))


def _maintenance(department: Department, found: tuple[CaseRecord, bool] | None) -> MaintenanceRow:
    status = "none"
    record = found[0] if found else None
    if found is not None:
        record, late = found
        status = "done" if record.status == "closed" else "overdue" if late else "open"
    return MaintenanceRow(
        department_id=department.id,
        department_name=department.name,
        jurisdiction=department.jurisdiction,
        case_id=record.case_id if record else None,
        status=status,
        due=record.due if record else None,
    )
