"""Data the database can never store fails its activity for good, instead of retrying for ever
(issue 18 item 2), on SQLite and PostgreSQL; so does a period counted from before the calendar.

The API refuses such text before it reaches a case (tests/api/test_hostile_input.py); these
tests go around the API, as a case started before the text rule, or an update sent straight to
Temporal, would.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from temporalio.client import WorkflowUpdateStage
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.database import UNSTORABLE
from activities.deadlines import BEFORE_CALENDAR, PlanDeadlineInput, plan_deadline
from activities.notices import SendNoticeInput, send_notice
from calendars import BEIJING
from shixian.demo import DemoWorld
from tests.cases import settle, signed, submit, view
from tests.conftest import auth, both_databases
from tests.records import notices
from workflows.common import ActionInput, Actor, Lapse, Role, TimeLimit
from workflows.sharing_application import SharingApplicationWorkflow

NUL = "不符合\x00条件"
SURROGATE = "不符合\ud800条件"


def refusal_notice(reason: str) -> SendNoticeInput:
    return SendNoticeInput(
        case_id="sharing-application/HB419-2026-000999",
        key=f"{len(reason)}-{ord(reason[3])}-rejected",
        kind="rejected",
        recipients=["hubei-civil"],
        context={"case_number": "X", "resource": "", "legal_basis": "", "reason": reason},
    )


@both_databases
async def test_a_notice_no_database_can_store_fails_for_good(settings, world, database_url):
    environment = ActivityEnvironment()
    with pytest.raises(ApplicationError) as failed:
        await asyncio.to_thread(environment.run, send_notice, refusal_notice(SURROGATE))
    assert (failed.value.type, failed.value.non_retryable) == (UNSTORABLE, True)
    if database_url.startswith("postgresql"):
        with pytest.raises(ApplicationError) as failed:
            await asyncio.to_thread(environment.run, send_notice, refusal_notice(NUL))
        assert (failed.value.type, failed.value.non_retryable) == (UNSTORABLE, True)
        assert "NUL" in str(failed.value.__cause__) or "0x00" in str(failed.value.__cause__)
    else:  # SQLite stores a NUL
        assert await asyncio.to_thread(environment.run, send_notice, refusal_notice(NUL)) == 1
    assert await asyncio.to_thread(environment.run, send_notice, refusal_notice("不符合条件")) == 1


@both_databases
async def test_a_refusal_sent_around_the_api_with_nul_stops_the_case_for_an_operator(
    api, env, clock, settings, session, world: DemoWorld, database_url
):
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    provider = Actor(
        user_id=world.user_ids["hubei-provider"],
        role=Role.CASEWORKER,
        name="湖北公安经办人",
        department_id="hubei-police",
        jurisdiction="hubei",
    )
    handle = env.client.get_workflow_handle(case["case_id"])
    refusal = signed(
        settings, case["case_id"], "reject", ActionInput(provider, reason=NUL), clock()
    )
    reject = SharingApplicationWorkflow.actions()["reject"]
    # Accepted before anything waits on the case: a settle sent first could find it idle.
    update = await handle.start_update(reject, refusal, wait_for_stage=WorkflowUpdateStage.ACCEPTED)
    if database_url.startswith("postgresql"):
        # The refusal notice cannot be stored: the case stops at that effect, listed for an
        # operator, instead of retrying the notice for ever in provider_review or failing.
        await settle(clock, case["case_id"])
        listed = await api.get("/api/v1/cases/stuck", headers=auth("auditor"))
        [stuck] = listed.json()["cases"]
        assert (stuck["case_id"], stuck["kind"], stuck["step"]) == (
            case["case_id"],
            "effect",
            "record_step",
        )
        assert UNSTORABLE in stuck["error"] or "NUL" in stuck["error"]
        # The API still answers about it: no 500.
        shown = await api.get(f"/api/v1/cases/{case['case_id']}", headers=auth("hubei-provider"))
        assert (shown.status_code, shown.json()["status"]) == (200, "open"), shown.text
        again = await api.post(
            f"/api/v1/cases/{case['case_id']}/actions/approve",
            json={},
            headers=auth("hubei-provider"),
        )
        assert again.status_code < 500, again.text
    else:
        state = await asyncio.wait_for(update.result(), timeout=60)
        assert state.stage == "refused"
        assert (await view(api, "hubei-applicant", case))["stage"] == "refused"
        assert [n.body for n in notices(session, case["case_id"], "rejected") if "\x00" in n.body]


async def test_a_period_counted_from_before_the_calendar_fails_for_good(settings):
    """A catalog update dated 2017 used to retry its deadline every minute for ever; the API
    refuses the date now, and the activity would not retry it either."""
    limit = TimeLimit(working_days=10, on_timeout=Lapse.OVERDUE, cite="第十一条")
    environment = ActivityEnvironment()
    for year in (2017, 1970):
        started = datetime(year, 6, 1, 12, tzinfo=BEIJING)
        with pytest.raises(ApplicationError) as failed:
            environment.run(plan_deadline, PlanDeadlineInput("department_update", limit, started))
        assert (failed.value.type, failed.value.non_retryable) == (BEFORE_CALENDAR, True)
        assert "日历自2018年起" in str(failed.value)
    planned = environment.run(
        plan_deadline,
        PlanDeadlineInput("department_update", limit, datetime(2018, 1, 2, 12, tzinfo=BEIJING)),
    )
    assert planned.last_day.year == 2018
