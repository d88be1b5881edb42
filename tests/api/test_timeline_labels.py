"""The timeline speaks Chinese for every process: each recorded history, rendered as the
auditors' timeline, names every event kind, stage, outcome and decision in Chinese, never by
its identifier. A new action, stage or outcome without a label fails here."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory

from calendars import ChinaCalendar, load_calendar
from regulations import Rulesets, load_rulesets
from service.audit import Timeline, compose_timeline, planned_deadlines, render_timeline
from service.labels import label
from service.submissions import PROCESSES
from tests.cases import projection_records
from workflows import (
    catalog_update,
    emergency_reclassification,
    green_channel,
    open_data_objection,
    quality_verification,
    sharing_application,
)
from workflows.common import CaseState, PlannedDeadline

HISTORIES_DIR = Path(__file__).parent.parent / "replay" / "histories"
HISTORIES = sorted(HISTORIES_DIR.glob("*.json"))
IDENTIFIER = re.compile(r"[A-Za-z_]{2,}")
# Details whose values are identifiers the timeline must translate.
TRANSLATED_DETAILS = (
    "结果",
    "决定",
    "协调决定",
    "协商结果",
    "异议处理决定",
    "处理决定",
    "后续办理",
    "共享类型",
    "原共享类型",
    "变更类型",
    "交付方式",
)


def last_recorded_state(history: WorkflowHistory) -> CaseState:
    """The case as the workflow last wrote it to the projection: its records, each with the
    events since the one before (a whole state in histories recorded before)."""
    state: CaseState | None = None
    for change in projection_records(history):
        held = state.events[: change.events_from] if state else []
        state = replace(change, events=held + change.events, events_from=0)
    assert state is not None
    return state


def recorded(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(path.stem, json.loads(path.read_text()))


def recorded_timeline(
    history: WorkflowHistory,
    rulesets: Rulesets,
    calendar: ChinaCalendar,
    names: dict[str | None, str] | None = None,
) -> Timeline:
    """The auditors' timeline of a recorded case, as read from its history alone."""
    return compose_timeline(
        last_recorded_state(history),
        planned_deadlines(history),
        names=names or {},
        notices=[],
        rulesets=rulesets,
        calendar=calendar,
        from_history=True,
    )


class Cells(HTMLParser):
    """The text of each cell of the page's first table, row by row, and of each <dd>."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.header: list[str] = []
        self._tables = 0
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._tables += 1
        elif tag == "tr" and self._tables == 1:
            self.rows.append([])
        elif (tag == "td" and self._tables == 1) or tag == "dd":
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self._cell is None:
            return
        if tag == "td":
            self.rows[-1].append("".join(self._cell))
            self._cell = None
        elif tag == "dd":
            self.header.append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def recorded_page(
    path: Path, rulesets: Rulesets, calendar: ChinaCalendar
) -> tuple[CaseState, Cells]:
    """A recorded case's last state and the cells of its rendered timeline."""
    history = recorded(path)
    page = Cells()
    page.feed(render_timeline(recorded_timeline(history, rulesets, calendar)))
    return last_recorded_state(history), page


@pytest.fixture(scope="module")
def rulesets() -> Rulesets:
    return load_rulesets()


@pytest.fixture(scope="module")
def calendar() -> ChinaCalendar:
    return load_calendar()


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
def test_every_recorded_step_is_named_in_chinese(
    path: Path, rulesets: Rulesets, calendar: ChinaCalendar
):
    state, page = recorded_page(path, rulesets, calendar)
    steps = [row for row in page.rows if row]
    assert len(steps) == len(state.events)
    raw = []
    for event, (_, what, stage, _, _, _, details) in zip(state.events, steps, strict=True):
        raw += [f"{event.kind}: {what}" for text in (what,) if IDENTIFIER.search(text)]
        raw += [f"{event.stage}: {stage}" for text in (stage,) if IDENTIFIER.search(text)]
        for line in details.split("\n"):
            name, _, value = line.partition("：")
            if name in TRANSLATED_DETAILS and IDENTIFIER.search(value):
                raw.append(f"{event.kind} {line}")
    status = next(text for text in page.header if text.startswith(("办理中", "已办结")))
    raw += [f"status: {status}" for text in (status,) if IDENTIFIER.search(text)]
    assert not raw, f"{state.process}: shown by identifier: {raw}"


def test_every_action_and_outcome_of_every_process_has_a_label_even_if_unrecorded():
    outcomes = {
        "sharing_application": sharing_application.Outcome,
        "open_data_objection": open_data_objection.Outcome,
        "quality_verification": quality_verification.Outcome,
        "catalog_update": catalog_update.Outcome,
        "green_channel": green_channel.Outcome,
        "emergency_reclassification": emergency_reclassification.Outcome,
    }
    missing = [
        f"{name} action {action}"
        for name, process in PROCESSES.items()
        for action in process.actions
        if label("kinds", name, action) == action
    ]
    missing += [
        f"{name} outcome {outcome.value}"
        for name, enum in outcomes.items()
        for outcome in enum
        if label("outcomes", name, outcome.value) == outcome.value
    ]
    assert not missing
    # The same identifier, read per process.
    assert label("kinds", "quality_verification", "reject") == "疑义不成立"
    assert label("kinds", "sharing_application", "reject") == "不同意共享"
    assert label("decisions", "quality_verification", "uphold") == "维持校核结果"
    assert label("decisions", "sharing_application", "uphold") == "维持不予共享"
    assert label("stages", "open_data_objection", "verification") == "核实处理"


ISO = re.compile(r"\d{4}-\d{2}-\d{2}|T\d{2}:\d{2}|24:00")
CHINESE_DAY = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
def test_every_recorded_timeline_writes_days_and_instants_one_way(
    path: Path, rulesets: Rulesets, calendar: ChinaCalendar
):
    _, page = recorded_page(path, rulesets, calendar)
    texts = [*page.header, *(cell for row in page.rows for cell in row)]
    assert not [text for text in texts if ISO.search(text)]
    assert all(CHINESE_DAY.search(row[0]) for row in page.rows if row)


def test_a_catalog_update_timeline_lists_its_department_once_and_the_day_of_the_change(
    rulesets: Rulesets, calendar: ChinaCalendar
):
    history = recorded(HISTORIES_DIR / "hubei-catalog-published.json")
    state = last_recorded_state(history)
    assert state.parties.applicant == state.parties.provider
    names = {
        state.parties.provider: "湖北省公安厅",
        state.parties.authority: "湖北省政务服务和大数据管理局",
    }
    timeline = recorded_timeline(history, rulesets, calendar, names)
    page = render_timeline(timeline)
    assert [label for label, _ in timeline.parties] == ["数据提供部门", "政务数据主管部门"]
    assert "申请部门" not in page
    written = "2026年11月20日"  # the law changed on Friday; the case was filed on Monday
    assert ("变化之日", written) in timeline.days
    assert f"（自{written}起算）" in page
    assert (
        "适用规则</dt><dd>《湖北省政务数据资源应用与管理办法》（湖北省人民政府令第419号）" in page
    )


@pytest.mark.parametrize("name", ["hebei-spring-festival", "hubei-extension-granted-answered"])
def test_deadlines_read_from_local_activities_are_those_activity_tasks_gave(name: str):
    """Cases plan their deadlines in local activities (patch `deadlines-local`), whose results
    are markers; cases started before planned them in activity tasks. The timeline reads both:
    the same path recorded either way plans the same deadlines."""
    before = planned_deadlines(recorded(HISTORIES_DIR / f"{name}.json"))
    after = planned_deadlines(recorded(HISTORIES_DIR / f"{name}-deadlines-local.json"))

    def planned(deadlines: list[PlannedDeadline]) -> list[tuple[object, ...]]:
        return [(d.stage, d.working_days, d.cite, d.last_day, d.provisional) for d in deadlines]

    assert len(before) >= 3
    assert planned(after) == planned(before)
