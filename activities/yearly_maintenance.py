"""Opening the yearly full catalog maintenance (hubei 第十一条) for every department it binds,
once per department and year (the numbering is service/maintenance.py's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from anyio import to_thread
from temporalio import activity
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from service.maintenance import number_yearly_cases
from service.platform import Platform
from shixian.settings import get_settings
from workflows.catalog_update import CatalogUpdateWorkflow


@dataclass(frozen=True)
class OpenYearlyMaintenanceInput:
    year: int
    received_at: datetime


@activity.defn
async def open_yearly_maintenance(request: OpenYearlyMaintenanceInput) -> list[str]:
    """Number and start each department's case; a retry starts none twice."""
    client = activity.client()
    platform = Platform.using(get_settings(), client)
    opened = await to_thread.run_sync(
        number_yearly_cases, platform, request.year, request.received_at
    )
    for case_id, start in opened:
        try:
            await client.start_workflow(
                CatalogUpdateWorkflow.run,
                start,
                id=case_id,
                task_queue=platform.settings.task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            )
        except WorkflowAlreadyStartedError:
            pass  # started by an earlier attempt
    return [case_id for case_id, _ in opened]
