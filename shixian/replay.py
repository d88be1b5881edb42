"""Replaying case histories against the current workflow code: the check that a change to a
workflow did not break the cases already running or finished under it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass

from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from shixian.temporal import DATA_CONVERTER
from worker import PASSED_THROUGH, WORKFLOWS


@dataclass(frozen=True)
class ReplayOutcome:
    workflow_id: str
    ok: bool
    problem: str = ""  # the nondeterminism (or other failure) found


def replayer() -> Replayer:
    """Replays as the production worker runs (its modules passed through the sandbox): the
    replay tests hold that runner to every recorded history."""
    return Replayer(
        workflows=WORKFLOWS,
        data_converter=DATA_CONVERTER,
        workflow_runner=SandboxedWorkflowRunner(restrictions=PASSED_THROUGH),
    )


async def replay(histories: Iterable[WorkflowHistory]) -> list[ReplayOutcome]:
    """Replay every history; a failure is reported per case, never raised."""

    async def each() -> AsyncIterator[WorkflowHistory]:
        for history in histories:
            yield history

    outcomes = []
    async with replayer().workflow_replay_iterator(each()) as results:
        async for result in results:
            problem = result.replay_failure
            outcomes.append(
                ReplayOutcome(
                    workflow_id=result.history.workflow_id,
                    ok=problem is None,
                    problem="" if problem is None else f"{type(problem).__name__}: {problem}",
                )
            )
    return outcomes
