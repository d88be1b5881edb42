"""Opening the yearly full catalog maintenance (hubei 第十一条: 每年进行不少于一次的全面维护)
for every department it binds, once per department and year."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, select
from temporalio import activity
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from activities.database import session
from api.cases import open_platform_case
from api.processes import find_department
from api.processes.catalog_update import CATALOG_UPDATE
from models import Department, User
from regulations import Ruleset, Rulesets, load_rulesets
from shixian.settings import get_settings
from workflows.catalog_update import CatalogUpdateInput, CatalogUpdateWorkflow, Trigger
from workflows.common import Actor, DepartmentKind, Parties, Role

PLATFORM_USER = "共享平台（年度目录维护计划）"


@dataclass(frozen=True)
class OpenYearlyMaintenanceInput:
    year: int
    received_at: datetime


def maintenance_key(department_id: str, year: int) -> str:
    """The one key per department and year: a re-fired schedule finds the case it opened."""
    return f"yearly-maintenance/{year}/{department_id}"


def maintained_departments(
    db: Session, rulesets: Rulesets, day: date
) -> list[tuple[Department, Ruleset]]:
    """Ordinary departments whose governing instrument on `day` asks for the yearly upkeep."""
    found = []
    for department in db.exec(
        select(Department).where(Department.kind == DepartmentKind.ORDINARY)
    ).all():
        try:
            ruleset = rulesets.resolve(
                jurisdiction=department.jurisdiction, received_on=day, process="catalog_update"
            )
        except ValueError:  # no instrument in force there
            continue
        if ruleset.catalog_update is not None and ruleset.catalog_update.yearly is not None:
            found.append((department, ruleset))
    return sorted(found, key=lambda pair: pair[0].id)


def _platform_user(db: Session) -> User:
    user = db.exec(select(User).where(User.name == PLATFORM_USER)).first()
    if user is None:
        user = User(name=PLATFORM_USER, role=Role.ADMIN, department_id=None)
        db.add(user)
        db.commit()
    return user


def _number_cases(request: OpenYearlyMaintenanceInput) -> list[tuple[str, Any]]:
    settings = get_settings()
    rulesets = load_rulesets(settings.data_dir / "regulations")
    day = date(request.year, 1, 1)
    opened = []
    with session() as db:
        user = _platform_user(db)
        assert user.id is not None
        actor = Actor(user_id=user.id, role=Role.ADMIN, name=PLATFORM_USER)
        for department, ruleset in maintained_departments(db, rulesets, day):
            plan = ruleset.catalog_update
            assert plan is not None
            parties = Parties(
                applicant=None,
                provider=department.id,
                authority=find_department(
                    db, department.jurisdiction, DepartmentKind.COMPETENT_AUTHORITY
                ),
            )

            def build(
                case_id: str,
                case_number: str,
                received_at: datetime,
                department: Department = department,
                ruleset: Ruleset = ruleset,
                parties: Parties = parties,
            ) -> CatalogUpdateInput:
                assert ruleset.catalog_update is not None
                return CatalogUpdateInput(
                    case_id=case_id,
                    case_number=case_number,
                    ruleset=ruleset.id,
                    jurisdiction=department.jurisdiction,
                    received_at=received_at,
                    parties=parties,
                    plan=ruleset.catalog_update,
                    submitted_by=actor,
                    trigger=Trigger.YEARLY_MAINTENANCE,
                    trigger_date=day,
                    description=f"{request.year}年度政务数据资源目录全面维护",
                )

            submission, start = open_platform_case(
                db,
                process=CATALOG_UPDATE,
                ruleset=ruleset,
                key=maintenance_key(department.id, request.year),
                user_id=user.id,
                jurisdiction=department.jurisdiction,
                parties=parties,
                build=build,
                received_at=request.received_at,
            )
            opened.append((submission.case_id, start))
    return opened


@activity.defn
async def open_yearly_maintenance(request: OpenYearlyMaintenanceInput) -> list[str]:
    """Number and start each department's case; a retry starts none twice."""
    opened = await asyncio.to_thread(_number_cases, request)
    client = activity.client()
    for case_id, start in opened:
        try:
            await client.start_workflow(
                CatalogUpdateWorkflow.run,
                start,
                id=case_id,
                task_queue=get_settings().task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            )
        except WorkflowAlreadyStartedError:
            pass  # started by an earlier attempt
    return [case_id for case_id, _ in opened]
