"""What a case's identifiers are called in Chinese on the timeline: event kinds, stages,
outcomes, decisions, and the details an event carries.

The same identifier means different things in different processes: `reject` is 不同意共享 in a
sharing application and 疑义不成立 in a quality verification; `verification` is the provider's
校核 there and the 核实 of an objection. So every label is read from the declaration of the
case's process (workflows/<process>.py), which falls back on what every case records
(workflows/process.py). An identifier no declaration knows is shown as it is
(tests/api/test_timeline_labels.py walks every recorded history so that none is).
"""

from __future__ import annotations

from typing import Literal

from workflows.process import Process
from workflows.registry import PROCESSES

Table = Literal["kinds", "stages", "outcomes", "decisions"]

# A process no declaration knows (a case of a process since removed): the common words only.
UNKNOWN = Process(name="", title="", slug="", actions=(), stages=(), outcomes={})


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


def detail_name(process: str, kind: str, key: str) -> str | None:
    """The name of a detail the timeline shows, or None for one it leaves out."""
    return PROCESSES.get(process, UNKNOWN).detail_name(kind, key)


def detail_value(process: str, key: str, value: str) -> str:
    return PROCESSES.get(process, UNKNOWN).detail_value(key, value)
