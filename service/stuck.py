"""Cases that cannot go on by themselves, for operators: what the workers found (an effect that
failed for good, one that keeps failing) and what Temporal reports (a workflow task that keeps
failing: `TemporalReportedProblems`, which the cluster sets once a case's task has failed
often enough; docs/operations.md). An administrator retries a case's failed effect once its
cause is fixed; a failing workflow task goes on by itself once a fixed worker runs it."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field
from sqlmodel import Session, col, func, select
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from models import CaseRecord, CaseSubmission, StuckCase
from service import diagnosis
from service.access import Caller
from service.errors import Conflict, NotFound, from_rpc
from service.platform import Platform
from service.views import BeijingTime
from workflows.case import CaseWorkflow
from workflows.common import RetryInput, Role

log = logging.getLogger(__name__)

REPORTED = "TemporalReportedProblems IS NOT NULL"
ASK = timedelta(seconds=3)

KIND_LABELS = {
    "effect": "处理步骤失败，等待运维人员排除原因后重试",
    "retrying": "处理步骤反复失败，仍在自动重试",
    "workflow_task": "工作流任务反复失败，修复并部署后自动恢复",
}


class StuckOut(BaseModel):
    case_id: str
    case_number: str
    process: str | None
    kind: str = Field(description="effect, retrying or workflow_task")
    kind_label: str
    step: str | None = Field(description="The effect (activity) that failed, if one did.")
    error: str
    attempts: int | None
    since: BeijingTime | None


class StuckReport(BaseModel):
    cases: list[StuckOut]
    temporal_checked: bool = Field(
        description="Whether Temporal was asked for cases whose workflow task keeps failing "
        "(false: it did not answer, or does not report them)."
    )


async def stuck_cases(
    platform: Platform, caller: Caller, *, ask_temporal: bool = True
) -> StuckReport:
    """Every case that cannot go on by itself, longest stuck first: administrators and
    auditors. Without `ask_temporal`, what the workers found, as they found it (a page that
    must answer while Temporal does not)."""
    caller.require(Role.ADMIN, Role.AUDITOR)
    temporal = await platform.temporal() if ask_temporal else None
    rows = await platform.run(_rows)
    found: list[StuckOut] = []
    gone: list[int] = []
    for row, process in rows:
        if temporal is not None and not await _still_stuck(temporal, row):
            gone.append(row.id or 0)  # closed, terminated or recovered since
            continue
        found.append(
            StuckOut(
                case_id=row.case_id,
                case_number=row.case_id.split("/", 1)[-1],
                process=process,
                kind=row.kind,
                kind_label=KIND_LABELS.get(row.kind, row.kind),
                step=row.activity,
                error=row.message,
                attempts=row.attempts,
                since=row.since,
            )
        )
    if gone:
        await platform.run(lambda session: _forget(session, gone))
    if temporal is None:
        return StuckReport(cases=found, temporal_checked=False)
    reported, checked = await _reported(platform, temporal)
    listed = {case.case_id for case in found}
    found += [case for case in reported if case.case_id not in listed]
    return StuckReport(cases=found, temporal_checked=checked)


def _rows(session: Session) -> list[tuple[StuckCase, str | None]]:
    return list(
        session.exec(
            select(StuckCase, CaseSubmission.process)
            .join(
                CaseSubmission,
                col(CaseSubmission.case_id) == col(StuckCase.case_id),
                isouter=True,
            )
            .order_by(col(StuckCase.since))
        ).all()
    )


def _forget(session: Session, ids: list[int]) -> None:
    for row in session.exec(select(StuckCase).where(col(StuckCase.id).in_(ids))):
        session.delete(row)
    session.commit()


async def _still_stuck(temporal: Client, row: StuckCase) -> bool:
    """Whether the case is still open and, for a failing workflow task, still failing (the
    worker that saw it fail may not be the one that saw it recover)."""
    try:
        description = await temporal.get_workflow_handle(row.case_id).describe(rpc_timeout=ASK)
    except RPCError as error:
        return error.status is not RPCStatusCode.NOT_FOUND  # unknown: keep listing it
    if description.status is not WorkflowExecutionStatus.RUNNING:
        return False
    if row.kind == "workflow_task":
        return description.raw_description.pending_workflow_task.attempt >= 2
    return True


async def _reported(platform: Platform, temporal: Client) -> tuple[list[StuckOut], bool]:
    """The cases of this task queue whose workflow task Temporal reports as failing."""
    query = f"{REPORTED} AND TaskQueue = '{platform.settings.task_queue}'"
    found: list[StuckOut] = []
    try:
        async with asyncio.timeout(ASK.total_seconds()):
            async for execution in temporal.list_workflows(query, rpc_timeout=ASK, limit=200):
                problem = await diagnosis.failing_task(
                    temporal, execution.id, (await execution_description(temporal, execution.id))
                )
                found.append(
                    StuckOut(
                        case_id=execution.id,
                        case_number=execution.id.split("/", 1)[-1],
                        process=None,
                        kind="workflow_task",
                        kind_label=KIND_LABELS["workflow_task"],
                        step=None,
                        error=problem or _problems(execution.search_attributes),
                        attempts=None,
                        since=None,
                    )
                )
    except (RPCError, TimeoutError) as error:
        log.info("Temporal did not list reported problems: %s", error)
        return found, False
    return found, True


async def execution_description(temporal: Client, case_id: str) -> Any:
    return (await temporal.get_workflow_handle(case_id).describe(rpc_timeout=ASK)).raw_description


def _problems(attributes: Any) -> str:
    values = attributes.get("TemporalReportedProblems") if attributes else None
    return "；".join(str(v) for v in values or []) or "工作流任务反复失败"


def count(session: Session) -> int:
    """How many cases the workers found stuck (cheap: for /healthz)."""
    return int(session.exec(select(func.count()).select_from(StuckCase)).one())


async def count_reported(platform: Platform) -> int | None:
    """How many cases Temporal reports with a failing workflow task; None if it does not say."""
    temporal = await platform.temporal()
    query = f"{REPORTED} AND TaskQueue = '{platform.settings.task_queue}'"
    try:
        counted = await temporal.count_workflows(query, rpc_timeout=ASK)
    except RPCError:
        return None
    return counted.count


async def retry(platform: Platform, caller: Caller, case_id: str, reason: str) -> datetime:
    """Run a stuck case's failed effect again, once its cause is fixed (administrators)."""
    caller.require(Role.ADMIN)
    rows = await platform.run(
        lambda session: session.exec(
            select(StuckCase).where(
                col(StuckCase.case_id).in_(_ids(session, case_id)), StuckCase.kind == "effect"
            )
        ).all()
    )
    if not rows:
        raise Conflict("该案件没有等待重试的失败步骤。", "nothing_to_retry")
    real_id = rows[0].case_id
    temporal = await platform.temporal()
    try:
        await temporal.get_workflow_handle(real_id).signal(
            CaseWorkflow.retry_effects, RetryInput(reason or "运维人员重试"), rpc_timeout=ASK
        )
    except RPCError as error:
        raise from_rpc(error) from error
    await platform.run(lambda session: _forget(session, [row.id or 0 for row in rows]))
    return platform.now()


def _ids(session: Session, case_id: str) -> list[str]:
    """The case id, whether given in full or as its number."""
    if "/" in case_id:
        return [case_id]
    found = session.exec(
        select(CaseRecord.case_id).where(CaseRecord.case_number == case_id)
    ).first()
    if found is None:
        raise NotFound(f"案件“{case_id}”不存在。", "case_not_found")
    return [found]
