"""Opening the yearly full catalog maintenance (hubei 第十一条) for every department it binds,
once per department and year (service/maintenance.py numbers and starts the cases)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from temporalio import activity

from service.maintenance import open_year
from service.platform import Platform
from shixian.settings import get_settings


@dataclass(frozen=True)
class OpenYearlyMaintenanceInput:
    year: int
    received_at: datetime


@activity.defn
async def open_yearly_maintenance(request: OpenYearlyMaintenanceInput) -> list[str]:
    """Number and start each department's case; a retry starts none twice."""
    platform = Platform.using(get_settings(), activity.client())
    return await open_year(platform, request.year, request.received_at)
