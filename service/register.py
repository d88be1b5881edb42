"""The register of case numbers: every number given is a case whose workflow started, or is
voided with the reason why, so that the register has no unexplained gap.

A submission is numbered in the database first (the number is the workflow's business key),
then its workflow is started. Between the two a process can die, or Temporal refuse. What
the submitter was told decides what becomes of the number:

- a submission with an Idempotency-Key is kept and started later (the submitter's retry with
  the key does it, or the sweeper): the submitter was told it is registered;
- one without a key is voided at once when Temporal refused it (the submitter was told it
  was not accepted), or by the sweeper when its process died before an answer (the
  submitter got none, and submits again).

The sweeper (`sweep`, run by every worker every minute) looks only at submissions older than
`SWEEP_AFTER`, long after any request that numbered them has answered, and asks Temporal
before it voids: a workflow that exists is that submission's case.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from pydantic import BaseModel, Field
from sqlalchemy import update
from sqlmodel import Session, col, select
from temporalio.client import Client
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from models import CaseRecord, CaseSubmission
from service.access import Caller
from service.platform import Platform
from service.views import BeijingTime
from workflows.common import Role

log = logging.getLogger(__name__)

# A submission this old whose start was never confirmed has no request still waiting on it.
SWEEP_AFTER = timedelta(minutes=5)
SWEEP_BATCH = 200

REFUSED = "提交时工作流服务拒绝或无法启动该案件（{error}），提交人已获告知未受理。"
INTERRUPTED = "提交过程中断，工作流未启动且提交人未获受理答复；编号作废，提交人可重新提交。"
TAKEN = "该编号在工作流服务中已被其他案件占用（数据库可能从备份恢复），改用下一编号。"


def mark_started(session: Session, *, case_id: str, at: datetime) -> None:
    """Temporal confirmed the case's workflow. One statement: the submission (its start input
    is the largest column) is not read. A case answered with its first stage needs none: its
    workflow's first record marked it (activities/projection.py)."""
    session.execute(
        update(CaseSubmission)
        .where(col(CaseSubmission.case_id) == case_id, col(CaseSubmission.started_at).is_(None))
        .values(started_at=at)
        .execution_options(synchronize_session=False)  # nothing loaded to bring up to date
    )
    session.commit()


def void(session: Session, *, case_id: str, reason: str, at: datetime) -> bool:
    """Give up a number whose workflow never started, saying why: the case leaves the lists,
    the number stays in the register. Its Idempotency-Key is freed (a voided submission is
    no answer to give again). False if it had started meanwhile."""
    submission = session.exec(
        select(CaseSubmission).where(CaseSubmission.case_id == case_id).with_for_update()
    ).first()
    if submission is None or submission.started_at is not None:
        return False
    if submission.voided_at is None:
        submission.voided_at, submission.void_reason = at, reason[:500]
        submission.idempotency_key = None
        session.add(submission)
        listed = session.get(CaseRecord, case_id)
        if listed is not None:
            session.delete(listed)
        session.commit()
    return True


@dataclass
class Swept:
    confirmed: int = 0  # their workflow had started
    started: int = 0  # started now (a submission with an Idempotency-Key)
    voided: int = 0


async def sweep(
    platform: Platform, start: Callable[[Client, CaseSubmission], Awaitable[None]]
) -> Swept:
    """Settle every submission whose start was never confirmed and whose request is long
    over: confirm it, start it (it has an Idempotency-Key), or void it (it has none).
    `start(temporal, submission)` starts a submission's workflow (service.cases.restart)."""
    now = platform.now()
    pending = await platform.run(
        lambda session: session.exec(
            select(CaseSubmission)
            .where(
                col(CaseSubmission.started_at).is_(None),
                col(CaseSubmission.voided_at).is_(None),
                CaseSubmission.created_at < now - SWEEP_AFTER,
            )
            .order_by(col(CaseSubmission.id))
            .limit(SWEEP_BATCH)
        ).all()
    )
    swept = Swept()
    if not pending:
        return swept
    temporal = await platform.temporal()
    for submission in pending:
        found = await exists(temporal, submission.case_id)
        if found is None:  # Temporal out of reach: next time
            break
        if found:
            swept.confirmed += 1
        elif submission.idempotency_key:
            try:
                await start(temporal, submission)
            except WorkflowAlreadyStartedError:
                pass
            swept.started += 1
            log.warning("sweeper started %s, whose submission never started it", submission)
        else:
            voided = partial(void, case_id=submission.case_id, reason=INTERRUPTED, at=now)
            if await platform.run(voided):
                swept.voided += 1
                log.warning("sweeper voided %s: %s", submission.case_id, INTERRUPTED)
            continue
        await platform.run(partial(mark_started, case_id=submission.case_id, at=now))
    return swept


async def exists(temporal: Client, case_id: str) -> bool | None:
    """Whether Temporal has the case's workflow; None if Temporal does not answer."""
    try:
        await temporal.get_workflow_handle(case_id).describe(rpc_timeout=timedelta(seconds=5))
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            return False
        return None
    return True


async def started_with(temporal: Client, case_id: str, expected: object) -> bool:
    """Whether the case's workflow was started with `expected` as its input: by a concurrent
    retry of this very submission (with its Idempotency-Key), not by another that once took
    the number. False where Temporal does not say."""
    try:
        async for event in temporal.get_workflow_handle(case_id).fetch_history_events(
            page_size=1, rpc_timeout=timedelta(seconds=5)
        ):
            payloads = event.workflow_execution_started_event_attributes.input.payloads
            [found] = await temporal.data_converter.decode(payloads[:1], [type(expected)])
            return bool(found == expected)
    except (RPCError, ValueError, TypeError):
        return False
    return False


# -- what operators see ------------------------------------------------------------------------


class VoidedNumber(BaseModel):
    case_id: str
    case_number: str
    process: str
    ruleset: str
    jurisdiction: str
    submitted_at: BeijingTime = Field(description="When the number was given.")
    voided_at: BeijingTime
    reason: str


def voided_numbers(platform: Platform, caller: Caller, limit: int = 200) -> list[VoidedNumber]:
    """Every voided number, latest first: administrators and auditors."""
    caller.require(Role.ADMIN, Role.AUDITOR)
    with platform.session() as session:
        rows = session.exec(
            select(CaseSubmission)
            .where(col(CaseSubmission.voided_at).is_not(None))
            .order_by(col(CaseSubmission.voided_at).desc())
            .limit(limit)
        ).all()
    return [
        VoidedNumber(
            case_id=row.case_id,
            case_number=row.case_id.split("/", 1)[-1],
            process=row.process,
            ruleset=row.ruleset,
            jurisdiction=row.jurisdiction,
            submitted_at=row.created_at,
            voided_at=row.voided_at,
            reason=row.void_reason or "",
        )
        for row in rows
        if row.voided_at is not None
    ]
