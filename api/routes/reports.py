"""GET /reports/statistics: the numbers the instruments ask supervisors to report, as HTML or
CSV (service/reports.py counts them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from api.deps import CallerDep, JurisdictionQuery, PlatformDep
from api.schemas import ERRORS
from service import reports
from service.bounds import Day

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])


@router.get(
    "/statistics",
    response_class=HTMLResponse,
    responses={**ERRORS, 200: {"content": {"text/html": {}, "text/csv": {}}}},
)
def statistics_report(
    platform: PlatformDep,
    caller: CallerDep,
    first: Annotated[Day, Query(alias="from", description="First Beijing date, inclusive.")],
    last: Annotated[Day, Query(alias="to", description="Last Beijing date, inclusive.")],
    format: Annotated[str, Query(pattern="^(html|csv)$")] = "html",
    detail: Annotated[
        bool, Query(description="CSV only: one line per case and the counts it falls in.")
    ] = False,
    jurisdiction: JurisdictionQuery = None,
) -> Response:
    """Sharing applications received in the period (Beijing dates, inclusive), per providing
    department and in total: received, closed, answered on time and late, deemed consent
    (视为同意), refused with reasons, granted, still open, overdue now; quality verification
    cases (数据质量校核) received, answered on time, overdue; catalog updates (目录更新) received,
    published or confirmed unchanged on time, overdue, and the yearly full maintenance of the
    period's last year (done, open, overdue, not started); green-channel and ordinary demands
    received, delivered on time, overdue; service-change notices filed and filed late. Every
    number in the HTML links to the case list; `format=csv&detail=1` lists each case and the
    counts it falls in.
    Supervisors see their jurisdiction and those inside it; auditors all, or `?jurisdiction=`."""
    report = reports.statistics_report(
        platform, caller, first=first, last=last, jurisdiction=jurisdiction
    )
    if format == "csv":
        name = f"statistics-{first.isoformat()}-{last.isoformat()}{'-detail' if detail else ''}"
        return Response(
            reports.render_csv(report, detail=detail),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return HTMLResponse(reports.render_html(report))
