"""Submission is atomic from the user's view: a number is a case whose workflow started, or is
voided with its reason and shown to operators; never a number without either."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlmodel import col, select
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.app import create_app
from models import CaseRecord, CaseSubmission
from service import register
from service.cases import restart
from service.platform import Platform
from tests.cases import APPLICATION, settled, submit
from tests.conftest import auth, terminate_cases


def _unavailable() -> RPCError:
    return RPCError("connection refused", RPCStatusCode.UNAVAILABLE, b"")


class Refusing:
    """Temporal, as an API process sees it when it cannot start workflows; with `blind`, it
    cannot describe them either (so nobody can tell whether one started)."""

    def __init__(self, client: Any, *, blind: bool = False) -> None:
        self.client, self.blind = client, blind

    async def execute_update_with_start_workflow(self, *args: Any, **kwargs: Any) -> Any:
        raise _unavailable()

    async def start_workflow(self, *args: Any, **kwargs: Any) -> Any:
        raise _unavailable()

    def get_workflow_handle(self, workflow_id: str) -> Any:
        if self.blind:
            return Blind()
        return self.client.get_workflow_handle(workflow_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


class Failing(Refusing):
    """Temporal, where the case's workflow failed before its first stage: its `settle` update
    fails (the workflow never started here, so Temporal then says there is no such case)."""

    async def execute_update_with_start_workflow(self, *args: Any, **kwargs: Any) -> Any:
        raise WorkflowUpdateFailedError(ApplicationError("workflow failed", type="Boom"))


class Blind:
    async def describe(self, **kwargs: Any) -> Any:
        raise _unavailable()


def _api_on(settings, clock, temporal: Any) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    """Another API process, on the same (migrated) database, reaching Temporal as given."""

    async def connect() -> Any:
        return temporal

    app = create_app(settings, temporal=connect, clock=clock)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_a_submission_temporal_refuses_is_voided_with_its_reason_and_shown_to_operators(
    api, env, settings, clock, session
):
    first = await submit(api, "hubei-applicant", **APPLICATION)
    async with _api_on(settings, clock, Refusing(env.client)) as refusing:
        refused = await refusing.post(
            "/api/v1/cases", json=APPLICATION, headers=auth("hubei-applicant")
        )
    assert refused.status_code == 503
    assert refused.json()["recorded"] is False
    assert "申请未受理" in refused.json()["message"]
    after = await submit(api, "hubei-applicant", **APPLICATION)

    number = int(first["case_number"].rsplit("-", 1)[1])
    voided_id = f"sharing-application/HB419-2026-{number + 1:06d}"
    assert after["case_number"] == f"HB419-2026-{number + 2:06d}"
    assert f"编号 HB419-2026-{number + 1:06d} 已作废" in refused.json()["message"]
    session.expire_all()
    assert session.get(CaseRecord, voided_id) is None  # in no list: it is not a case
    listed = await api.get("/api/v1/cases", headers=auth("hubei-applicant"))
    assert voided_id not in [c["case_id"] for c in listed.json()["items"]]

    register_ = await api.get("/api/v1/cases/voided", headers=auth("auditor"))
    assert register_.status_code == 200
    [voided] = register_.json()
    assert voided["case_id"] == voided_id
    assert "工作流服务拒绝或无法启动" in voided["reason"]
    assert (
        await api.get("/api/v1/cases/voided", headers=auth("hubei-applicant"))
    ).status_code == 403
    shown = await api.get(f"/api/v1/cases/{voided_id}", headers=auth("hubei-applicant"))
    assert (shown.status_code, shown.json()["code"]) == (404, "case_voided")


async def test_a_submission_whose_first_stage_failed_is_answered_not_accepted_never_500(
    api, env, settings, clock
):
    async with _api_on(settings, clock, Failing(env.client)) as failing:
        answer = await failing.post(
            "/api/v1/cases", json=APPLICATION, headers=auth("hubei-applicant")
        )
    assert answer.status_code == 503, answer.text
    assert answer.json()["recorded"] is False and "申请未受理" in answer.json()["message"]


async def test_a_registered_submission_is_started_by_its_retry_as_of_its_first_receipt(
    api, env, settings, clock, session
):
    headers = {**auth("hubei-applicant"), "Idempotency-Key": "form-42"}
    async with _api_on(settings, clock, Refusing(env.client)) as refusing:
        refused = await refusing.post("/api/v1/cases", json=APPLICATION, headers=headers)
    assert refused.status_code == 503
    assert refused.json()["recorded"] is True
    assert "申请已登记" in refused.json()["message"]
    [submission] = session.exec(select(CaseSubmission)).all()
    assert (submission.started_at, submission.voided_at) == (None, None)

    await clock.advance(timedelta(hours=2))
    again = await api.post("/api/v1/cases", json=APPLICATION, headers=headers)
    assert again.status_code == 201, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["case_id"] == submission.case_id
    assert again.json()["received_at"] == refused_received(submission)
    state = await settled(clock, api, "hubei-applicant", again.json())
    assert state["stage"] == "provider_review"
    session.expire_all()
    assert session.get(CaseSubmission, submission.id).started_at is not None  # type: ignore[union-attr]


def refused_received(submission: CaseSubmission) -> str:
    from datetime import datetime

    from calendars import BEIJING

    received = datetime.fromisoformat(submission.start["received_at"])
    return received.astimezone(BEIJING).isoformat()


async def test_the_sweeper_starts_or_voids_what_an_interrupted_submission_left(
    api, env, settings, clock, session
):
    """Submissions whose start nobody could confirm (Temporal out of reach, the API process
    gone): minutes later, the sweeper starts the one the submitter was told is registered
    (it has an Idempotency-Key) and voids the other, saying why."""
    async with _api_on(settings, clock, Refusing(env.client, blind=True)) as refusing:
        keyed = await refusing.post(
            "/api/v1/cases",
            json=APPLICATION,
            headers={**auth("hubei-applicant"), "Idempotency-Key": "k"},
        )
        unkeyed = await refusing.post(
            "/api/v1/cases", json=APPLICATION, headers=auth("hubei-applicant")
        )
    assert (keyed.status_code, unkeyed.status_code) == (503, 503)
    assert "未能确认" in unkeyed.json()["message"]
    assert "recorded" not in unkeyed.json()
    kept, unsure = session.exec(select(CaseSubmission).order_by(col(CaseSubmission.id))).all()

    platform = Platform.using(settings, env.client, clock)

    async def start(temporal: Any, submission: CaseSubmission) -> None:
        await restart(temporal, submission, settings.task_queue)

    assert await register.sweep(platform, start) == register.Swept()  # too recent to judge
    await clock.advance(register.SWEEP_AFTER + timedelta(minutes=1))
    assert await register.sweep(platform, start) == register.Swept(started=1, voided=1)
    assert await register.sweep(platform, start) == register.Swept()  # settled for good

    session.expire_all()
    kept, unsure = session.get(CaseSubmission, kept.id), session.get(CaseSubmission, unsure.id)
    assert kept is not None and unsure is not None
    assert kept.started_at is not None and kept.voided_at is None
    assert unsure.voided_at is not None and unsure.void_reason == register.INTERRUPTED
    state = await settled(clock, api, "hubei-provider", {"case_id": kept.case_id})
    assert state["stage"] == "provider_review"
    await terminate_cases(env, settings)


async def test_a_submission_answered_with_its_first_stage_is_marked_started_by_its_case(
    api, env, settings, clock, session
):
    """The case's first record marks its submission started, before the submitter's answer:
    the sweeper finds nothing to confirm, however long after."""
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    assert case["stage"] == "provider_review"
    [submission] = session.exec(select(CaseSubmission)).all()
    assert submission.started_at is not None and submission.voided_at is None
    listed = session.get(CaseRecord, case["case_id"])
    assert listed is not None and listed.revision >= 1  # the workflow's record, not the listing

    platform = Platform.using(settings, env.client, clock)

    async def start(temporal: Any, submission: CaseSubmission) -> None:
        raise AssertionError(f"{submission.case_id} started twice")

    await clock.advance(register.SWEEP_AFTER + timedelta(minutes=1))
    assert await register.sweep(platform, start) == register.Swept()
    await terminate_cases(env, settings)
