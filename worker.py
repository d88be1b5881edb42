"""The Temporal worker: every process workflow and every activity, on one task queue."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.attachments import cite_attachments
from activities.authorizations import (
    add_catalog_entry,
    end_emergency_grants,
    grant_authorization,
)
from activities.catalog import record_correction, set_open_status, set_resource_status
from activities.catalog_versions import publish_draft
from activities.deadlines import plan_deadline, plan_year_end
from activities.green_channel import (
    deliver_resource,
    list_authorization_holders,
    reclassify_resource,
    restore_share_type,
)
from activities.negative_list import list_not_shared
from activities.notices import send_notice, send_user_notice
from activities.projection import record_case, record_step
from activities.yearly_maintenance import open_yearly_maintenance
from models import CaseSubmission
from models.db import migrate
from service import register
from service.cases import restart
from service.platform import Platform
from shixian.faults import FailureInterceptor, ObservedRunner
from shixian.schedules import ensure_schedules
from shixian.settings import Settings, get_settings
from shixian.temporal import connect, ignores_context
from workflows import trust
from workflows.registry import CASE_WORKFLOWS
from workflows.yearly_maintenance import YearlyMaintenanceWorkflow

WORKFLOWS = [*CASE_WORKFLOWS, YearlyMaintenanceWorkflow]
ACTIVITIES: list[Callable[..., Any]] = [
    plan_deadline,
    send_notice,
    send_user_notice,
    record_case,
    record_step,
    grant_authorization,
    add_catalog_entry,
    end_emergency_grants,
    set_resource_status,
    set_open_status,
    publish_draft,
    plan_year_end,
    open_yearly_maintenance,
    deliver_resource,
    reclassify_resource,
    restore_share_type,
    list_authorization_holders,
    record_correction,
    cite_attachments,
    list_not_shared,
]

# Every workflow run in a sandbox: the workflow modules re-imported into it and checked, with
# the shared vocabulary (plain dataclasses and enums) passed through, so that an activity's
# result is an instance of the very class the workflow checks it against; and so is
# `workflows.trust`, so update validators check signatures with the keys this process
# installed in it (why that keeps replay deterministic: workflows/trust.py). The test suite runs
# every workflow this way (tests/conftest.py): a nondeterministic call fails its tests.
CHECKED = SandboxRestrictions.default.with_passthrough_modules(
    "workflows.common", "workflows.trust"
)
# In production the project's workflow modules are passed through as well: imported once per
# worker instead of once per case run (~30 ms and a few hundred KB for every new, replayed or
# evicted case). The sandbox no longer checks what a passed-through module calls, so they must
# stay deterministic by construction (standard library, temporalio, their own modules and
# activity references, no module state changed after import: STYLE.md's boundary); the suite
# above checks them, and the replay tests replay every recorded history with this runner.
PASSED_THROUGH = CHECKED.with_passthrough_modules("workflows")
RUNNER = SandboxedWorkflowRunner(restrictions=PASSED_THROUGH)

log = logging.getLogger("shixian.worker")
SWEEP_EVERY = timedelta(minutes=1)
# Pollers of the shared queue, as a share of the worker's workflow pollers: all of them may poll
# it (the SDK's default is a fifth); the sticky queue keeps at least one (`build_worker`).
NEW_CASES_POLL_RATIO = 1.0


def build_worker(
    client: Client,
    task_queue: str,
    activities: Sequence[Callable[..., Any]] = ACTIVITIES,
    *,
    keys: Sequence[bytes] | None = None,
    threads: int = 20,
    **options: Any,
) -> Worker:
    """The worker of every case; it checks actions' signatures with `keys` (by default the
    settings'), and lists the cases it finds stuck (shixian/faults.py). `threads`
    (SHIXIAN_THREADS) run activities, each with one database connection at most; `options` go
    to the Worker (`max_cached_workflows`: SHIXIAN_WORKFLOW_CACHE, see docs/operations.md)."""
    trust.install(get_settings().action_keys if keys is None else keys)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=activities,
        workflow_runner=ObservedRunner(RUNNER, context_free=ignores_context(client.data_converter)),
        # On shutdown, effects in flight finish rather than wait out their timeout elsewhere.
        graceful_shutdown_timeout=timedelta(seconds=10),
        # A case this worker ran goes to another worker 3 s after this one stops taking its
        # tasks (a crash): well within the time an action waits to be accepted.
        sticky_queue_schedule_to_start_timeout=timedelta(seconds=3),
        # Activities use blocking database sessions: one thread each, local ones included.
        activity_executor=ThreadPoolExecutor(max_workers=threads),
        max_concurrent_activities=threads,
        max_concurrent_local_activities=threads,
        # A failure no retry mends stops retrying and lists the case as stuck.
        interceptors=[FailureInterceptor()],
        # A new case's first task comes on the shared queue, every later one on this worker's
        # own (sticky) queue. The SDK's default polls the shared queue with one poller of five:
        # at 50 users submitting at once a first task waited 11 s there, longer than a
        # submission waits for its first stage, while later tasks waited 0.4 s (bench/README).
        nonsticky_to_sticky_poll_ratio=NEW_CASES_POLL_RATIO,
        **options,
    )


async def run(settings: Settings) -> None:
    migrate(settings.database)
    while True:
        try:
            client = await connect(settings)
            break
        except Exception as error:  # the server may still be starting
            log.warning(
                "Temporal at %s not reachable (%s); retrying", settings.temporal_target, error
            )
            await asyncio.sleep(2)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await ensure_schedules(client, settings.task_queue)
    worker = build_worker(
        client,
        settings.task_queue,
        keys=settings.action_keys,
        threads=settings.threads,
        max_cached_workflows=settings.workflow_cache,
    )
    log.info("worker polling %s on %s", settings.task_queue, settings.temporal_target)
    async with worker:
        sweeping = asyncio.create_task(sweep_submissions(settings, client, stop))
        await stop.wait()
        log.info("stopping: finishing the tasks in hand")
        await sweeping
    # Leaving the context shuts the worker down: in-flight activities finish or are retried
    # elsewhere; workflows resume on any worker from their history.


async def sweep_submissions(settings: Settings, client: Client, stop: asyncio.Event) -> None:
    """Every minute, settle the submissions whose start was never confirmed (service/register.py):
    every worker does, and what one does another finds done."""
    platform = Platform.using(settings, client)

    async def start(temporal: Client, submission: CaseSubmission) -> None:
        await restart(temporal, submission, settings.task_queue)

    while not stop.is_set():
        try:
            swept = await register.sweep(platform, start)
            if swept.started or swept.voided:
                log.warning("submissions swept: %s", swept)
        except Exception:  # the database or Temporal away: next time
            log.exception("sweeping submissions failed; retrying in a minute")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=SWEEP_EVERY.total_seconds())


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    asyncio.run(run(get_settings()))


if __name__ == "__main__":
    main()
