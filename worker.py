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
from activities.authorizations import add_catalog_entry, grant_authorization
from activities.catalog import record_correction, set_resource_status
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
    set_resource_status,
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

# The shared vocabulary (plain dataclasses and enums) is passed through the sandbox, so an
# activity's result is an instance of the very class the workflow checks it against.
RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules("workflows.common")
)

log = logging.getLogger("shixian.worker")


def build_worker(
    client: Client,
    task_queue: str,
    activities: Sequence[Callable[..., Any]] = ACTIVITIES,
    **options: Any,
) -> Worker:
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=activities,
        workflow_runner=RUNNER,
        # On shutdown, effects in flight finish rather than wait out their timeout elsewhere.
        graceful_shutdown_timeout=timedelta(seconds=10),
        # Activities use blocking database sessions.
        activity_executor=ThreadPoolExecutor(max_workers=16),
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
    worker = build_worker(client, settings.task_queue)
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
