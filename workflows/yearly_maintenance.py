"""The yearly full catalog maintenance (hubei 第十一条), started by the Temporal Schedule
`catalog-yearly-maintenance` (shixian/schedules.py): opens one catalog-update case per
department it binds, due by the end of the year."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.yearly_maintenance import OpenYearlyMaintenanceInput, open_yearly_maintenance

BEIJING_OFFSET = timedelta(hours=8)


@dataclass(frozen=True)
class YearlyMaintenanceInput:
    year: int | None = None  # the Beijing year of the firing if not given


@workflow.defn
class YearlyMaintenanceWorkflow:
    """Opens the year's maintenance cases; returns their case ids. No queries or updates."""

    @workflow.run
    async def run(self, request: YearlyMaintenanceInput) -> list[str]:
        now = workflow.now()
        year = request.year or (now + BEIJING_OFFSET).year
        return await workflow.execute_activity(
            open_yearly_maintenance,
            OpenYearlyMaintenanceInput(year=year, received_at=now),
            start_to_close_timeout=timedelta(minutes=5),
            retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1)),
        )
