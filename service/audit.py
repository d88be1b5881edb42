"""What auditors and supervisors read of a case: its Temporal history, a replay of it against
the current code, and a printable timeline of each step against the rule it had to meet.

Access first (supervisors of the case's jurisdiction, auditors), then Temporal. The history
is the record: the timeline reads the deadlines the case relied on from the activity results
recorded in it, so it shows what was planned then, not what today's calendar would say.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select
from temporalio.api.common.v1 import Payload
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError

from calendars import BEIJING, ChinaCalendar, formatting
from models import Department, Notice
from regulations import Rulesets
from service.access import Caller, auditable_case
from service.cases import case_state
from service.errors import from_rpc
from service.labels import DAY_DETAILS, detail_name, detail_value, install, label, party_rows
from service.platform import Platform
from service.rendering import template_environment
from service.submissions import PROCESSES
from shixian.replay import ReplayOutcome, replay
from workflows.common import (
    LAPSE_LABELS,
    ROLE_LABELS,
    CaseEvent,
    CaseState,
    PlannedDeadline,
)

environment = template_environment()
install(environment)


async def fetch_history(platform: Platform, case_id: str) -> WorkflowHistory:
    temporal = await platform.temporal()
    try:
        return await temporal.get_workflow_handle(case_id).fetch_history()
    except RPCError as error:
        raise from_rpc(error) from error


def history_json(history: WorkflowHistory) -> dict[str, Any]:
    """The history as Temporal's tools write it (`{"events": [...]}`), loadable again with
    `WorkflowHistory.from_json`."""
    return json.loads(history.to_json())  # type: ignore[no-any-return]


async def history(platform: Platform, caller: Caller, case_id: str) -> dict[str, Any]:
    """The case's full Temporal event history: auditors, and supervisors of the case."""
    submission = await platform.run(lambda session: auditable_case(session, caller, case_id))
    return history_json(await fetch_history(platform, submission.case_id))


async def replay_case(platform: Platform, caller: Caller, case_id: str) -> ReplayOutcome:
    """Replay the case's history against the workflow code this process runs."""
    submission = await platform.run(lambda session: auditable_case(session, caller, case_id))
    [outcome] = await replay([await fetch_history(platform, submission.case_id)])
    return ReplayOutcome(submission.case_id, outcome.ok, outcome.problem)


# -- the timeline --------------------------------------------------------------------------


def beijing(moment: datetime) -> str:
    """A step's time, to the second: the columns say 北京时间."""
    return formatting.instant_text(moment, seconds=True, zone=False)


def last_day_of(due: datetime) -> date:
    """A due instant is 24:00 of its last day, written as 00:00 of the next."""
    return (due.astimezone(BEIJING) - timedelta(microseconds=1)).date()


@dataclass
class Row:
    at: str
    what: str
    stage: str
    who: str = ""
    deadlines: list[str] = field(default_factory=list)
    verdict: str = ""  # "met", "missed", or "" when the step had no deadline to meet
    verdict_text: str = ""
    details: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class NoticeRow:
    at: str
    recipient: str
    title: str


@dataclass
class Timeline:
    case: CaseState
    process_title: str
    ruleset_title: str
    ruleset_number: str
    # The instruments composed for the case, most local first: (id, 《title》（number）).
    chain: list[tuple[str, str]]
    parties: list[tuple[str, str]]
    days: list[tuple[str, str]]  # the days the case names (a catalog update's 变化之日)
    received_at: str
    status: str
    rows: list[Row]
    notices: list[NoticeRow]
    calendar_notices: list[str]
    from_history: bool


def planned_deadlines(recorded: WorkflowHistory) -> list[PlannedDeadline]:
    """Every deadline the case's deadline activity returned, in order (re-plans included): from
    its local activities' markers, or, for cases started before it ran locally, from its
    activity tasks."""
    scheduled: set[int] = set()
    results: list[Payload] = []
    for event in recorded.events:
        if event.HasField("marker_recorded_event_attributes"):
            marker = event.marker_recorded_event_attributes
            if marker.marker_name == "core_local_activity" and "result" in marker.details:
                [data] = marker.details["data"].payloads
                if json.loads(data.data)["activity_type"] == "plan_deadline":
                    results += marker.details["result"].payloads
        elif event.HasField("activity_task_scheduled_event_attributes"):
            if event.activity_task_scheduled_event_attributes.activity_type.name == "plan_deadline":
                scheduled.add(event.event_id)
        elif event.HasField("activity_task_completed_event_attributes"):
            completed = event.activity_task_completed_event_attributes
            if completed.scheduled_event_id in scheduled:
                results += completed.result.payloads
    converter = pydantic_data_converter.payload_converter
    return [converter.from_payloads([result], [PlannedDeadline])[0] for result in results]


async def timeline(platform: Platform, caller: Caller, case_id: str) -> Timeline:
    """The case's printable timeline: auditors, and supervisors of the case."""
    submission = await platform.run(lambda session: auditable_case(session, caller, case_id))
    state = await case_state(platform, submission, viewer=None)
    try:
        deadlines = planned_deadlines(await fetch_history(platform, submission.case_id))
        from_history = True
    except Exception:  # past retention: the snapshot's current deadline is all that is left
        deadlines = [state.deadline] if state.deadline else []
        from_history = False

    def read(session: Session) -> tuple[dict[str | None, str], list[NoticeRow]]:
        names = _department_names(session, state)
        return names, _notices(session, state, names)

    names, notices = await platform.run(read)
    return compose_timeline(
        state,
        deadlines,
        names=names,
        notices=notices,
        rulesets=platform.rulesets(),
        calendar=platform.calendar(),
        from_history=from_history,
    )


def compose_timeline(
    state: CaseState,
    deadlines: list[PlannedDeadline],
    *,
    names: dict[str | None, str],
    notices: list[NoticeRow],
    rulesets: Rulesets,
    calendar: ChinaCalendar,
    from_history: bool,
) -> Timeline:
    """The timeline of a case from its state and the deadlines its history planned."""
    ruleset = rulesets.get(state.ruleset)
    process = PROCESSES.get(state.process)
    parties = party_rows(asdict(state.parties), names)
    details = state.details
    details = asdict(details) if is_dataclass(details) else dict(details or {})  # type: ignore[arg-type]
    days = [
        (name, formatting.day_text(details[key]))
        for key, name in DAY_DETAILS.items()
        if details.get(key)
    ]
    status = "办理中" if state.status == "open" else "已办结"
    if state.outcome:
        status += "：" + label("outcomes", state.process, state.outcome)
    granted_by = state.details.get("granted_by")
    if isinstance(granted_by, str):
        status += f"（{detail_value(state.process, 'granted_by', granted_by)}）"
    if state.status == "open":
        status += f"，当前环节：{label('stages', state.process, state.stage)}"
        if state.overdue:
            status += "，已逾期"
    seen: list[str] = []
    for planned in deadlines:
        for notice in planned.notices:
            if notice not in seen:
                seen.append(notice)
    chain = []
    for ruleset_id in state.governed_by or [state.ruleset]:
        known = rulesets.get(ruleset_id)
        chain.append(
            (ruleset_id, f"《{known.spec.title}》（{known.spec.number}）" if known else "")
        )
    return Timeline(
        case=state,
        process_title=process.title if process else state.process,
        ruleset_title=ruleset.spec.title if ruleset else "",
        ruleset_number=ruleset.spec.number if ruleset else "",
        chain=chain,
        parties=parties,
        days=days,
        received_at=beijing(state.received_at),
        status=status,
        rows=_rows(state, deadlines, names, calendar),
        notices=notices,
        calendar_notices=seen,
        from_history=from_history,
    )


def _department_names(session: Session, state: CaseState) -> dict[str | None, str]:
    wanted = {
        state.parties.applicant,
        state.parties.provider,
        state.parties.authority,
        state.parties.service_centre,
        *(e.actor.department_id for e in state.events if e.actor),
    }
    wanted |= set(
        session.exec(
            select(Notice.recipient_department_id).where(Notice.case_id == state.case_id)
        ).all()
    )
    found = session.exec(
        select(Department).where(col(Department.id).in_([d for d in wanted if d]))
    ).all()
    return {department.id: department.name for department in found}


def _rows(
    state: CaseState,
    deadlines: list[PlannedDeadline],
    names: dict[str | None, str],
    calendar: ChinaCalendar,
) -> list[Row]:
    # The deadlines planned on entering a stage share the moment their count started; a
    # re-plan recounts from the same moment, so the first plan of each (stage, start) is the
    # one planned on entry.
    entries: dict[tuple[str, datetime], list[PlannedDeadline]] = {}
    for planned in deadlines:
        group = entries.setdefault((planned.stage, planned.counted_from), [])
        if all(p.cite != planned.cite or p.working_days != planned.working_days for p in group):
            group.append(planned)
    per_stage: dict[str, list[list[PlannedDeadline]]] = {}
    for (stage, _), group in entries.items():
        per_stage.setdefault(stage, []).append(group)
    rows = []
    for event in state.events:
        row = Row(
            at=beijing(event.at),
            what=label("kinds", state.process, event.kind),
            stage=label("stages", state.process, event.stage),
            who=_who(event, names),
        )
        detail = event.detail
        if event.kind == "stage_entered":
            groups = per_stage.get(event.stage) or []
            for planned in groups.pop(0) if groups else []:
                row.deadlines.append(
                    f"{planned.working_days}个工作日{_counted_from(planned, event.at)}，"
                    f"至{formatting.due_text(planned.due)}"
                    f"（{planned.cite}）；期满：{LAPSE_LABELS.get(planned.on_timeout, '')}"
                    + ("；预估期限" if planned.provisional else "")
                )
                if planned.prevails_over:  # which rule governs, and what it beat
                    row.deadlines.append(planned.provenance())
            if not row.deadlines:
                row.deadlines.append("本环节无法定时限")
        elif (limit := event.limit) is not None and event.kind == "replanned":
            previous = limit.replanned_from
            row.deadlines.append(
                (f"原至{formatting.due_text(previous)}，" if previous else "")
                + f"现至{formatting.due_text(limit.due)}"
            )
        elif limit is not None:
            row.deadlines.append(f"至{formatting.due_text(limit.due)}（{limit.cite}）")
            if limit.on_time:
                row.verdict, row.verdict_text = "met", "按时"
            elif limit.on_time is False and event.actor is None:
                row.verdict, row.verdict_text = "missed", "期限届满未办理"
            elif limit.on_time is False:
                row.verdict = "missed"
                late = int(
                    calendar.get_working_days_delta(
                        last_day_of(limit.due), event.at.astimezone(BEIJING).date()
                    )
                )
                missed = "；".join(
                    f"{m.cite}（{formatting.due_text(m.due)}）" for m in limit.missed
                )
                row.verdict_text = (f"逾期{late}个工作日" if late else "逾期（未满1个工作日）") + (
                    f"；超过：{missed}" if missed else ""
                )
        elif detail.get("cite"):
            row.deadlines.append(detail["cite"])
        for key, value in detail.items():
            name = detail_name(state.process, event.kind, key)
            if name:
                name = "原因" if event.kind == "replanned" else name
                text = detail_value(state.process, key, value)
                if event.actor is None:  # the system's own words: its days written one way
                    text = formatting.rewrite_iso(text)
                row.details.append((name, text))
        rows.append(row)
    return rows


def _counted_from(planned: PlannedDeadline, entered: datetime) -> str:
    """The day a period counts from, where it is not the day the stage was entered (a catalog
    update's limit counts from the day of the change)."""
    start = planned.counted_from.astimezone(BEIJING).date()
    if start == entered.astimezone(BEIJING).date():
        return ""
    return f"（自{formatting.day_text(start)}起算）"


def _who(event: CaseEvent, names: dict[str | None, str]) -> str:
    actor = event.actor
    if actor is None:
        return "" if event.kind == "received" else "系统"
    department = names.get(actor.department_id, actor.department_id or "")
    parts = [actor.name or f"用户{actor.user_id}", department, ROLE_LABELS.get(actor.role, "")]
    return " · ".join(part for part in parts if part)


def _notices(session: Session, state: CaseState, names: dict[str | None, str]) -> list[NoticeRow]:
    """Notices of the case, each at the moment of the step that sent it: its key starts with
    the number of events the case had then (the row's own time is the database's clock)."""
    rows = []
    for notice in session.exec(
        select(Notice).where(Notice.case_id == state.case_id).order_by(col(Notice.id))
    ).all():
        step, _, _ = notice.key.partition("-")
        at = notice.created_at
        if step.isdigit() and 0 < int(step) <= len(state.events):
            at = state.events[int(step) - 1].at
        rows.append(
            NoticeRow(
                at=beijing(at),
                recipient=names.get(notice.recipient_department_id)
                or notice.recipient_department_id
                or "",
                title=notice.title,
            )
        )
    return rows


def render_timeline(timeline: Timeline, home: str | None = None) -> str:
    """The printable timeline; `home`, a link back to the workbench shown on screen only."""
    return environment.get_template("timeline.html").render(t=timeline, home=home)
