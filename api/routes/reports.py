"""GET /reports/statistics: the sharing-application numbers the instruments ask supervisors to
report, per providing department and period, each traceable to the cases behind it.

Counted from the case projection, in the period's Beijing dates by receipt. Answered on time or
late is read from the first answer of the provider or the authority (its `on_time`, which the
workflow recorded against the deadline that applied then), not recomputed with today's
calendar. Quality verification cases (数据质量校核) are counted beside them, per providing
department: received, answered on time, overdue. Catalog updates are not a process yet: their
column says so rather than show a number.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, select

from api.audit import beijing, environment
from api.deps import CallerDep, ClockDep, SessionDep
from api.errors import Invalid
from api.schemas import ERRORS
from calendars import BEIJING
from models import CaseRecord, Department

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

PROCESS = "sharing_application"
VERIFICATION = "quality_verification"

# The articles that ask for these numbers.
CITES = [
    "《利川市政务信息资源共享管理办法》第二十六条",
    "《湖北省政务数据资源应用与管理办法》第三十七条、第三十八条",
    "《河北省政务数据共享应用管理办法》第二十八条",
]

# (key, label), in column order.
COUNTS = [
    ("received", "收到申请"),
    ("closed", "已办结"),
    ("on_time", "按时答复"),
    ("late", "逾期答复"),
    ("deemed_consent", "视为同意"),
    ("refused", "不予共享（附理由）"),
    ("granted", "同意共享"),
    ("open", "尚未办结"),
    ("overdue", "当前逾期"),
]
# Quality verification: the provider's first answer (释明, 修复, 不成立) against its deadline.
VERIFICATION_COUNTS = [
    ("verification_received", "收到校核"),
    ("verification_on_time", "校核按时反馈"),
    ("verification_overdue", "校核逾期"),
]
LABELS = dict(COUNTS + VERIFICATION_COUNTS)

# Asked for by the instruments, not yet run as processes: shown as "—", never as a number.
PENDING = [("catalog_updates_on_time", "目录按时更新")]
PENDING_MARK = "—"
PENDING_NOTE = "该事项尚未上线"

# The provider's or the authority's answer (a review's accept or decline is not one).
ANSWERS = frozenset({"approve", "reject", "provide", "decide"})
VERIFICATION_ANSWERS = frozenset({"explain", "repair", "reject"})

NO_DEPARTMENT = "（未指定提供部门）"


@dataclass
class CaseCounts:
    case_id: str
    case_number: str
    department_id: str
    received_at: datetime
    counts: frozenset[str]


@dataclass
class Row:
    department_id: str  # "" for the total
    name: str
    numbers: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LABELS, 0))
    links: dict[str, str] = field(default_factory=dict)


@dataclass
class Statistics:
    first: date
    last: date
    jurisdiction: str | None
    now: datetime
    rows: list[Row]
    total: Row
    cases: list[CaseCounts]


def period_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """The period's Beijing dates, inclusive, as [start, end) instants."""
    start = datetime.combine(first, time(0), tzinfo=BEIJING)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=BEIJING)
    return start, end


def counts_of(record: CaseRecord, now: datetime) -> frozenset[str]:
    """The counts one case falls in."""
    state: dict[str, Any] = record.state or {}
    if record.process == VERIFICATION:
        return verification_counts_of(record, state, now)
    counts = {"received", "closed" if record.status == "closed" else "open"}
    answer = next((e for e in state.get("events", []) if e.get("kind") in ANSWERS), None)
    on_time = (answer or {}).get("detail", {}).get("on_time")
    if on_time == "true":
        counts.add("on_time")
    elif on_time == "false":
        counts.add("late")
    if state.get("details", {}).get("granted_by") == "deemed_consent":
        counts.add("deemed_consent")
    if record.outcome in ("refused", "granted"):
        counts.add(record.outcome)
    if record.status == "open" and (
        record.overdue or (record.due is not None and record.due <= now)
    ):
        counts.add("overdue")
    return frozenset(counts)


def verification_counts_of(
    record: CaseRecord, state: dict[str, Any], now: datetime
) -> frozenset[str]:
    """Overdue: answered late, or not answered and past the deadline now."""
    counts = {"verification_received"}
    answer = next(
        (e for e in state.get("events", []) if e.get("kind") in VERIFICATION_ANSWERS), None
    )
    if answer is not None:
        on_time = answer.get("detail", {}).get("on_time")
        counts.add("verification_overdue" if on_time == "false" else "verification_on_time")
    elif record.status == "open" and (
        record.overdue or (record.due is not None and record.due <= now)
    ):
        counts.add("verification_overdue")
    return frozenset(counts)


def case_list_link(key: str, department_id: str, start: datetime, end: datetime) -> str:
    """The case list narrowed as far as its filters allow towards the cases behind a count."""
    params = {"process": VERIFICATION if key.startswith("verification_") else PROCESS}
    if department_id:
        params["department"] = department_id
    params["received_from"] = start.isoformat()
    params["received_to"] = end.isoformat()
    if key in ("closed", "deemed_consent", "refused", "granted"):
        params["status"] = "closed"
    elif key == "open":
        params["status"] = "open"
    elif key == "overdue":
        params["overdue"] = "true"
    return "/api/v1/cases?" + urlencode(params)


def statistics(
    *, session: Session, jurisdiction: str | None, first: date, last: date, now: datetime
) -> Statistics:
    start, end = period_bounds(first, last)
    where: list[ColumnElement[bool]] = [
        col(CaseRecord.process).in_((PROCESS, VERIFICATION)),
        col(CaseRecord.received_at) >= start,
        col(CaseRecord.received_at) < end,
    ]
    if jurisdiction is not None:
        where.append(
            or_(
                col(CaseRecord.jurisdiction) == jurisdiction,
                col(CaseRecord.jurisdiction).startswith(jurisdiction + "."),
            )
        )
    records = session.exec(
        select(CaseRecord).where(*where).order_by(col(CaseRecord.received_at), CaseRecord.case_id)
    ).all()
    cases = [
        CaseCounts(
            case_id=r.case_id,
            case_number=r.case_number,
            department_id=r.provider_department_id or "",
            received_at=r.received_at,
            counts=counts_of(r, now),
        )
        for r in records
    ]
    ids = sorted({c.department_id for c in cases})
    names = dict(
        session.exec(
            select(Department.id, Department.name).where(col(Department.id).in_(ids))
        ).all()
    )
    rows = {d: Row(department_id=d, name=names.get(d, d) if d else NO_DEPARTMENT) for d in ids}
    total = Row(department_id="", name="合计")
    for case in cases:
        for key in case.counts:
            rows[case.department_id].numbers[key] += 1
            total.numbers[key] += 1
    for row in (*rows.values(), total):
        row.links = {key: case_list_link(key, row.department_id, start, end) for key in LABELS}
    return Statistics(
        first=first,
        last=last,
        jurisdiction=jurisdiction,
        now=now,
        rows=list(rows.values()),
        total=total,
        cases=cases,
    )


def render_html(report: Statistics) -> str:
    return environment.get_template("reports/statistics.html").render(
        r=report,
        counts=COUNTS + VERIFICATION_COUNTS,
        pending=PENDING,
        pending_mark=PENDING_MARK,
        pending_note=PENDING_NOTE,
        cites=CITES,
        generated=beijing(report.now),
        csv_link=_self_link(report, "csv"),
        detail_link=_self_link(report, "csv", detail=True),
    )


def _self_link(report: Statistics, format: str, *, detail: bool = False) -> str:
    params = {"from": report.first.isoformat(), "to": report.last.isoformat(), "format": format}
    if report.jurisdiction is not None:
        params["jurisdiction"] = report.jurisdiction
    if detail:
        params["detail"] = "1"
    return "/api/v1/reports/statistics?" + urlencode(params)


def render_csv(report: Statistics, *, detail: bool) -> str:
    """UTF-8 with a byte-order mark, so that Excel reads the Chinese."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    if detail:
        writer.writerow(
            ["案件标识", "案件编号", "提供部门编码", "提供部门", "收件时间", *LABELS.values()]
        )
        names = {row.department_id: row.name for row in report.rows}
        for case in report.cases:
            writer.writerow(
                [
                    case.case_id,
                    case.case_number,
                    case.department_id,
                    names[case.department_id],
                    beijing(case.received_at),
                    *(int(key in case.counts) for key in LABELS),
                ]
            )
        return out.getvalue()
    pending = [label for _, label in PENDING]
    writer.writerow(["提供部门编码", "提供部门", *LABELS.values(), *pending])
    for row in (*report.rows, report.total):
        writer.writerow(
            [
                row.department_id,
                row.name,
                *(row.numbers[key] for key in LABELS),
                *([PENDING_MARK] * len(pending)),
            ]
        )
    writer.writerow([])
    writer.writerow(["说明", f"{'、'.join(pending)}：{PENDING_NOTE}"])
    return out.getvalue()


@router.get(
    "/statistics",
    response_class=HTMLResponse,
    responses={**ERRORS, 200: {"content": {"text/html": {}, "text/csv": {}}}},
)
def statistics_report(
    session: SessionDep,
    caller: CallerDep,
    clock: ClockDep,
    first: Annotated[date, Query(alias="from", description="First Beijing date, inclusive.")],
    last: Annotated[date, Query(alias="to", description="Last Beijing date, inclusive.")],
    format: Annotated[str, Query(pattern="^(html|csv)$")] = "html",
    detail: Annotated[
        bool, Query(description="CSV only: one line per case and the counts it falls in.")
    ] = False,
    jurisdiction: Annotated[
        str | None,
        Query(
            description="Auditors: one jurisdiction (and those inside it); default all. "
            "Supervisors: their own, or one inside it."
        ),
    ] = None,
) -> Response:
    """Sharing applications received in the period (Beijing dates, inclusive), per providing
    department and in total: received, closed, answered on time and late, deemed consent
    (视为同意), refused with reasons, granted, still open, overdue now; and quality
    verification cases (数据质量校核) received, answered on time, overdue. Every number in the HTML
    links to the case list; `format=csv&detail=1` lists each case and the counts it falls in.
    Supervisors see their jurisdiction and those inside it; auditors all, or `?jurisdiction=`."""
    within = caller.jurisdiction_to_read(jurisdiction, "统计报表")
    if first > last:
        raise Invalid("统计期间的起始日期不能晚于截止日期。", "period_invalid")
    report = statistics(session=session, jurisdiction=within, first=first, last=last, now=clock())
    if format == "csv":
        name = f"statistics-{first.isoformat()}-{last.isoformat()}{'-detail' if detail else ''}"
        return Response(
            render_csv(report, detail=detail),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return HTMLResponse(render_html(report))
