"""Every recorded history replays with the current workflow code.

The histories in `histories/` were recorded from the path tests
(`SHIXIAN_RECORD_HISTORIES=1 pytest tests/workflows`). A workflow change that would make any of
them nondeterministic fails here: guard it with `workflow.patched()` and record new histories
beside the old ones, never instead of them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowHistory

from shixian.replay import ReplayOutcome, replay

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def load(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(f"recorded/{path.stem}", json.loads(path.read_text()))


def tampered(path: Path) -> dict[str, Any]:
    """The recorded history as JSON, as though the case once ran an activity the current code
    never schedules first."""
    history = json.loads(path.read_text())
    for event in history["events"]:
        attributes = event.get("activityTaskScheduledEventAttributes")
        if attributes:
            attributes["activityType"]["name"] = "an_activity_that_no_longer_exists"
            break
    return history  # type: ignore[no-any-return]


def test_there_is_a_recorded_history_for_every_instrument():
    names = {path.stem.split("-")[0] for path in HISTORIES}
    assert {"hubei", "hebei", "lichuan", "dongying", "yuhua"} <= names


@pytest.fixture(scope="module")
async def replayed() -> dict[str, ReplayOutcome]:
    """Every recorded history replayed by one replayer, by workflow id: preparing the workflow
    sandbox takes longer than replaying a history, so it is done once, not once per file."""
    return {outcome.workflow_id: outcome for outcome in await replay(map(load, HISTORIES))}


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
def test_recorded_history_replays_with_the_current_code(
    path: Path, replayed: dict[str, ReplayOutcome]
):
    outcome = replayed[f"recorded/{path.stem}"]
    assert outcome.ok, outcome.problem


async def test_a_changed_workflow_is_reported_as_nondeterministic():
    history = tampered(HISTORIES[0])
    [outcome] = await replay([WorkflowHistory.from_json("tampered", history)])
    assert not outcome.ok
    assert "nondetermin" in outcome.problem.lower() or "activity" in outcome.problem.lower()
