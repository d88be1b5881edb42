"""GET /reports/statistics: the numbers the instruments ask supervisors to report (sharing,
quality verification, catalog upkeep, green channel), per providing department and period, each
traceable to the cases behind it.

A case across jurisdictions (a Hubei department asking the Hebei police) is counted in both
jurisdictions' reports, each under its own side: in the provider's under the providing
department, as every case; in the applicant's under the applying department, in a table of its
own (never as a row for the other jurisdiction's department).

Counted from the case projection, in the period's Beijing dates by receipt. Answered on time or
late is read from the first answer of the provider or the authority (its `on_time`, which the
workflow recorded against the deadline that applied then), not recomputed with today's
calendar. Beside them, per providing department: quality verification cases (数据质量校核);
catalog updates (目录更新) and each department's yearly full maintenance (hubei 第十一条) of the
period's last year; green-channel and dynamic-scheduling demands (绿色通道, 动态调度),
service-change notices (共享告知, dongying 第二十三条) and emergency reclassifications
(临时调整共享类型, dongying 第二十条); objections to opened data and what they did to the
opening (开放数据异议, hubei 第二十八条).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, select

from calendars import BEIJING
from models import CaseRecord, Department
from regulations import Rulesets
from service.access import Caller, within, within_sql
from service.audit import beijing, environment
from service.cases import STATE, typed_details
from service.errors import Invalid
from service.jurisdictions import check_jurisdiction
from service.maintenance import MaintenanceRow, maintenance_rows
from service.overdue import overdue_now
from service.platform import Platform
from workflows.common import CaseDetails, CaseState, GrantedBy
from workflows.green_channel import GreenChannelDetails
from workflows.green_channel import Track as GreenTrack
from workflows.open_data_objection import OpenDataObjectionDetails
from workflows.service_change import ServiceChangeDetails
from workflows.sharing_application import Delivery, SharingApplicationDetails

PROCESS = "sharing_application"
VERIFICATION = "quality_verification"
CATALOG = "catalog_update"
GREEN = "green_channel"
SERVICE_CHANGE = "service_change"
RECLASSIFICATION = "emergency_reclassification"
OBJECTION = "open_data_objection"
NEGATIVE_LISTING = "negative_listing"

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
# Catalog update: published (or confirmed unchanged) with no limit missed; or a limit missed,
# including a trigger filed after its deadline (登记时已逾期).
CATALOG_COUNTS = [
    ("catalog_received", "收到目录更新"),
    ("catalog_on_time", "目录按时更新"),
    ("catalog_overdue", "目录更新逾期"),
]
# Green channel and dynamic scheduling: the provider's limits (its answer and the data's
# availability), not the authority's approval target.
GREEN_COUNTS = [
    ("green_received", "绿色通道需求"),
    ("ordinary_received", "动态调度需求"),
    ("green_delivered_on_time", "按时提供数据"),
    ("green_overdue", "数据需求逾期"),
]
SERVICE_CHANGE_COUNTS = [
    ("service_change_filed", "共享告知"),
    ("service_change_late", "未按时提前告知"),
]
# Emergency reclassifications (dongying 第二十条), on the day they were filed.
RECLASSIFICATION_COUNTS = [("reclassified", "临时调整共享类型")]
# Objections to opened data (hubei 第二十八条): what they did to the opening, which is all
# they touch (sharing runs on, hubei 第三条).
OBJECTION_COUNTS = [
    ("objection_received", "开放数据异议"),
    ("objection_suspended", "中止开放"),
    ("objection_withdrawn", "撤回开放"),
    ("objection_reopened", "恢复或处理后重新开放"),
]
# Negative-list proposals (hubei 第二十三条, hebei 第十一条), and those the government approved.
NEGATIVE_LISTING_COUNTS = [
    ("negative_listing_filed", "负面清单申请"),
    ("negative_listing_listed", "经批准列入负面清单"),
]
# The provider's delivery after its consent (809 第二十二条), where the grant is not the
# delivery: cases that owed one, delivered within the 20 working days, or late (delivered
# late, or still owed past the due instant).
DELIVERY_COUNTS = [
    ("delivery_owed", "同意后须交付数据"),
    ("delivery_on_time", "按期交付数据"),
    ("delivery_overdue", "交付逾期"),
]
# Supplements of incomplete applications (809 第二十一条第二款): asked for, and applications
# that lapsed unsupplemented at the operator's target.
SUPPLEMENT_COUNTS = [
    ("supplement_requested", "要求补正"),
    ("unsupplemented", "未补正终止"),
]
# Disputes of a refusal (809 第二十八条): raised, settled by negotiation, taken to the
# authority's coordination, and referred by it to the people's government.
DISPUTE_COUNTS = [
    ("sharing_disputed", "对不予共享提出争议"),
    ("negotiation_agreed", "协商一致同意共享"),
    ("coordination_requested", "申请协调"),
    ("government_referred", "报本级人民政府决定"),
]
# Each group of counts, and the process its cases run.
COUNTED = [
    (COUNTS, PROCESS),
    (VERIFICATION_COUNTS, VERIFICATION),
    (CATALOG_COUNTS, CATALOG),
    (GREEN_COUNTS, GREEN),
    (SERVICE_CHANGE_COUNTS, SERVICE_CHANGE),
    (RECLASSIFICATION_COUNTS, RECLASSIFICATION),
    (OBJECTION_COUNTS, OBJECTION),
    (NEGATIVE_LISTING_COUNTS, NEGATIVE_LISTING),
    (DELIVERY_COUNTS, PROCESS),
    (SUPPLEMENT_COUNTS, PROCESS),
    (DISPUTE_COUNTS, PROCESS),
]
LABELS = {key: label for counts, _ in COUNTED for key, label in counts}
KEY_PROCESS = {key: process for counts, process in COUNTED for key, _ in counts}


@dataclass(frozen=True)
class Section:
    title: str
    counts: list[tuple[str, str]]
    maintenance: bool = False  # with the yearly maintenance column
    column: str = "提供部门"


SECTIONS = [
    Section("共享申请与数据质量校核", COUNTS + VERIFICATION_COUNTS),
    Section("目录更新", CATALOG_COUNTS, maintenance=True),
    Section(
        "绿色通道、动态调度、共享告知与临时调整",
        GREEN_COUNTS + SERVICE_CHANGE_COUNTS + RECLASSIFICATION_COUNTS,
    ),
    Section("开放数据异议（只涉及开放，不影响共享）", OBJECTION_COUNTS),
    Section("不予共享负面清单", NEGATIVE_LISTING_COUNTS),
    Section("同意共享后的数据交付（《政务数据共享条例》第二十二条）", DELIVERY_COUNTS),
    Section("共享申请补正（材料不全的一次性告知）", SUPPLEMENT_COUNTS),
    Section("共享争议（协商、协调、本级人民政府决定）", DISPUTE_COUNTS),
]

MAINTENANCE_STATUS = {"done": "已完成", "open": "办理中", "overdue": "已逾期", "none": "未启动"}
NOT_BOUND = "不适用"  # the department's instrument asks for no yearly maintenance

# The provider's or the authority's answer (a review's accept or decline is not one).
ANSWERS = frozenset({"approve", "reject", "provide", "decide"})
VERIFICATION_ANSWERS = frozenset({"explain", "repair", "reject"})
CATALOG_DONE = frozenset({"published", "confirmed_unchanged"})
PROVIDER_STAGES = frozenset({"feedback", "delivery"})  # green channel

# The table of the jurisdiction's departments applying to another jurisdiction.
OUTGOING = Section(
    "本辖区部门向辖区外提出的共享申请与数据质量校核（按申请部门）",
    COUNTS + VERIFICATION_COUNTS + DISPUTE_COUNTS,
    column="申请部门",
)
APPLICANT_SIDE = "（申请方）"

NO_DEPARTMENT = "（未指定提供部门）"


@dataclass
class CaseCounts:
    case_id: str
    case_number: str
    department_id: str  # the providing department's, or on the applicant side the applicant's
    received_at: datetime
    counts: frozenset[str]
    applicant_side: bool = False


@dataclass(frozen=True)
class ReportLinks:
    """Where the report's numbers and downloads lead: the JSON API's routes (for programs),
    or the workbench's pages (for people in a browser, which sends no bearer token)."""

    cases: str = "/api/v1/cases"
    maintenance: str = "/api/v1/catalog/maintenance"
    report: str = "/api/v1/reports/statistics"
    home: str | None = None  # a link back to the workbench, shown on screen only


API_LINKS = ReportLinks()


@dataclass
class Row:
    department_id: str  # "" for the total
    name: str
    numbers: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LABELS, 0))
    links: dict[str, str] = field(default_factory=dict)
    maintenance: str = NOT_BOUND  # the yearly maintenance's status, in Chinese

    def shows(self, section: Section) -> bool:
        """Whether the row belongs in the section's table (the total always does)."""
        if not self.department_id:
            return True
        bound = section.maintenance and self.maintenance != NOT_BOUND
        return bound or any(self.numbers[key] for key, _ in section.counts)


@dataclass
class Statistics:
    first: date
    last: date
    jurisdiction: str | None
    now: datetime
    rows: list[Row]
    total: Row
    cases: list[CaseCounts]
    maintenance_year: int
    # Cases of other jurisdictions this one's departments applied to, per applying department.
    outgoing: list[Row] = field(default_factory=list)
    outgoing_total: Row | None = None


def period_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """The period's Beijing dates, inclusive, as [start, end) instants."""
    start = datetime.combine(first, time(0), tzinfo=BEIJING)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=BEIJING)
    return start, end


def counts_of(record: CaseRecord, late: bool) -> frozenset[str]:
    """The counts one case falls in, from its projection's last state."""
    state = STATE.validate_python(record.state)
    details = typed_details(record.process, state.details)
    if record.process == VERIFICATION:
        return verification_counts_of(state, late)
    if record.process == CATALOG:
        return catalog_counts_of(record, state, late)
    if record.process == GREEN:
        return green_counts_of(record, state, details, late)
    if record.process == SERVICE_CHANGE:
        filed_late = isinstance(details, ServiceChangeDetails) and details.late
        return frozenset({"service_change_filed", *(["service_change_late"] if filed_late else [])})
    if record.process == RECLASSIFICATION:
        return frozenset({"reclassified"})
    if record.process == OBJECTION:
        return objection_counts_of(record, details)
    if record.process == NEGATIVE_LISTING:
        listed = record.outcome == "listed"
        return frozenset(
            {"negative_listing_filed", *(["negative_listing_listed"] if listed else [])}
        )
    counts = {"received", "closed" if record.status == "closed" else "open"}
    on_time = _first_answer(state, ANSWERS)
    if on_time is not None:
        counts.add("on_time" if on_time else "late")
    if (
        isinstance(details, SharingApplicationDetails)
        and details.granted_by is GrantedBy.DEEMED_CONSENT
    ):
        counts.add("deemed_consent")
    if record.outcome in ("refused", "granted"):
        counts.add(record.outcome)
    if late:
        counts.add("overdue")
    if isinstance(details, SharingApplicationDetails) and details.delivery is not None:
        counts |= delivery_counts_of(record, details.delivery, late)
    if isinstance(details, SharingApplicationDetails) and details.supplement is not None:
        counts.add("supplement_requested")
    if record.outcome == "unsupplemented":
        counts.add("unsupplemented")
    return frozenset(counts | dispute_counts_of(state))


def dispute_counts_of(state: CaseState) -> set[str]:
    """Where a refused application's dispute went (809 第二十八条); before 809 a refusal was
    disputed by asking for coordination at once."""
    counts: set[str] = set()
    for event in state.events:
        match event.kind, event.detail.get("decision"):
            case ("request_negotiation", _):
                counts.add("sharing_disputed")
            case ("request_coordination", _):
                counts |= {"sharing_disputed", "coordination_requested"}
            case ("record_negotiation", "agreed"):
                counts.add("negotiation_agreed")
            case ("decide", "unresolved"):
                counts.add("government_referred")
    return counts


def delivery_counts_of(record: CaseRecord, delivery: Delivery, late: bool) -> set[str]:
    """As the workflow judged the delivery against its due instant; one still owed is late
    once that instant has passed."""
    counts = {"delivery_owed"}
    if delivery.delivered_at is not None:
        counts.add("delivery_on_time" if delivery.on_time else "delivery_overdue")
    elif late and record.stage == "delivery":
        counts.add("delivery_overdue")
    return counts


def objection_counts_of(record: CaseRecord, details: CaseDetails | None) -> frozenset[str]:
    counts = {"objection_received"}
    if isinstance(details, OpenDataObjectionDetails) and details.suspended_at is not None:
        counts.add("objection_suspended")
    if record.outcome == "data_withdrawn":
        counts.add("objection_withdrawn")
    elif record.outcome in ("restored", "reopened_processed"):
        counts.add("objection_reopened")
    return frozenset(counts)


def _first_answer(state: CaseState, answers: frozenset[str]) -> bool | None:
    """Whether the first of `answers` met its limit; None if none came, or had no limit."""
    answer = next((e for e in state.events if e.kind in answers), None)
    if answer is None or answer.limit is None:
        return None
    return answer.limit.on_time


def verification_counts_of(state: CaseState, late: bool) -> frozenset[str]:
    """Overdue: answered late, or not answered and past the deadline now."""
    counts = {"verification_received"}
    answered = any(e.kind in VERIFICATION_ANSWERS for e in state.events)
    if answered:
        on_time = _first_answer(state, VERIFICATION_ANSWERS) is not False
        counts.add("verification_on_time" if on_time else "verification_overdue")
    elif late:
        counts.add("verification_overdue")
    return frozenset(counts)


def missed_a_limit(
    record: CaseRecord, state: CaseState, late: bool, stages: frozenset[str] | None
) -> bool:
    """A limit of one of `stages` (None: any) marked overdue or answered late, or the case open
    in such a stage past its due instant."""
    for event in state.events:
        if stages is not None and event.stage not in stages:
            continue
        if event.kind == "overdue" or (event.limit is not None and event.limit.on_time is False):
            return True
    return late and (stages is None or record.stage in stages)


def catalog_counts_of(record: CaseRecord, state: CaseState, late: bool) -> frozenset[str]:
    counts = {"catalog_received"}
    if missed_a_limit(record, state, late, None):
        counts.add("catalog_overdue")
    elif record.outcome in CATALOG_DONE:
        counts.add("catalog_on_time")
    return frozenset(counts)


def green_counts_of(
    record: CaseRecord, state: CaseState, details: CaseDetails | None, late: bool
) -> frozenset[str]:
    """Received on the track it was filed on: a green demand routed to the ordinary track
    stays a green-channel demand."""
    green = isinstance(details, GreenChannelDetails) and details.filed_on is GreenTrack.GREEN
    counts = {"green_received" if green else "ordinary_received"}
    if missed_a_limit(record, state, late, PROVIDER_STAGES):
        counts.add("green_overdue")
    elif record.outcome == "delivered":
        counts.add("green_delivered_on_time")
    return frozenset(counts)


def case_list_link(
    key: str,
    department_id: str,
    first: date,
    last: date,
    base: str = API_LINKS.cases,
    applicant_side: bool = False,
) -> str:
    """The case list narrowed as far as its filters allow towards the cases behind a count."""
    params = {"process": KEY_PROCESS[key]}
    if department_id:
        params["applicant" if applicant_side else "department"] = department_id
    params["received_from"] = first.isoformat()
    params["received_to"] = last.isoformat()
    if key in ("closed", "deemed_consent", "refused", "granted", "unsupplemented"):
        params["status"] = "closed"
    elif key == "open":
        params["status"] = "open"
    elif key == "overdue":
        params["overdue"] = "true"
    return f"{base}?" + urlencode(params)


def maintenance_link(year: int, jurisdiction: str | None, base: str = API_LINKS.maintenance) -> str:
    params = {"year": str(year)}
    if jurisdiction is not None:
        params["jurisdiction"] = jurisdiction
    return f"{base}?" + urlencode(params)


def statistics(
    *,
    session: Session,
    rulesets: Rulesets,
    jurisdiction: str | None,
    first: date,
    last: date,
    now: datetime,
    links: ReportLinks = API_LINKS,
) -> Statistics:
    start, end = period_bounds(first, last)
    where: list[ColumnElement[bool]] = [
        col(CaseRecord.process).in_(set(KEY_PROCESS.values())),
        col(CaseRecord.received_at) >= start,
        col(CaseRecord.received_at) < end,
    ]
    if jurisdiction is not None:
        where.append(
            or_(
                within_sql(CaseRecord.jurisdiction, jurisdiction),
                within_sql(CaseRecord.applicant_jurisdiction, jurisdiction),
            )
        )
    records = session.exec(
        select(CaseRecord, overdue_now(now))
        .where(*where)
        .order_by(col(CaseRecord.received_at), CaseRecord.case_id)
    ).all()
    cases = []
    for r, late in records:
        # Counted on the side of the case that lies in the jurisdiction.
        applicant_side = jurisdiction is not None and not within(r.jurisdiction, jurisdiction)
        cases.append(
            CaseCounts(
                case_id=r.case_id,
                case_number=r.case_number,
                department_id=(
                    r.applicant_department_id if applicant_side else r.provider_department_id
                )
                or "",
                received_at=r.received_at,
                counts=counts_of(r, bool(late)),
                applicant_side=applicant_side,
            )
        )
    maintained: dict[str, MaintenanceRow] = {
        row.department_id: row
        for row in maintenance_rows(session, rulesets, year=last.year, now=now, scope=jurisdiction)
    }
    ids = sorted({c.department_id for c in cases if not c.applicant_side} | set(maintained))
    applying = sorted({c.department_id for c in cases if c.applicant_side})
    names = dict(
        session.exec(
            select(Department.id, Department.name).where(col(Department.id).in_(ids + applying))
        ).all()
    )
    rows = {d: Row(department_id=d, name=names.get(d, d) if d else NO_DEPARTMENT) for d in ids}
    outgoing = {d: Row(department_id=d, name=names.get(d, d)) for d in applying}
    total = Row(department_id="", name="合计")
    outgoing_total = Row(department_id="", name="合计") if outgoing else None
    for case in cases:
        side = outgoing if case.applicant_side else rows
        side_total = outgoing_total if case.applicant_side else total
        for key in case.counts:
            side[case.department_id].numbers[key] += 1
            if side_total is not None:
                side_total.numbers[key] += 1
    for department_id, maintenance in maintained.items():
        rows[department_id].maintenance = MAINTENANCE_STATUS[maintenance.status]
    done = sum(m.status == "done" for m in maintained.values())
    total.maintenance = f"已完成{done}/{len(maintained)}" if maintained else NOT_BOUND
    for row in (*rows.values(), total):
        row.links = {
            key: case_list_link(key, row.department_id, first, last, links.cases) for key in LABELS
        }
    for row in outgoing.values():
        row.links = {
            key: case_list_link(key, row.department_id, first, last, links.cases, True)
            for key in LABELS
        }
    if outgoing_total is not None:
        outgoing_total.links = dict(total.links)
    return Statistics(
        first=first,
        last=last,
        jurisdiction=jurisdiction,
        now=now,
        rows=list(rows.values()),
        total=total,
        cases=cases,
        maintenance_year=last.year,
        outgoing=list(outgoing.values()),
        outgoing_total=outgoing_total,
    )


def maintenance_label(report: Statistics) -> str:
    return f"{report.maintenance_year}年度目录全面维护"


def render_html(report: Statistics, links: ReportLinks = API_LINKS) -> str:
    """The report as a printable page; its links lead where `links` says (the same links
    the rows were counted with)."""
    return environment.get_template("reports/statistics.html").render(
        r=report,
        sections=SECTIONS,
        outgoing=OUTGOING,
        maintenance_label=maintenance_label(report),
        maintenance_link=maintenance_link(
            report.maintenance_year, report.jurisdiction, links.maintenance
        ),
        cites=CITES,
        generated=beijing(report.now),
        csv_link=_self_link(report, "csv", links.report),
        detail_link=_self_link(report, "csv", links.report, detail=True),
        home=links.home,
    )


def _self_link(report: Statistics, format: str, base: str, *, detail: bool = False) -> str:
    params = {"from": report.first.isoformat(), "to": report.last.isoformat(), "format": format}
    if report.jurisdiction is not None:
        params["jurisdiction"] = report.jurisdiction
    if detail:
        params["detail"] = "1"
    return f"{base}?" + urlencode(params)


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
        applying = {row.department_id: row.name for row in report.outgoing}
        for case in report.cases:
            name = (
                APPLICANT_SIDE + applying[case.department_id]
                if case.applicant_side
                else names[case.department_id]
            )
            writer.writerow(
                [
                    case.case_id,
                    case.case_number,
                    case.department_id,
                    name,
                    beijing(case.received_at),
                    *(int(key in case.counts) for key in LABELS),
                ]
            )
        return out.getvalue()
    writer.writerow(["提供部门编码", "提供部门", *LABELS.values(), maintenance_label(report)])
    for row in (*report.rows, report.total):
        writer.writerow(
            [
                row.department_id,
                row.name,
                *(row.numbers[key] for key in LABELS),
                row.maintenance,
            ]
        )
    # The jurisdiction's departments as applicants to another jurisdiction, after the total.
    for row in report.outgoing:
        writer.writerow(
            [
                row.department_id,
                APPLICANT_SIDE + row.name,
                *(row.numbers[key] for key in LABELS),
                NOT_BOUND,
            ]
        )
    return out.getvalue()


def statistics_report(
    platform: Platform,
    caller: Caller,
    *,
    first: date,
    last: date,
    jurisdiction: str | None,
    links: ReportLinks = API_LINKS,
) -> Statistics:
    """Supervisors see their jurisdiction and those inside it; auditors all, or one."""
    within = caller.jurisdiction_to_read(jurisdiction, "统计报表")
    if first > last:
        raise Invalid("统计期间的起始日期不能晚于截止日期。", "period_invalid")
    with platform.session() as session:
        check_jurisdiction(session, platform.rulesets(), jurisdiction)
        return statistics(
            session=session,
            rulesets=platform.rulesets(),
            jurisdiction=within,
            first=first,
            last=last,
            now=platform.now(),
            links=links,
        )
