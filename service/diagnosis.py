"""Why a case did not answer: closed, stuck, no worker to run it, or Temporal itself out of
reach. Asked when an action or a view ran out of time, so that the error says what is true,
and, for an action, whether it was recorded.

Temporal tells which: a closed workflow takes no update; a workflow task that failed and is
retried again and again is a defect (code or data) no retry will mend; a workflow task that
waits, scheduled, with nobody starting it means no worker polls the task queue. The workers'
own findings (`StuckCase`: an effect that failed for good) come from the database.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import select
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import (
    EventType,
    PendingWorkflowTaskState,
    UpdateWorkflowExecutionLifecycleStage,
)
from temporalio.api.update.v1 import UpdateRef, WaitPolicy
from temporalio.api.workflowservice.v1 import (
    GetWorkflowExecutionHistoryReverseRequest,
    PollWorkflowExecutionUpdateRequest,
)
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from calendars import BEIJING
from models import StuckCase
from service.errors import Conflict, DomainError, NotFound, Unavailable
from service.platform import Platform

log = logging.getLogger(__name__)

# How long the diagnosis itself may take: it runs after a wait has already run out.
ASK = timedelta(seconds=1)

# The stages of an update, as far as an answer depends on them.
Stage = UpdateWorkflowExecutionLifecycleStage
ADMITTED = Stage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED
ACCEPTED = Stage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED
REFUSED = Stage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_UNSPECIFIED


def outcome(recorded: bool | None, received_at: datetime | None) -> str:
    """What became of the action, said after the reason."""
    if recorded is None:
        return ""
    if not recorded:
        return "本次操作未记录，请稍后重新办理。"
    when = ""
    if received_at is not None:
        when = f"（平台收到时间：{received_at.astimezone(BEIJING):%Y-%m-%d %H:%M:%S}）"
    return f"本次操作已记录{when}，恢复后将按收到时间自动办理，无需重复提交。"


def no_worker(recorded: bool | None, received_at: datetime | None = None) -> Unavailable:
    return Unavailable(
        "当前没有可用的案件处理进程（worker），案件暂时无法办理。" + outcome(recorded, received_at),
        "no_worker",
        recorded=recorded,
    )


def stuck(detail: str, recorded: bool | None, received_at: datetime | None = None) -> Unavailable:
    return Unavailable(
        f"案件处理出错，暂停在当前步骤（{detail}），已列入待运维处理的案件。"
        + outcome(recorded, received_at),
        "case_stuck",
        recorded=recorded,
    )


def busy(recorded: bool | None, received_at: datetime | None = None) -> Unavailable:
    return Unavailable(
        "案件处理进程未能在规定时间内答复（服务繁忙）。" + outcome(recorded, received_at),
        "workflow_busy",
        recorded=recorded,
    )


def temporal_down(recorded: bool | None, received_at: datetime | None = None) -> Unavailable:
    return Unavailable(
        "工作流服务暂不可用。" + outcome(recorded, received_at),
        "temporal_unavailable",
        recorded=recorded,
    )


def unconfirmed(received_at: datetime | None) -> Unavailable:
    when = ""
    if received_at is not None:
        when = f"（平台收到时间：{received_at.astimezone(BEIJING):%Y-%m-%d %H:%M:%S}）"
    return Unavailable(
        f"工作流服务暂不可用，无法确认本次操作{when}是否已记录；"
        "请稍后刷新案件查看，已记录的无需重复提交。",
        "temporal_unavailable",
    )


CLOSED = "案件已办结，不能再办理。"


async def accepted(
    platform: Platform,
    temporal: Client,
    case_id: str,
    update_id: str,
    accept_by: datetime,
    wait: float,
) -> bool | None:
    """Whether the case accepted the action sent as update `update_id`, asked when its answer
    was lost or late; waits up to `wait` seconds, until `accept_by`, for the case to take it
    up. An action the case has not accepted by `accept_by` never is (its validator refuses
    it then). None: Temporal cannot say now."""
    ahead = min(wait, (accept_by - platform.now()).total_seconds())
    if ahead > 0:
        try:
            stage = await _update_stage(temporal, case_id, update_id, ACCEPTED, ahead)
        except RPCError:
            stage = ADMITTED
        if stage != ADMITTED:
            return stage == ACCEPTED
        if platform.now() <= accept_by:
            return None  # the case may still take it up
    try:
        # Past `accept_by` the stage the update has reached is final: asked without waiting.
        stage = await _update_stage(temporal, case_id, update_id, ADMITTED, ASK.total_seconds() / 2)
    except RPCError:
        return None
    return stage == ACCEPTED


async def _update_stage(
    temporal: Client, case_id: str, update_id: str, wait_for: int, timeout: float
) -> int:
    """The update's stage once it has reached `wait_for` or `timeout` has passed: ADMITTED
    (with the case, not yet taken up), ACCEPTED (or completed), or REFUSED (by its validator,
    or unknown to Temporal: refusals are not kept)."""
    request = PollWorkflowExecutionUpdateRequest(
        namespace=temporal.namespace,
        update_ref=UpdateRef(
            workflow_execution=WorkflowExecution(workflow_id=case_id), update_id=update_id
        ),
        identity=temporal.identity,
        wait_policy=WaitPolicy(lifecycle_stage=wait_for),  # type: ignore[arg-type]
    )
    try:
        response = await temporal.workflow_service.poll_workflow_execution_update(
            request, timeout=timedelta(seconds=timeout)
        )
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            return REFUSED
        raise
    if response.outcome.HasField("failure"):
        return REFUSED
    return ACCEPTED if response.stage >= ACCEPTED else ADMITTED


async def unanswered(
    platform: Platform,
    temporal: Client,
    case_id: str,
    *,
    recorded: bool | None,
    received_at: datetime | None = None,
) -> DomainError:
    """Why `case_id` did not answer in time. `recorded`: whether the action that asked was
    accepted (None: no action, a view)."""
    try:
        return await asyncio.wait_for(
            _diagnose(platform, temporal, case_id, recorded, received_at),
            timeout=ASK.total_seconds(),
        )
    except TimeoutError:
        return temporal_down(recorded, received_at)


async def _diagnose(
    platform: Platform,
    temporal: Client,
    case_id: str,
    recorded: bool | None,
    received_at: datetime | None,
) -> DomainError:
    handle = temporal.get_workflow_handle(case_id)
    try:
        description = await handle.describe(rpc_timeout=ASK)
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            return NotFound("案件不存在或已超过保存期限。", "case_not_found")
        return temporal_down(recorded, received_at)
    if description.status is not WorkflowExecutionStatus.RUNNING:
        return Conflict(CLOSED, "case_closed")
    failure = await failing_task(temporal, case_id, description.raw_description)
    if failure is not None:
        return stuck(f"工作流任务反复失败：{failure}", recorded, received_at)
    found = await platform.run(
        lambda session: session.exec(
            select(StuckCase).where(StuckCase.case_id == case_id, StuckCase.kind == "effect")
        ).first()
    )
    if found is not None:
        return stuck(f"{found.activity}：{found.message[:200]}", recorded, received_at)
    pending = description.raw_description.pending_workflow_task
    if pending.state == PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_SCHEDULED:
        # Scheduled and started by nobody all the while the request waited.
        return no_worker(recorded, received_at)
    return busy(recorded, received_at)


async def failing_task(temporal: Client, case_id: str, raw: Any) -> str | None:
    """The failure of the case's workflow task, if it has failed and is being retried (a
    task that timed out had a worker die under it: not a defect)."""
    if raw.pending_workflow_task.attempt < 2:
        return None
    try:
        response = await temporal.workflow_service.get_workflow_execution_history_reverse(
            GetWorkflowExecutionHistoryReverseRequest(
                namespace=temporal.namespace,
                execution=raw.workflow_execution_info.execution,
                maximum_page_size=10,
            ),
            timeout=ASK,
        )
    except RPCError:
        return None
    for event in response.history.events:
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
            failure: Any = event.workflow_task_failed_event_attributes.failure
            said: list[str] = []
            while failure is not None and len(said) < 3:
                if failure.message:
                    said.append(failure.message.strip().splitlines()[0])
                failure = failure.cause if failure.HasField("cause") else None
            return (" ← ".join(said) or "未知错误")[:200]
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
            return None
    return None
