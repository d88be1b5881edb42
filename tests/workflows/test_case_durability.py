"""Submitting twice, numbering, and a worker that dies mid-case."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import replace
from datetime import UTC, timedelta

import httpx
from sqlmodel import select
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from models import CaseRecord, CaseSubmission
from service import register
from service.cases import adapter
from shixian.settings import Settings
from tests.cases import APPLICATION, at, kinds, settled, submit
from tests.conftest import TestClock, auth, both_databases, terminate_cases
from tests.records import grants
from worker import build_worker
from workflows.sharing_application import SharingApplicationInput


async def test_the_same_idempotency_key_returns_the_same_case(api, session):
    headers = {**auth("hubei-applicant"), "Idempotency-Key": "form-7f3a"}
    first = await api.post("/api/v1/cases", json=APPLICATION, headers=headers)
    again = await api.post("/api/v1/cases", json=APPLICATION, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["case_id"] == first.json()["case_id"]
    assert len(session.exec(select(CaseSubmission)).all()) == 1

    changed = await api.post(
        "/api/v1/cases", json={**APPLICATION, "purpose": "别的"}, headers=headers
    )
    assert changed.status_code == 409
    assert changed.json()["code"] == "idempotency_key_reused"
    other_user = await api.post(
        "/api/v1/cases",
        json={**APPLICATION, "resource_id": "hubei-org"},
        headers={**auth("lichuan-applicant"), "Idempotency-Key": "form-7f3a"},
    )
    assert other_user.status_code == 422  # Lichuan's applicant, Hubei's resource: own rules
    assert len(session.exec(select(CaseSubmission)).all()) == 1


async def test_case_numbers_follow_each_other_per_ruleset_and_year(api):
    first = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    second = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    prefix, year, number = first["case_number"].split("-")
    assert (prefix, year) == ("HB419", "2026")
    assert second["case_number"] == f"HB419-2026-{int(number) + 1:06d}"
    assert second["case_id"] == f"sharing-application/{second['case_number']}"
    by_number = await api.get(
        f"/api/v1/cases/{second['case_number']}", headers=auth("hubei-applicant")
    )
    assert by_number.json()["case_id"] == second["case_id"]


async def test_invalid_submissions_are_refused_and_leave_nothing_behind(api, session):
    cases = [
        ({**APPLICATION, "process": "nonsense"}, 422, "unknown_process"),
        ({**APPLICATION, "purpose": ""}, 422, "invalid_request"),
        ({**APPLICATION, "resource_id": "no-such"}, 404, "resource_not_found"),
        ({**APPLICATION, "fields": ["银行账户"]}, 422, "invalid"),
        ({**APPLICATION, "resource_id": "hebei-hukou"}, 422, "own_data"),
    ]
    for body, status, code in cases[:4]:
        response = await api.post("/api/v1/cases", json=body, headers=auth("hubei-applicant"))
        assert (response.status_code, response.json()["code"]) == (status, code), body
    own = await api.post(
        "/api/v1/cases",
        json={**APPLICATION, "resource_id": "hubei-hukou"},
        headers=auth("hubei-provider"),
    )
    assert (own.status_code, own.json()["code"]) == (422, "own_data")
    assert (await api.post("/api/v1/cases", json=APPLICATION)).status_code == 401
    assert (
        await api.post("/api/v1/cases", json=APPLICATION, headers=auth("hubei-supervisor"))
    ).status_code == 403
    assert session.exec(select(CaseSubmission)).all() == []


@contextmanager
def asyncio_logs() -> Iterator[list[str]]:
    """What the running loop reports to its exception handler meanwhile: failures nobody
    handled, which asyncio would otherwise only log."""
    loop = asyncio.get_running_loop()
    logged: list[str] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _, context: logged.append(context["message"]))
    try:
        yield logged
    finally:
        loop.set_exception_handler(previous)


@asynccontextmanager
async def api_without_worker(
    settings: Settings, env: WorkflowEnvironment, clock: TestClock
) -> AsyncIterator[httpx.AsyncClient]:
    """The API on the test server with no worker of its own: the test runs one when it likes."""

    async def temporal() -> Client:
        return env.client

    app = create_app(settings, temporal=temporal, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as api:
            yield api


async def test_a_case_resumes_after_its_worker_is_killed_and_its_deadline_still_fires(
    settings, env, world, clock, session
):
    async with api_without_worker(settings, env, clock) as api:
        # A real server moves a dead worker's cases to another after its sticky timeout; the
        # test server never does, so this worker keeps no sticky cache.
        async with build_worker(env.client, settings.task_queue, max_cached_workflows=0):
            case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
            await clock.advance_to(at("2026-12-07T12:00:00+08:00"))
            state = await settled(clock, api, "hubei-applicant", case)
            assert "reminded" in kinds(state)
            # At rest: no activity in flight, the projection has caught up.
            session.expire_all()
            record = session.get(CaseRecord, case["case_id"])
            assert record is not None
            assert record.state["events"][-1]["kind"] in ("stage_entered", "reminded")
        # The worker dies on the last day. The deemed-consent timer is due at 24:00 on the
        # case clock, which started with the workflow, a moment after the receipt: the
        # server's clock is moved to just past the timer itself, which then fires with
        # nobody to run the case (the test server then stops skipping: the last second
        # passes in real time).
        handle = env.client.get_workflow_handle(case["case_id"])
        *_, timer = (
            e
            for e in (await handle.fetch_history()).events
            if e.event_type == EventType.EVENT_TYPE_TIMER_STARTED
        )
        fires_at = timer.event_time.ToDatetime(UTC) + (
            timer.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta()
        )
        await clock.advance(fires_at - await env.get_current_time() + timedelta(seconds=1))
        assert clock() >= at("2026-12-08T00:00:00+08:00")
        events = (await handle.fetch_history()).events
        [fired] = [
            e for e in events if e.timer_fired_event_attributes.started_event_id == timer.event_id
        ]
        after = events[fired.event_id :]
        assert EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED not in {e.event_type for e in after}
        assert grants(session, case["case_id"]) == []
        async with build_worker(env.client, settings.task_queue):
            state = await settled(clock, api, "hubei-applicant", case)
            assert state["outcome"]
            assert state["details"]["granted_by"] == "deemed_consent"
            assert len(grants(session, case["case_id"])) == 1
            await clock.advance(timedelta(seconds=1))
    await terminate_cases(env, settings)


@both_databases
async def test_concurrent_retries_with_one_idempotency_key_make_one_case(api, session):
    headers = {**auth("hubei-applicant"), "Idempotency-Key": "double-click"}
    responses = await asyncio.gather(
        *(api.post("/api/v1/cases", json=APPLICATION, headers=headers) for _ in range(4))
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["case_id"] for r in responses}) == 1
    assert len(session.exec(select(CaseSubmission)).all()) == 1


async def test_a_started_workflow_is_known_as_its_own_submissions_case_and_no_others(
    api, env, session
):
    # What a request asks when its start finds the workflow there: a concurrent retry with its
    # Idempotency-Key started this very submission (its case), or another took the number.
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    [submission] = session.exec(select(CaseSubmission)).all()
    start = adapter(SharingApplicationInput).validate_python(submission.start)
    assert await register.started_with(env.client, case["case_id"], start)
    other = replace(start, received_at=start.received_at - timedelta(days=400))
    assert not await register.started_with(env.client, case["case_id"], other)
    assert not await register.started_with(env.client, "sharing-application/none", start)


async def test_an_invalid_field_is_named_in_chinese(api):
    response = await api.post(
        "/api/v1/cases", json={**APPLICATION, "fields": "姓名"}, headers=auth("hubei-applicant")
    )
    assert response.status_code == 422
    assert response.json()["message"] == "请求内容无效：申请字段（fields）：应为列表"


async def test_a_submission_while_no_worker_runs_is_received_listed_and_goes_on_later(
    settings, env, world, clock, session
):
    settings.first_stage_wait = 1.0

    async with api_without_worker(settings, env, clock) as api:
        with asyncio_logs() as logged:
            case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
            gc.collect()
        # The wait that ran out is answered, not logged again as an unread failure.
        assert logged == []
        assert (case["status"], case["stage"]) == ("open", "received")
        listed = await api.get("/api/v1/cases", headers=auth("hubei-applicant"))
        assert [c["case_id"] for c in listed.json()["items"]] == [case["case_id"]]
        async with build_worker(env.client, settings.task_queue):
            state = await settled(clock, api, "hubei-provider", case)
            assert state["stage"] == "provider_review"
            # 809 第二十一条 (since 2025-08-01): the provider may also ask to extend.
            assert state["actions"] == [
                "approve",
                "reject",
                "request_extension",
                "request_supplement",
            ]
    await terminate_cases(env, settings)
