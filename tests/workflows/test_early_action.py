"""An action taken while its stage is still being recorded is applied, not dropped.

A stage's actions open before the projection activity that records the stage returns. An
update arriving in that gap used to be released as "applied" by the stage entry itself: the
caller got 200 and the case never moved. Here the projection of the provider's stage is held
until the provider's action has been accepted, so the gap is wide open every time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from sqlmodel import select
from temporalio import activity
from temporalio.client import WorkflowUpdateStage
from temporalio.testing import WorkflowEnvironment

from activities.projection import StepRecord, record_step
from models import CaseSubmission
from shixian.settings import Settings
from tests.cases import signed, submit
from tests.histories import keep_history
from tests.records import grants
from worker import ACTIVITIES, build_worker
from workflows.common import ActionInput, Actor, Role
from workflows.sharing_application import SharingApplicationWorkflow


@dataclass
class Gate:
    """Holds the first recording of `stage` until released."""

    stage: str
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    async def record(self, step: StepRecord) -> int | None:
        if step.state and step.state.stage == self.stage and not self.reached.is_set():
            self.reached.set()
            await self.released.wait()
        return await asyncio.to_thread(record_step, step)


GATE = Gate("provider_review")


@activity.defn(name="record_step")
async def gated_record_step(step: StepRecord) -> int | None:
    return await GATE.record(step)


@pytest.fixture
async def worker(env: WorkflowEnvironment, settings: Settings) -> AsyncIterator[object]:
    """The suite's worker, with the step that records the first stage behind the gate."""
    activities = [gated_record_step if a is record_step else a for a in ACTIVITIES]
    running = build_worker(env.client, settings.task_queue, activities=activities)
    async with running:
        yield running


async def test_an_action_accepted_while_its_stage_is_recorded_takes_effect(
    api, env, session, world, settings, clock
):
    # The submission waits for the first stage, which the gate holds: it answers once the
    # stage is recorded, so it runs beside the provider's action.
    submitting = asyncio.create_task(
        submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    )
    await asyncio.wait_for(GATE.reached.wait(), timeout=60)

    [case_id] = session.exec(select(CaseSubmission.case_id)).all()
    handle = env.client.get_workflow_handle(case_id)
    await clock.sync()  # received now, as the API would stamp it
    provider = Actor(world.user_ids["hubei-provider"], Role.CASEWORKER, "", "hubei-police")
    approval = await handle.start_update(
        SharingApplicationWorkflow.actions()["approve"],
        signed(settings, case_id, "approve", ActionInput(actor=provider), clock()),
        wait_for_stage=WorkflowUpdateStage.ACCEPTED,
    )
    GATE.released.set()
    state = await approval.result()
    case = await submitting

    assert (state.status, state.outcome) == ("closed", "granted")
    [grant] = grants(session, case_id)
    assert grant.resource_id == "hubei-hukou"
    await keep_history(env.client, case, "hubei-action-during-stage-entry")
