"""What the worker tells operators: effects that failed for good, and workflow tasks that
keep failing.

Every activity runs through `FailureInterceptor` (worker.py). A failure no retry can mend
(data the database refuses, a day the calendar can never count, a template that does not
render, an explicit non-retryable `ApplicationError`) leaves the activity non-retryable and
the case listed as stuck (`StuckCase`, kind `effect`): the case then waits for an operator
to retry it (workflows/case.py `effect`). Any other failure (the database restarting, a
network) is retried with backoff for as long as it takes, and after `RETRYING_AFTER`
attempts the case is listed too (kind `retrying`), until an attempt succeeds.

Every workflow activation runs through `ObservedRunner`: one that fails (a defect in the
workflow code, or in what it was given; Temporal retries it again and again) lists the case
(kind `workflow_task`) before Temporal even hears of the failure; the next activation of
that case that succeeds takes it off. Failures the SDK's core finds itself (nondeterminism
after a bad deployment) never reach the runner: Temporal reports those
(service/stuck.py).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import jinja2
import pydantic
from anyio import to_thread
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError
from sqlmodel import select
from temporalio import activity
from temporalio.bridge.proto.workflow_activation import WorkflowActivation
from temporalio.bridge.proto.workflow_completion import WorkflowActivationCompletion
from temporalio.converter import StorageDriverStoreContext
from temporalio.exceptions import ApplicationError
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
    WorkflowInstance,
    WorkflowInstanceDetails,
    WorkflowRunner,
)

from activities.database import session
from calendars import CalendarError
from models import StuckCase

log = logging.getLogger(__name__)

RETRYING_AFTER = 5
PERMANENT = (
    DataError,
    IntegrityError,
    CalendarError,
    pydantic.ValidationError,
    jinja2.TemplateError,
)
# The type of the non-retryable error a permanent failure becomes; the workflow waits for an
# operator on it (workflows/case.py).
PERMANENT_FAILURE = "PermanentEffectFailure"


def permanent(error: BaseException) -> bool:
    if isinstance(error, ApplicationError):
        return error.non_retryable
    return isinstance(error, PERMANENT)


def describe(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}"[:2000]


def record_stuck(
    case_id: str, kind: str, name: str | None, error: BaseException, attempt: int
) -> None:
    """Keep (or refresh) the case's entry of `kind`; never raises (the database may be what
    failed)."""
    now = datetime.now(UTC)
    try:
        with session() as db:
            row = db.exec(
                select(StuckCase).where(StuckCase.case_id == case_id, StuckCase.kind == kind)
            ).first()
            if row is None:
                row = StuckCase(case_id=case_id, kind=kind, since=now)
            row.activity = name
            row.error_type = type(error).__name__[:120]
            row.message = describe(error)
            row.attempts = attempt
            row.updated_at = now
            db.add(row)
            db.commit()
    except SQLAlchemyError as failure:
        log.warning("could not record %s as stuck (%s): %s", case_id, kind, failure)


def clear_stuck(case_id: str, kind: str) -> None:
    try:
        with session() as db:
            for row in db.exec(
                select(StuckCase).where(StuckCase.case_id == case_id, StuckCase.kind == kind)
            ):
                db.delete(row)
            db.commit()
    except SQLAlchemyError as failure:
        log.warning("could not clear %s (%s): %s", case_id, kind, failure)


class FailureInterceptor(Interceptor):
    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _Classifying(next)


class _Classifying(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        info = activity.info()
        case_id = info.workflow_id or ""
        try:
            result = await super().execute_activity(input)
        except Exception as error:
            if permanent(error):
                log.error("%s of %s failed for good: %s", info.activity_type, case_id, error)
                await to_thread.run_sync(
                    record_stuck, case_id, "effect", info.activity_type, error, info.attempt
                )
                if isinstance(error, ApplicationError):
                    raise
                raise ApplicationError(
                    describe(error), type=PERMANENT_FAILURE, non_retryable=True
                ) from error
            if info.attempt >= RETRYING_AFTER:
                await to_thread.run_sync(
                    record_stuck, case_id, "retrying", info.activity_type, error, info.attempt
                )
            raise
        if info.attempt > 1:
            await to_thread.run_sync(clear_stuck, case_id, "retrying")
        return result


# -- workflow tasks ---------------------------------------------------------------------------

# How long an activation waits for its failure to be written down: long enough for a database
# that answers, well under the worker's deadlock detection (2 s).
NOTE_WAIT = 0.5


class WorkflowTaskFailure(Exception):
    """A workflow activation that failed, as written down for operators."""


class ObservedRunner(WorkflowRunner):
    """The worker's runner, noting each case whose workflow activation fails (and no longer
    does). The failure is written before the activation returns, so by the time Temporal
    retries the task the case is listed."""

    def __init__(self, inner: WorkflowRunner, *, context_free: bool = False) -> None:
        self.inner = inner
        # The SDK asks a workflow, inside its sandbox, for the serialization context of each
        # payload an activation or completion carries: a fifth of a case's Python time in
        # bench_cases. A converter that takes no context (shixian.temporal.ignores_context)
        # is given none, which is the context-free converter it already is.
        self.context_free = context_free
        self.failing: set[str] = set()
        self.lock = threading.Lock()
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stuck-notes")

    def prepare_workflow(self, defn: Any) -> None:
        self.inner.prepare_workflow(defn)

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _Observed(self.inner.create_instance(det), det.info.workflow_id, self)

    def set_worker_level_failure_exception_types(
        self, types: Sequence[type[BaseException]]
    ) -> None:
        self.inner.set_worker_level_failure_exception_types(types)

    def activated(
        self, case_id: str, act: WorkflowActivation, completion: WorkflowActivationCompletion
    ) -> None:
        if completion.HasField("failed"):
            message = _messages(completion.failed.failure) or "workflow activation failed"
            with self.lock:
                self.failing.add(case_id)
            note = self.writer.submit(
                record_stuck, case_id, "workflow_task", None, WorkflowTaskFailure(message), 1
            )
        else:
            # Evicting the failed run and replaying its history succeed too: only new work
            # done means the case goes on.
            if act.is_replaying or any(job.HasField("remove_from_cache") for job in act.jobs):
                return
            with self.lock:
                if case_id not in self.failing:
                    return
                self.failing.discard(case_id)
            note = self.writer.submit(clear_stuck, case_id, "workflow_task")
        try:
            note.result(timeout=NOTE_WAIT)
        except Exception:  # written later, or not: the activation goes on regardless
            log.warning("noting the workflow task of %s took too long", case_id)


def _messages(failure: Any) -> str:
    """A failure and its causes, first line of each: 'Failed decoding arguments ← 10 validation
    errors for PlannedDeadline'."""
    found: list[str] = []
    while failure is not None and len(found) < 3:
        if failure.message:
            found.append(failure.message.strip().splitlines()[0])
        failure = failure.cause if failure.HasField("cause") else None
    return " ← ".join(found)


class _Observed(WorkflowInstance):
    def __init__(self, inner: WorkflowInstance, case_id: str, runner: ObservedRunner) -> None:
        self.inner, self.case_id, self.runner = inner, case_id, runner

    def activate(self, act: WorkflowActivation) -> WorkflowActivationCompletion:
        completion = self.inner.activate(act)
        self.runner.activated(self.case_id, act, completion)
        return completion

    def get_serialization_context(self, command_info: Any) -> Any:
        if self.runner.context_free:
            return None
        return self.inner.get_serialization_context(command_info)

    def get_external_store_context(self, command_info: Any) -> Any:
        if self.runner.context_free:
            return StorageDriverStoreContext(target=None)
        return self.inner.get_external_store_context(command_info)

    def get_info(self) -> Any:
        return self.inner.get_info()

    def get_thread_id(self) -> int | None:
        return self.inner.get_thread_id()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
