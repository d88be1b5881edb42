"""Catalog updates (目录更新): a case's draft, the published catalog versions with their
readable diff, and who has not done this year's full maintenance.

POST /cases/{case_id}/draft, GET /catalog/versions, GET /catalog/versions/{number},
GET /catalog/maintenance.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import AdminDep, CallerDep, PlatformDep
from api.schemas import ERRORS, Offset, RowIdInPath
from service import catalog, catalog_updates, maintenance
from service.catalog import VersionView
from service.maintenance import MaintenanceRow
from service.submissions.catalog_update import DraftEdit
from service.views import CaseOut, Page, RequestBody

router = APIRouter(tags=["catalog updates"])


@router.post("/api/v1/cases/{case_id:path}/draft", response_model=CaseOut, responses=ERRORS)
async def edit_draft(
    case_id: str, edit: DraftEdit, platform: PlatformDep, caller: CallerDep
) -> CaseOut:
    """Add, change or retire a catalog entry in the case's draft (or `discard` an edit).
    Nothing changes the live catalog until the draft is published."""
    return await catalog_updates.edit_draft(platform, caller, case_id, edit)


@router.get("/api/v1/catalog/versions", response_model=Page[VersionView], responses=ERRORS)
def list_versions(
    platform: PlatformDep,
    caller: CallerDep,
    department: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> Page[VersionView]:
    """Published catalog versions, newest first. Every authenticated user reads the catalog."""
    found = catalog.list_versions(
        platform, caller, department=department, limit=limit, offset=offset
    )
    return Page[VersionView](total=found.total, limit=limit, offset=offset, items=found.items)


@router.get("/api/v1/catalog/versions/{number}", response_model=VersionView, responses=ERRORS)
def get_version(number: RowIdInPath, platform: PlatformDep, caller: CallerDep) -> VersionView:
    """One version with its changes: before, after, and the diff in Chinese."""
    return catalog.get_version(platform, caller, number)


@router.get("/api/v1/catalog/maintenance", response_model=list[MaintenanceRow], responses=ERRORS)
def yearly_maintenance(
    platform: PlatformDep,
    caller: CallerDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    jurisdiction: str | None = None,
) -> list[MaintenanceRow]:
    """Each department's yearly full maintenance (hubei 第十一条) of `year`: done, open,
    overdue, or none opened. Departments with an open case or none come first."""
    return maintenance.yearly_maintenance(platform, caller, year=year, jurisdiction=jurisdiction)


class OpenMaintenance(RequestBody):
    year: int = Field(ge=2000, le=2100, description="This Beijing year.")


class OpenedMaintenance(BaseModel):
    year: int
    case_ids: list[str] = Field(description="One per department the maintenance binds.")


@router.post("/api/v1/catalog/maintenance", response_model=OpenedMaintenance, responses=ERRORS)
async def open_yearly_maintenance(
    body: OpenMaintenance, platform: PlatformDep, admin: AdminDep
) -> OpenedMaintenance:
    """Open this year's yearly full maintenance for every department it binds
    (administrators), as the schedule does on 1 January: for a system installed mid-year or a
    paused schedule. Idempotent: a second call opens none again and lists the same cases."""
    case_ids = await maintenance.open_yearly_maintenance(platform, admin, body.year)
    return OpenedMaintenance(year=body.year, case_ids=case_ids)
