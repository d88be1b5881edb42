"""GET /dashboard: a jurisdiction at a glance, from the case projection (plain SQL).

Overdue means what the case list means by it: open, and either marked overdue by its workflow
or past its due instant (a timer that fired while no worker ran counts all the same).
"""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CallerDep, JurisdictionQuery, PlatformDep
from api.schemas import ERRORS
from service import dashboard as dashboards
from service.dashboard import Dashboard

router = APIRouter(prefix="/api/v1", tags=["dashboard"])


@router.get("/dashboard", response_model=Dashboard, responses=ERRORS)
def dashboard(
    platform: PlatformDep,
    caller: CallerDep,
    jurisdiction: JurisdictionQuery = None,
) -> Dashboard:
    """A jurisdiction at a glance: open cases by stage, due today and within 1 and 3 working
    days, overdue (per providing and per requesting department), deemed consents this month,
    and the departments that have not done this year's yearly catalog maintenance.
    Supervisors see their jurisdiction and those inside it; auditors all, or `?jurisdiction=`.
    The cases behind each number: `GET /cases?overdue=true`, `?due_within=3`, `?stage=...`."""
    return dashboards.overview(platform, caller, jurisdiction)
