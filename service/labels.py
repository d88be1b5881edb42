"""What identifiers are called in Chinese wherever people read them: a case's event kinds,
stages, outcomes, decisions and the details an event carries; its parties; jurisdictions.
Templates get them once (`install`, with the days and instants of calendars/formatting.py).

The same identifier means different things in different processes: `reject` is 不同意共享 in a
sharing application and 疑义不成立 in a quality verification; `verification` is the provider's
校核 there and the 核实 of an objection. So every label is read from the declaration of the
case's process (workflows/<process>.py), which falls back on what every case records
(workflows/process.py). An identifier no declaration knows is shown as it is
(tests/api/test_timeline_labels.py walks every recorded history so that none is).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal, Protocol

from calendars import formatting
from workflows.catalog_update import TRIGGER_LABELS
from workflows.process import Process
from workflows.registry import PROCESSES

Table = Literal["kinds", "stages", "outcomes", "decisions"]

# A process no declaration knows (a case of a process since removed): the common words only.
UNKNOWN = Process(name="", title="", slug="", actions=(), stages=(), outcomes={})


def listing(values: Iterable[tuple[str, str]]) -> str:
    """Allowed values as a message names them, with labels: `review（审核）、closed（已办结）`."""
    return "、".join(
        f"{value}（{name}）" if name and name != value else value for value, name in values
    )


def label(table: Table, process: str, value: str) -> str:
    declared = PROCESSES.get(process, UNKNOWN)
    match table:
        case "kinds":
            return declared.event_label(value)
        case "stages":
            return declared.stage_label(value)
        case "outcomes":
            return declared.outcome_label(value)
        case "decisions":
            return declared.decision_label(value)


def any_stage_label(stage: str) -> str:
    """A stage's label where the process is not at hand: the first process declaring it."""
    for declared in PROCESSES.values():
        if declared.stage(stage) is not None:
            return declared.stage_label(stage)
    return UNKNOWN.stage_label(stage)


def detail_name(process: str, kind: str, key: str) -> str | None:
    """The name of a detail the timeline shows, or None for one it leaves out."""
    return PROCESSES.get(process, UNKNOWN).detail_name(kind, key)


def detail_value(process: str, key: str, value: str) -> str:
    """A detail's value as people read it: its label, or a day or an instant (recorded as
    ISO text) written the one way (calendars/formatting.py)."""
    if isinstance(value, str) and value != (written := formatting.iso_text(value)):
        return written
    return PROCESSES.get(process, UNKNOWN).detail_value(key, value)


# -- parties -------------------------------------------------------------------------------

# A case's parts as people call them, in the order a case lists them; a department holding two
# (a catalog update's department is its applicant and the provider of its data) is listed once,
# by the first of its parts here.
PARTIES = (
    ("provider", "数据提供部门"),
    ("applicant", "申请部门"),
    ("second_provider", "另一数据提供部门"),
    ("authority", "政务数据主管部门"),
    ("service_centre", "服务中心"),
    ("superior_authority", "共同的上级政务数据共享主管部门"),
)


def party_rows(
    parties: Mapping[str, str | None], names: Mapping[Any, str]
) -> list[tuple[str, str]]:
    """(what the party is, its department's name) for each department of the case, once."""
    rows: dict[str, str] = {}
    for part, name in PARTIES:
        department = parties.get(part)
        if department and department not in rows:
            rows[department] = name
    order = (
        "applicant",
        "provider",
        "second_provider",
        "authority",
        "service_centre",
        "superior_authority",
    )
    shown = [parties.get(part) for part in order]
    return [
        (rows[department], names.get(department) or department)
        for department in dict.fromkeys(d for d in shown if d)
    ]


# What changed, that a catalog update is for (declared with the process).
TRIGGERS = TRIGGER_LABELS

# The days a case's details name, as its timeline shows them.
DAY_DETAILS = {"trigger_date": "变化之日", "effective_on": "生效日期", "until": "临时调整至"}


# -- jurisdictions -------------------------------------------------------------------------

# Each level of the jurisdiction codes the rulesets and the departments use, by its full code
# (hubei.lichuan: 利川市, in 湖北省). A code not here is shown as it is (an operator's new one).
JURISDICTIONS = {
    "cn": "全国",
    "hubei": "湖北省",
    "hubei.lichuan": "利川市",
    "hebei": "河北省",
    "shandong": "山东省",
    "shandong.dongying": "东营市",
    "hunan": "湖南省",
    "hunan.changsha": "长沙市",
    "hunan.changsha.yuhua": "雨花区",
}


def jurisdiction_name(code: str | None) -> str:
    """hubei.lichuan as 湖北省利川市: each level's name, outermost first."""
    if not code:
        return ""
    parts = code.split(".")
    named = [JURISDICTIONS.get(".".join(parts[: i + 1])) for i in range(len(parts))]
    if not all(named):
        return code
    return "".join(name for name in named if name)


# -- templates -----------------------------------------------------------------------------


class _Environment(Protocol):
    @property
    def filters(self) -> dict[str, Any]: ...

    @property
    def globals(self) -> dict[str, Any]: ...


def install(environment: _Environment) -> None:
    """What every page and report template reads identifiers and times with."""
    formatting.install(environment)
    environment.filters["jurisdiction_name"] = jurisdiction_name
    environment.globals["label"] = label
