"""A case that cannot go on by itself is said to be stuck and shown to operators, instead of
retrying for ever in silence or being called closed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from sqlalchemy.exc import DataError, OperationalError
from temporalio import activity
from temporalio.client import WorkflowExecutionStatus

from activities.deadlines import PlanDeadlineInput, plan_deadline
from activities.projection import StepRecord, record_step
from api.app import create_app
from calendars import CalendarNotCoveredError
from shixian.faults import permanent
from tests.api.test_outage import live
from tests.cases import act, settled, submit
from tests.conftest import auth
from worker import ACTIVITIES, build_worker

NUL = "PostgreSQL text fields cannot contain NUL (0x00) bytes"


def test_failures_no_retry_can_mend_are_told_from_passing_ones():
    assert permanent(DataError("INSERT INTO notice", {}, ValueError(NUL)))
    assert permanent(CalendarNotCoveredError(1970, "工作日历不包含1970年"))
    assert not permanent(OperationalError("SELECT 1", {}, ConnectionError("refused")))
    assert not permanent(TimeoutError())


class Unstorable:
    """The notice of `kind` cannot be stored, until the operator has fixed it."""

    def __init__(self, kind: str) -> None:
        self.kind, self.fixed, self.calls = kind, False, 0

    async def record(self, step: StepRecord) -> int | None:
        if any(notice.kind == self.kind for notice in step.notices):
            self.calls += 1
            if not self.fixed:
                raise DataError("INSERT INTO notice", {}, ValueError(NUL))
        return await asyncio.to_thread(record_step, step)


UNSTORABLE = Unstorable("approved")


@activity.defn(name="record_step")
async def unstorable_record_step(step: StepRecord) -> int | None:
    return await UNSTORABLE.record(step)


@asynccontextmanager
async def api_with_worker(
    settings: Any, env: Any, clock: Any, replaced: Any, failing: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """The API, and the suite's worker with `failing` in place of its activity `replaced`."""
    activities = [failing if a is replaced else a for a in ACTIVITIES]

    async def temporal() -> Any:
        return env.client

    app = create_app(settings, temporal=temporal, clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://t") as api,
        build_worker(env.client, settings.task_queue, activities=activities),
    ):
        yield api


async def test_an_effect_that_fails_for_good_stops_the_case_lists_it_and_goes_on_when_retried(
    settings, env, world, clock
):
    # The case takes an action up within 3 s of its receipt (half of 6): a loaded machine's
    # worker needs them; the stuck effect then holds the answer for the rest.
    settings.action_wait = 6
    async with api_with_worker(settings, env, clock, record_step, unstorable_record_step) as api:
        case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
        response = await act(api, "hubei-provider", case, "approve", note="同意")
        assert response.status_code == 503
        body = response.json()
        assert (body["code"], body["recorded"]) == ("case_stuck", True)
        assert "record_step" in body["message"] and "已列入待运维处理" in body["message"]

        await settled(clock, api, "hubei-applicant", case)
        # The step (its grant, notices and record, in one transaction) waits for an operator:
        # nothing of it is written, and the case's workflow neither failed nor ended.
        assert (await granted(api, case))["total"] == 0
        running = await env.client.get_workflow_handle(case["case_id"]).describe()
        assert running.status is WorkflowExecutionStatus.RUNNING
        assert UNSTORABLE.calls == 1  # not retried: it can never succeed as it is

        listed = await api.get("/api/v1/cases/stuck", headers=auth("auditor"))
        assert listed.status_code == 200
        [stuck] = listed.json()["cases"]
        assert (stuck["case_id"], stuck["kind"], stuck["step"]) == (
            case["case_id"],
            "effect",
            "record_step",
        )
        assert NUL in stuck["error"]
        health = await api.get("/healthz")
        assert health.status_code == 200
        assert health.json()["stuck_cases"]["found_by_workers"] == 1
        assert health.json()["stuck_cases"]["ok"] is False

        refused = await api.post(
            f"/api/v1/cases/{case['case_id']}/retry", headers=auth("hubei-supervisor")
        )
        assert refused.status_code == 403
        UNSTORABLE.fixed = True
        await retried_by_an_operator(api, case, "已清理通知中的非法字符")
        state = await settled(clock, api, "hubei-applicant", case)
        assert (state["outcome"], state["details"]["granted_by"]) == ("granted", "provider")
        [grant] = (await granted(api, case))["items"]
        assert grant["id"] == state["details"]["authorization_id"]
        assert UNSTORABLE.calls == 2
        assert (await api.get("/api/v1/cases/stuck", headers=auth("admin"))).json()["cases"] == []
        assert (await api.get("/healthz")).json()["stuck_cases"]["ok"] is True
        again = await api.post(f"/api/v1/cases/{case['case_id']}/retry", headers=auth("admin"))
        assert (again.status_code, again.json()["code"]) == (409, "nothing_to_retry")


async def retried_by_an_operator(api: Any, case: dict[str, Any], reason: str) -> None:
    retried = await api.post(
        f"/api/v1/cases/{case['case_id']}/retry", json={"reason": reason}, headers=auth("admin")
    )
    assert retried.status_code == 200, retried.text


async def granted(api: Any, case: dict[str, Any]) -> dict[str, Any]:
    response = await api.get(
        "/api/v1/authorizations", params={"case_id": case["case_id"]}, headers=auth("auditor")
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


class Uncounted:
    """Deadline planning (a local activity) meets a day no calendar counts, until fixed."""

    fixed = False
    calls = 0


@activity.defn(name="plan_deadline")
def uncounted_plan_deadline(request: PlanDeadlineInput) -> Any:
    Uncounted.calls += 1
    if not Uncounted.fixed:
        raise CalendarNotCoveredError(1970, "工作日历不包含1970年")
    return plan_deadline(request)


async def test_a_local_effect_that_fails_for_good_is_listed_and_goes_on_when_retried(
    settings, env, world, clock
):
    async with api_with_worker(settings, env, clock, plan_deadline, uncounted_plan_deadline) as api:
        case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
        assert case["stage"] == "received"  # no stage could be planned
        # Idle only once the failure is listed: waited for, not timed, on a loaded machine too.
        await settled(clock, api, "hubei-applicant", case)
        [stuck] = (await api.get("/api/v1/cases/stuck", headers=auth("admin"))).json()["cases"]
        assert (stuck["case_id"], stuck["kind"], stuck["step"]) == (
            case["case_id"],
            "effect",
            "plan_deadline",
        )
        assert Uncounted.calls == 1  # not retried: it can never succeed as it is

        Uncounted.fixed = True
        await retried_by_an_operator(api, case, "已加载所需年份的日历")
        state = await settled(clock, api, "hubei-provider", case)
        assert state["stage"] == "provider_review" and state["deadline"] is not None
        assert (await api.get("/api/v1/cases/stuck", headers=auth("admin"))).json()["cases"] == []


@activity.defn(name="plan_deadline")
def unreadable_plan_deadline(request: PlanDeadlineInput) -> dict[str, bool]:
    """A deadline the workflow cannot read: its task fails, and fails again when retried."""
    return {"nonsense": True}


async def test_a_case_whose_workflow_task_keeps_failing_is_stuck_not_closed(
    settings, dev_server, world
):
    settings.action_wait = 4
    settings.first_stage_wait = 2
    broken = [unreadable_plan_deadline if a is plan_deadline else a for a in ACTIVITIES]
    async with live(settings, dev_server) as case_api, case_api.worker(broken):
        case = await submit(
            case_api.api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"]
        )
        assert case["stage"] == "received"  # answered as received: no stage could be planned
        response = await act(case_api.api, "hubei-applicant", case, "withdraw")
        assert response.status_code == 503
        body = response.json()
        assert (body["code"], body["recorded"]) == ("case_stuck", False)
        assert "工作流任务反复失败" in body["message"]

        listed = await case_api.api.get("/api/v1/cases/stuck", headers=auth("admin"))
        [stuck] = [c for c in listed.json()["cases"] if c["case_id"] == case["case_id"]]
        assert stuck["kind"] == "workflow_task"
        assert "PlannedDeadline" in stuck["error"] or "validation" in stuck["error"].lower()
        health = await case_api.api.get("/healthz")
        assert health.json()["stuck_cases"]["found_by_workers"] >= 1
