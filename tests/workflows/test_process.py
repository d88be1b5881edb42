"""Each process is declared once, in its workflow module: the workflow class, the API's
registration, the labels and the loader all read that one declaration."""

from __future__ import annotations

import sys

import pytest

from service.submissions import PROCESSES as REGISTERED
from workflows.common import ActionInput, Actor, Role
from workflows.process import Action, Choice, Process, Stage
from workflows.registry import CASE_WORKFLOWS, PROCESSES

WORKFLOWS = {w.process.name: w for w in CASE_WORKFLOWS}
ACTOR = Actor(user_id=1, role=Role.CASEWORKER)


def test_every_declared_process_can_be_submitted_and_runs_its_own_workflow():
    assert set(REGISTERED) == set(PROCESSES)
    for name, registered in REGISTERED.items():
        assert registered.workflow.process is PROCESSES[name]
        assert registered.run.__qualname__ == f"{WORKFLOWS[name].__name__}.run"


@pytest.mark.parametrize("name", sorted(PROCESSES))
def test_every_declared_action_is_an_update_of_its_workflow_and_open_in_some_stage(name):
    process, workflow = PROCESSES[name], WORKFLOWS[name]
    definition = workflow.__temporal_workflow_definition  # type: ignore[attr-defined]
    for action in process.actions:
        assert action.name in definition.updates, action.name
        assert any(action.name in stage.actions for stage in process.stages), action.name
    assert list(workflow.actions()) == [a.name for a in process.actions if not a.own_update]
    # Each workflow module names its outcomes in its `Outcome` enum.
    assert set(sys.modules[workflow.__module__].Outcome) <= set(process.outcomes)


def test_a_process_refuses_a_stage_that_opens_an_undeclared_action():
    with pytest.raises(ValueError, match="undeclared actions"):
        Process(
            name="p",
            title="",
            slug="p",
            actions=(Action("approve", "同意"),),
            stages=(Stage("review", "审核", ("approve", "aprove")),),
            outcomes={},
        )


DECIDE = Action(
    "decide",
    "作出协调决定",
    decision_label="协调决定",
    decisions=(
        Choice("grant", "同意共享"),
        Choice("uphold", "维持不予共享", reason="维持不予共享的协调决定必须说明理由。"),
    ),
)


@pytest.mark.parametrize(
    ("action", "payload", "problem"),
    [
        (DECIDE, {"decision": "grant"}, None),
        (
            DECIDE,
            {"decision": "maybe"},
            "协调决定（decision）须为 grant（同意共享）或 uphold（维持不予共享）。",
        ),
        (DECIDE, {}, "协调决定（decision）须为 grant（同意共享）或 uphold（维持不予共享）。"),
        (DECIDE, {"decision": "uphold"}, "维持不予共享的协调决定必须说明理由。"),
        (DECIDE, {"decision": "uphold", "reason": "依法"}, None),
        (Action("reject", "x", reason="须说明理由。"), {"reason": "  "}, "须说明理由。"),
        (Action("repair", "x", note="须说明修改。"), {"note": "补录"}, None),
        (
            Action(
                "deliver",
                "x",
                decisions=(Choice("conditional", "有条件共享"),),
                decision_optional=True,
            ),
            {},
            None,
        ),
    ],
)
def test_an_actions_declared_rules_are_checked_in_order(action, payload, problem):
    assert action.problem(ActionInput(actor=ACTOR, **payload)) == problem


def test_labels_are_read_per_process_and_fall_back_on_what_every_case_records():
    sharing, verification = PROCESSES["sharing_application"], PROCESSES["quality_verification"]
    assert sharing.event_label("reject") == "不同意共享"
    assert verification.event_label("reject") == "疑义不成立"
    assert sharing.event_label("received") == "收到申请"
    assert verification.event_label("stage_entered") == "进入环节"
    assert sharing.stage_label("closed") == "已办结"
    assert verification.detail_name("decide", "decision") == "异议处理决定"
    assert verification.detail_name("explain", "decision") == "决定"
    assert verification.detail_name("explain", "cite") is None
    assert sharing.detail_value("granted_by", "deemed_consent") == "视为同意"
    assert PROCESSES["green_channel"].decision_label("unconditional") == "无条件共享"
    assert sharing.stage_label("nonsense") == "nonsense"
