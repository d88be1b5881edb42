"""Helpers for case tests: submit and act through the API, and settle cases.

What a case leaves in the database is read with tests/records.py; attachments are made with
tests/attachments.py; histories are kept for the replay suite with tests/histories.py."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

import httpx
from sqlmodel import Session, select
from temporalio.client import WorkflowExecutionStatus, WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError

from activities.projection import StepRecord
from models import CaseSubmission
from shixian.settings import Settings
from tests.conftest import TestClock, auth
from workflows import trust
from workflows.case import CaseWorkflow, SettleInput
from workflows.common import CaseState

Signable = TypeVar("Signable")


# A conditional application whole, for the tests that send it as it is.
APPLICATION = {
    "process": "sharing_application",
    "resource_id": "hubei-hukou",
    "purpose": "核验",
    "scenario": "低保审核",
    "fields": ["姓名"],
}


def submission(**body: Any) -> dict[str, Any]:
    """A submission's body: a sharing application unless said, with a purpose and scenario."""
    body.setdefault("process", "sharing_application")
    if body["process"] in ("sharing_application", "green_channel"):
        body.setdefault("purpose", "核验救助对象户籍信息")
        body.setdefault("scenario", "最低生活保障审核")
    return body


async def post_case(api: httpx.AsyncClient, key: str, **body: Any) -> httpx.Response:
    """A submission, however the API answers it."""
    return await api.post("/api/v1/cases", json=submission(**body), headers=auth(key))


async def submit(api: httpx.AsyncClient, key: str, **body: Any) -> dict[str, Any]:
    response = await post_case(api, key, **body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def green_channel_demand(**body: Any) -> dict[str, Any]:
    """Dongying's green-channel demand (dongying 第二十三条) for contact-tracing data in an
    outbreak, as the applicant files it unless `body` says otherwise."""
    return {
        "process": "green_channel",
        "provider_id": "dongying-police",
        "data_name": "密切接触者行程数据",
        "purpose": "突发疫情流行病学调查",
        "scenario": "密接人员排查",
        "grounds": "public_emergency",
        "justification": "本市发生聚集性疫情，须当日完成密接排查。",
        **body,
    }


async def act(
    api: httpx.AsyncClient, key: str, case: dict[str, Any], action: str, **body: Any
) -> httpx.Response:
    return await api.post(
        f"/api/v1/cases/{case['case_id']}/actions/{action}", json=body, headers=auth(key)
    )


async def done(
    api: httpx.AsyncClient, key: str, case: dict[str, Any], action: str, **body: Any
) -> dict[str, Any]:
    response = await act(api, key, case, action, **body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def view(api: httpx.AsyncClient, key: str, case: dict[str, Any]) -> dict[str, Any]:
    response = await api.get(f"/api/v1/cases/{case['case_id']}", headers=auth(key))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def kinds(case: dict[str, Any]) -> list[str]:
    return [event["kind"] for event in case["events"]]


async def settle(clock: TestClock, case_id: str) -> None:
    """Wait until the case's workflow has done everything it does without an action or a later
    moment than the clock's: every effect of what happened so far (the timers a clock advance
    fired included) is done, its notices sent and its projection recorded. An event, not a
    poll: the update returns once the main loop is idle. A closed case takes no updates, and
    has nothing left to do: its view query answers for good."""
    handle = clock.env.client.get_workflow_handle(case_id)
    try:
        # Bounded only so that a case that never comes to rest fails instead of hanging.
        await asyncio.wait_for(
            handle.execute_update(CaseWorkflow.settle, SettleInput(at=clock())), timeout=120
        )
    except RPCError:
        if (await handle.describe()).status is WorkflowExecutionStatus.RUNNING:
            raise


async def settled(
    clock: TestClock, api: httpx.AsyncClient, key: str, case: dict[str, Any]
) -> dict[str, Any]:
    """The case as `key` sees it through the API, once settled."""
    await settle(clock, case["case_id"])
    return await view(api, key, case)


async def settle_all(clock: TestClock, session: Session) -> None:
    """Settle every case submitted so far, for views that read the projection of many."""
    session.expire_all()
    for case_id in session.exec(select(CaseSubmission.case_id)).all():
        await settle(clock, case_id)


def signed(
    settings: Settings, case_id: str, action: str, request: Signable, received_at: datetime
) -> Signable:
    """An action's input as the API sends it to the case: signed with the platform's key,
    received at `received_at` (service.cases.assertion)."""
    accept_by = received_at + timedelta(seconds=settings.action_accept_seconds)
    assertion = trust.sign(
        settings.action_keys[0],
        case_id,
        action,
        request.actor,  # type: ignore[attr-defined]
        received_at,
        accept_by,
        request.payload(),  # type: ignore[attr-defined]
    )
    return replace(request, assertion=assertion)  # type: ignore[type-var]


def projection_records(history: WorkflowHistory) -> list[CaseState]:
    """The states a case sent its projection, in order: `record_case`'s inputs, and the
    records `record_step` carried with a step's notices."""
    converter = pydantic_data_converter.payload_converter
    records: list[CaseState] = []
    for event in history.events:
        if not event.HasField("activity_task_scheduled_event_attributes"):
            continue
        scheduled = event.activity_task_scheduled_event_attributes
        payloads = list(scheduled.input.payloads)
        if scheduled.activity_type.name == "record_case":
            records.extend(converter.from_payloads(payloads, [CaseState]))
        elif scheduled.activity_type.name == "record_step":
            [step] = converter.from_payloads(payloads, [StepRecord])
            records.extend([step.state] if step.state is not None else [])
    return records
