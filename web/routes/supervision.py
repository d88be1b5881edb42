"""Supervisors and auditors: the jurisdiction's dashboard, the statistics report (its numbers
link to the workbench's case list), the yearly catalog maintenance, and the auditors' search."""

from __future__ import annotations

from datetime import date

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from calendars import BEIJING
from service import dashboard, maintenance, register, reports, stuck
from service.errors import Invalid
from service.reports import ReportLinks
from web.rendering import page
from web.routing import web_router
from web.session import PlatformDep, Viewer, allow
from workflows.common import Role

router = web_router()

OVERSIGHT = allow(Role.SUPERVISOR, Role.AUDITOR)
AUDITOR = allow(Role.AUDITOR)
WORKBENCH_LINKS = ReportLinks(
    cases="/cases", maintenance="/maintenance", report="/reports/statistics", home="/dashboard"
)


def _jurisdiction(request: Request) -> str | None:
    return request.query_params.get("jurisdiction", "").strip() or None


@router.get("/dashboard")
def overview(request: Request, platform: PlatformDep, viewer: Viewer = OVERSIGHT) -> Response:
    jurisdiction = _jurisdiction(request)
    summary = dashboard.overview(platform, viewer.caller, jurisdiction)
    rows = dashboard.workload(platform, viewer.caller, jurisdiction)
    return page(viewer, "dashboard.html", d=summary, rows=rows)


def _date(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise Invalid(f"{name}应为日期（YYYY-MM-DD）。", "invalid_period") from error


@router.get("/reports/statistics")
def statistics(request: Request, platform: PlatformDep, viewer: Viewer = OVERSIGHT) -> Response:
    query = request.query_params
    today = platform.now().astimezone(BEIJING).date()
    if not query.get("from") or not query.get("to"):
        return page(
            viewer,
            "report_form.html",
            first=today.replace(day=1).isoformat(),
            last=today.isoformat(),
            jurisdiction=query.get("jurisdiction", ""),
        )
    first, last = _date(query["from"], "起始日期"), _date(query["to"], "截止日期")
    report = reports.statistics_report(
        platform,
        viewer.caller,
        first=first,
        last=last,
        jurisdiction=_jurisdiction(request),
        links=WORKBENCH_LINKS,
    )
    if query.get("format") == "csv":
        detail = query.get("detail") == "1"
        name = f"statistics-{first.isoformat()}-{last.isoformat()}{'-detail' if detail else ''}"
        return Response(
            reports.render_csv(report, detail=detail),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return Response(
        reports.render_html(report, WORKBENCH_LINKS), media_type="text/html; charset=utf-8"
    )


@router.get("/maintenance")
def yearly_maintenance(
    request: Request, platform: PlatformDep, viewer: Viewer = OVERSIGHT
) -> Response:
    raw = request.query_params.get("year", "")
    year = int(raw) if raw.isdigit() else platform.now().astimezone(BEIJING).year
    rows = maintenance.yearly_maintenance(
        platform, viewer.caller, year=year, jurisdiction=_jurisdiction(request)
    )
    return page(viewer, "maintenance.html", rows=rows, year=year)


@router.get("/audit")
async def audit_search(
    request: Request, platform: PlatformDep, viewer: Viewer = AUDITOR
) -> Response:
    """Any case by its number; the case page then offers the timeline, history and replay.
    Below, the cases that cannot go on by themselves and the voided case numbers."""
    number = request.query_params.get("case", "").strip()
    if number:
        return RedirectResponse(f"/cases/{number.rsplit('/', 1)[-1]}", status_code=303)
    # From the database only: the audit page answers while Temporal does not (the API's
    # GET /api/v1/cases/stuck and the administrators' operations page ask Temporal too).
    report = await stuck.stuck_cases(platform, viewer.caller, ask_temporal=False)
    voided = await platform.run(lambda _: register.voided_numbers(platform, viewer.caller))
    return page(viewer, "audit.html", report=report, voided=voided)
