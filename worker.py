"""The Temporal worker: every process workflow and every activity, on one task queue."""

from __future__ import annotations

import asyncio
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
from activities.notices import send_notice, send_user_notice
from activities.projection import record_case
from activities.yearly_maintenance import open_yearly_maintenance
from models.db import migrate
from shixian.schedules import ensure_schedules
from shixian.settings import Settings, get_settings
from shixian.temporal import connect
from workflows.registry import CASE_WORKFLOWS
from workflows.yearly_maintenance import YearlyMaintenanceWorkflow

WORKFLOWS = [*CASE_WORKFLOWS, YearlyMaintenanceWorkflow]
ACTIVITIES: list[Callable[..., Any]] = [
    plan_deadline,
    send_notice,
    send_user_notice,
    record_case,
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
]

# Every workflow run in a sandbox: the workflow modules re-imported into it and checked, with
# the shared vocabulary (plain dataclasses and enums) passed through, so that an activity's
# result is an instance of the very class the workflow checks it against. The test suite runs
# every workflow this way (tests/conftest.py): a nondeterministic call fails its tests.
CHECKED = SandboxRestrictions.default.with_passthrough_modules("workflows.common")
# In production the project's workflow modules are passed through as well: imported once per
# worker instead of once per case run (~30 ms and a few hundred KB for every new, replayed or
# evicted case). The sandbox no longer checks what a passed-through module calls, so they must
# stay deterministic by construction (standard library, temporalio, their own modules and
# activity references, no module state changed after import: STYLE.md's boundary); the suite
# above checks them, and the replay tests replay every recorded history with this runner.
PASSED_THROUGH = CHECKED.with_passthrough_modules("workflows")
RUNNER = SandboxedWorkflowRunner(restrictions=PASSED_THROUGH)

log = logging.getLogger("shixian.worker")


def build_worker(
    client: Client,
    task_queue: str,
    activities: Sequence[Callable[..., Any]] = ACTIVITIES,
    *,
    threads: int = 20,
    **options: Any,
) -> Worker:
    """`threads` (SHIXIAN_THREADS) run activities, each with one database connection at most;
    `options` go to the Worker (`max_cached_workflows`: SHIXIAN_WORKFLOW_CACHE, see
    docs/operations.md)."""
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=activities,
        workflow_runner=RUNNER,
        # On shutdown, effects in flight finish rather than wait out their timeout elsewhere.
        graceful_shutdown_timeout=timedelta(seconds=10),
        # Activities use blocking database sessions: one thread each, local ones included.
        activity_executor=ThreadPoolExecutor(max_workers=threads),
        max_concurrent_activities=threads,
        max_concurrent_local_activities=threads,
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
        threads=settings.threads,
        max_cached_workflows=settings.workflow_cache,
    )
    log.info("worker polling %s on %s", settings.task_queue, settings.temporal_target)
    async with worker:
        await stop.wait()
        log.info("stopping: finishing the tasks in hand")
    # Leaving the context shuts the worker down: in-flight activities finish or are retried
    # elsewhere; workflows resume on any worker from their history.


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    asyncio.run(run(get_settings()))


if __name__ == "__main__":
    main()
