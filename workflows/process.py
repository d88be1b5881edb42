"""How a workflow module declares its process, once: its name and title, its stages (the
actions open in each and how a time limit there may lapse), its actions (who takes each, what
its payload must carry), its outcomes and event kinds, all with their Chinese labels.

The workflow class serves the declaration (`CaseWorkflow.process`: one Temporal update per
action, validated against it); the ruleset loader refuses a ruleset the declaration cannot run
(a stage the process lacks, a lapse its stage cannot have); the timeline and the API's labels
read it. Standard library only: all of them import it outside any workflow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from workflows.common import GRANTED_BY_LABELS, ActionInput, CaseDetails, Lapse, Party


@dataclass(frozen=True)
class Choice:
    """An allowed value of an action's `decision`, and what choosing it requires."""

    value: str
    label: str
    reason: str = ""  # the message when this choice comes without a reason; "": none needed
    note: str = ""  # likewise for `note`


@dataclass(frozen=True)
class Action:
    """One action of a process: a Temporal update of the same name on its workflow class.

    A payload field (`reason`, `legal_basis`, `note`) with a message is required, and the
    message says so when it is missing. Rules that depend on the case (Hebei's legal basis, a
    repaired resource of the case) are the workflow's `_payload_problem`."""

    name: str
    label: str
    actor: Party | None = None  # None: the party the stage waits for
    reason: str = ""
    legal_basis: str = ""
    note: str = ""
    # The allowed values of `decision`; none: any value (or none) the workflow accepts.
    decisions: tuple[Choice, ...] = ()
    decision_label: str = ""  # what the decision is called, on the timeline and in messages
    decision_optional: bool = False  # the decision may be left empty
    note_label: str = ""  # what the note is called, on the timeline, where not 备注
    # The workflow class writes this update itself, with its own payload (not `ActionInput`);
    # the API does not offer it as an action.
    own_update: bool = False

    def problem(self, payload: ActionInput) -> str | None:
        """The first rule of this declaration the payload breaks, as its Chinese message."""
        missing = [
            message
            for message, value in (
                (self.reason, payload.reason),
                (self.legal_basis, payload.legal_basis),
                (self.note, payload.note),
            )
            if message and not value.strip()
        ]
        if missing:
            return missing[0]
        if not self.decisions or (self.decision_optional and not payload.decision):
            return None
        choice = next((c for c in self.decisions if c.value == payload.decision), None)
        if choice is None:
            *others, last = [f"{c.value}（{c.label}）" for c in self.decisions]
            allowed = f"{'、'.join(others)}或 {last}" if others else last
            return f"{self.decision_label or '决定'}（decision）须为 {allowed}。"
        if choice.reason and not payload.reason.strip():
            return choice.reason
        if choice.note and not payload.note.strip():
            return choice.note
        return None


def extension_actions(term: str) -> tuple[Action, Action, Action]:
    """The provider's request to extend `term` (a 期限), and the authority's two answers."""
    return (
        Action(
            "request_extension",
            f"申请延长{term}",
            actor=Party.PROVIDER,
            reason=f"申请延长{term}须说明特殊原因。",
        ),
        Action("grant_extension", f"同意延长{term}", actor=Party.AUTHORITY),
        Action(
            "refuse_extension",
            f"不同意延长{term}",
            actor=Party.AUTHORITY,
            reason=f"不同意延长{term}，必须说明理由。",
        ),
    )


@dataclass(frozen=True)
class Stage:
    """A stage a case of the process may be in."""

    name: str
    label: str
    actions: tuple[str, ...] = ()  # open in it; the workflow may withhold some for a case
    # What a time limit of this stage may do when it runs out; none: it takes no limit.
    lapses: tuple[Lapse, ...] = ()


# What every case records, whatever its process (workflows/case.py).
CASE_EVENTS = {
    "received": "收件",
    "stage_entered": "进入环节",
    "reminded": "到期提醒",
    "overdue": "逾期",
    "replanned": "因日历调整重新计算期限",
    "closed": "办结",
}
CASE_STAGES = {"received": "收件", "closed": "已办结"}
# The names of the details the timeline shows (the others it leaves out), and their values.
CASE_DETAILS = {
    "reason": "理由",
    "legal_basis": "法律依据",
    "decision": "决定",
    "note": "备注",
    "outcome": "结果",
    "granted_by": "授权方式",
}
# Labels of a detail's values, by detail (keyed by the members of an enum, as often as not).
ValueLabels = Mapping[str, Mapping[Any, str]]
CASE_DETAIL_VALUES: ValueLabels = {"granted_by": GRANTED_BY_LABELS}


@dataclass(frozen=True)
class Process:
    """A process, as its workflow module declares it."""

    name: str  # `process` of a case and of POST /cases
    title: str
    slug: str  # workflow-id prefix: sharing-application/HB419-2026-000123
    actions: tuple[Action, ...]
    stages: tuple[Stage, ...]
    outcomes: Mapping[str, str]
    # Event kinds beyond its actions and `CASE_EVENTS` (which these may rename: "received").
    events: Mapping[str, str] = field(default_factory=dict)
    # Names of further details the timeline shows, and the labels of their values.
    details: Mapping[str, str] = field(default_factory=dict)
    detail_values: ValueLabels = field(default_factory=dict)
    # What a case of the process shows beyond every case's fields (`CaseState.details`).
    details_type: type[CaseDetails] = CaseDetails

    def __post_init__(self) -> None:
        # Mistakes in a declaration, found when its module is imported.
        actions = [a.name for a in self.actions]
        if len(set(actions)) != len(actions):
            raise ValueError(f"{self.name}: an action is declared twice: {actions}")
        if unknown := {n for s in self.stages for n in s.actions} - set(actions):
            raise ValueError(f"{self.name}: stages open undeclared actions {sorted(unknown)}")
        labels = {(c.value, c.label) for a in self.actions for c in a.decisions}
        if len(labels) != len(dict(labels)):
            raise ValueError(f"{self.name}: a decision value has two labels: {sorted(labels)}")

    def action(self, name: str) -> Action | None:
        return next((a for a in self.actions if a.name == name), None)

    def stage(self, name: str) -> Stage | None:
        return next((s for s in self.stages if s.name == name), None)

    def actions_in(self, stage: str) -> frozenset[str]:
        """The actions open in `stage` (none in a stage the process does not declare)."""
        declared = self.stage(stage)
        return frozenset(declared.actions) if declared else frozenset()

    # -- labels: an identifier no declaration knows is shown as it is ----------------------

    def stage_label(self, name: str) -> str:
        declared = self.stage(name)
        return declared.label if declared else CASE_STAGES.get(name, name)

    def action_label(self, name: str) -> str:
        declared = self.action(name)
        return declared.label if declared else name

    def event_label(self, kind: str) -> str:
        action = self.action(kind)
        return (
            self.events.get(kind)
            or (action.label if action else None)
            or CASE_EVENTS.get(kind, kind)
        )

    def outcome_label(self, outcome: str) -> str:
        return self.outcomes.get(outcome, outcome)

    def decision_label(self, value: str) -> str:
        """A decision's label; the same value means the same in every action of a process."""
        return next((c.label for a in self.actions for c in a.decisions if c.value == value), value)

    def detail_name(self, kind: str, key: str) -> str | None:
        """The name of a detail of a `kind` event, or None for one the timeline leaves out."""
        action = self.action(kind)
        if key == "decision" and action and action.decision_label:
            return action.decision_label
        if key == "note" and action and action.note_label:
            return action.note_label
        return self.details.get(key) or CASE_DETAILS.get(key)

    def detail_value(self, key: str, value: str) -> str:
        if key == "outcome":
            return self.outcome_label(value)
        if key == "decision":
            return self.decision_label(value)
        values = self.detail_values.get(key) or CASE_DETAIL_VALUES.get(key) or {}
        return values.get(value, value)
