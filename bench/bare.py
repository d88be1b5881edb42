"""The baseline of the case benchmarks: a bare Temporal workflow with the same history shape as
a case, whose activities do nothing.

The shape is read from a real case's recorded history in the same run (`shape_of`): the
activities and local activities it ran before its first action, whether it then waits (a
timer, ended by the action's update), and what it ran after. A case's cost over this baseline
is everything that is ours: the workflow code and its sandbox, payloads, the activities' real
work, and (through HTTP) the API.

The workflow runs in the SDK's default sandbox, as any Temporal Python workflow would.

    python -c 'import sys; sys.path.insert(0, "bench"); import bare; bare.serve()' ADDRESS QUEUE
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from temporalio import activity, workflow


@dataclass(frozen=True)
class Shape:
    """What a case's history holds, in order: "activity", "local" or "patch" steps before its
    first action and after it; `waits`: the case waits (on a timer) for that action. A patch
    is a `workflow.patched` marker, with the search attribute upsert Temporal adds to it."""

    before: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)
    waits: bool = False

    def describe(self) -> str:
        def steps(kinds: list[str]) -> str:
            counts = [f"{kinds.count(k)} {k}" for k in ("activity", "local", "patch") if k in kinds]
            return ", ".join(counts) or "nothing"

        if not self.waits:
            return steps(self.before)
        return f"{steps(self.before)}; a timer and the update; {steps(self.after)}"


@activity.defn
async def nothing(step: int) -> int:
    return step


@workflow.defn
class BareCase:
    """A case's shape with no work in it: `settle` answers once it waits, `approve` once it
    has finished (both as the case's own updates do)."""

    def __init__(self) -> None:
        self.waiting = False
        self.approved = False
        self.finished = False

    @workflow.run
    async def run(self, shape: Shape) -> str:
        await self._steps("before", shape.before)
        if shape.waits:
            self.waiting = True
            try:
                await workflow.wait_condition(lambda: self.approved, timeout=timedelta(days=10))
            except TimeoutError:
                pass
            self.waiting = False
            await self._steps("after", shape.after)
        self.finished = True
        await workflow.wait_condition(workflow.all_handlers_finished)
        return "done"

    async def _steps(self, phase: str, kinds: list[str]) -> None:
        for step, kind in enumerate(kinds):
            if kind == "patch":
                # An id of its own: a patch id already checked records no second marker.
                workflow.patched(f"{phase}-{step}")
            elif kind == "local":
                await workflow.execute_local_activity(
                    nothing, step, start_to_close_timeout=timedelta(seconds=30)
                )
            else:
                await workflow.execute_activity(
                    nothing, step, start_to_close_timeout=timedelta(seconds=30)
                )

    @workflow.update
    async def settle(self) -> str:
        await workflow.wait_condition(lambda: self.waiting or self.finished)
        return "waiting" if self.waiting else "finished"

    @workflow.update
    async def approve(self) -> str:
        self.approved = True
        await workflow.wait_condition(lambda: self.finished)
        return "finished"


MARKERS = {"core_local_activity": "local", "core_patch": "patch"}


def shape_of(history: dict[str, Any], action: str = "approve") -> Shape:
    """The shape of a recorded case history (`WorkflowHistory.to_json()`, parsed)."""
    before: list[str] = []
    after: list[str] = []
    waits = False
    steps = before
    for event in history["events"]:
        kind = event["eventType"]
        if kind == "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED":
            steps.append("activity")
        elif kind == "EVENT_TYPE_MARKER_RECORDED":
            marker = event["markerRecordedEventAttributes"]["markerName"]
            if marker in MARKERS:
                steps.append(MARKERS[marker])
        elif kind == "EVENT_TYPE_TIMER_STARTED":
            waits = True
        elif kind == "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED":
            accepted = event["workflowExecutionUpdateAcceptedEventAttributes"]["acceptedRequest"]
            if accepted["input"]["name"] == action:
                steps = after
    return Shape(before, after, waits)


def serve() -> None:
    """A worker for the bare workflow, in a process of its own like the case worker."""
    from temporalio.client import Client
    from temporalio.contrib.pydantic import pydantic_data_converter
    from temporalio.worker import Worker

    from worker import NEW_CASES_POLL_RATIO

    address, queue = sys.argv[1], sys.argv[2]

    async def run() -> None:
        client = await Client.connect(address, data_converter=pydantic_data_converter)
        async with Worker(
            client,
            task_queue=queue,
            workflows=[BareCase],
            activities=[nothing],
            # Polled as the case worker polls (worker.py): the same shape in this too.
            nonsticky_to_sticky_poll_ratio=NEW_CASES_POLL_RATIO,
        ):
            await asyncio.Event().wait()

    asyncio.run(run())
