"""Temporal Schedules the platform keeps: created at worker start if missing, never changed
once they exist (an operator's pause or edit stands)."""

from __future__ import annotations

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
)

from workflows.yearly_maintenance import YearlyMaintenanceInput, YearlyMaintenanceWorkflow

YEARLY_MAINTENANCE = "catalog-yearly-maintenance"


def yearly_maintenance_schedule(task_queue: str) -> Schedule:
    """00:30 Beijing on 1 January: each year's cases are received on its first day."""
    return Schedule(
        action=ScheduleActionStartWorkflow(
            YearlyMaintenanceWorkflow.run,
            YearlyMaintenanceInput(),
            id="catalog-yearly-maintenance/run",
            task_queue=task_queue,
        ),
        spec=ScheduleSpec(cron_expressions=["30 0 1 1 *"], time_zone_name="Asia/Shanghai"),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_schedules(client: Client, task_queue: str) -> None:
    try:
        await client.create_schedule(YEARLY_MAINTENANCE, yearly_maintenance_schedule(task_queue))
    except ScheduleAlreadyRunningError:
        pass
