"""A case believes only the platform: an update that reaches it straight through Temporal,
without the API's signature or with one that does not fit, is refused and changes nothing;
so is one that arrives after the API stopped waiting, or after its stage's limit ran out."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from shixian.settings import Settings
from tests.cases import at, kinds, signed, submit, view
from workflows import trust
from workflows.common import ActionInput, Actor, Role
from workflows.sharing_application import SharingApplicationWorkflow


async def _refusal(env: Any, case: dict[str, Any], request: ActionInput) -> ApplicationError:
    handle = env.client.get_workflow_handle(case["case_id"])
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(SharingApplicationWorkflow.actions()["reject"], request)
    assert isinstance(refused.value.cause, ApplicationError)
    return refused.value.cause


def _provider(world: Any) -> Actor:
    return Actor(world.user_ids["hubei-provider"], Role.CASEWORKER, "", "hubei-police")


def _refused_by_provider(
    settings: Settings, world: Any, case: dict[str, Any], reason: str, received_at: datetime
) -> ActionInput:
    """The provider's refusal as the API sends it, received at `received_at`."""
    return signed(
        settings,
        case["case_id"],
        "reject",
        ActionInput(actor=_provider(world), reason=reason),
        received_at,
    )


async def test_whoever_reaches_temporal_cannot_act_as_someone_else(
    api, env, world, settings, clock
):
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    refusal = ActionInput(actor=_provider(world), reason="伪造的拒绝")
    good = signed(settings, case["case_id"], "reject", refusal, clock())
    tries = {
        "unsigned": refusal,
        "another key": replace(
            refusal,
            assertion=trust.sign(
                b"not-the-platforms-key",
                case["case_id"],
                "reject",
                refusal.actor,
                clock(),
                clock() + timedelta(seconds=5),
                refusal.payload(),
            ),
        ),
        "the reason changed after signing": replace(good, reason="另一个理由"),
        "another actor under the signature": replace(
            good, actor=replace(refusal.actor, user_id=world.user_ids["hubei-applicant"])
        ),
        "signed for another case": signed(
            settings, "sharing-application/HB419-2026-999999", "reject", refusal, clock()
        ),
        "signed for another action": signed(settings, case["case_id"], "approve", refusal, clock()),
    }
    for what, request in tries.items():
        cause = await _refusal(env, case, request)
        assert cause.type == "unsigned", what
        assert "签名" in cause.message, what

    state = await view(api, "hubei-provider", case)
    assert state["stage"] == "provider_review"
    assert "reject" not in kinds(state)


async def test_through_the_api_a_forged_actor_is_impossible_and_the_signed_action_counts(
    api, env, world, settings, clock
):
    """The API signs what the authenticated caller asked: the same refusal, sent by the
    provider through the API, is accepted."""
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    response = await api.post(
        f"/api/v1/cases/{case['case_id']}/actions/reject",
        json={"reason": "涉及个人隐私"},
        headers={"Authorization": "Bearer hubei-provider-token"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["stage"] == "refused"


async def test_an_update_that_arrives_after_the_api_stopped_waiting_is_refused(
    api, env, world, settings, clock
):
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    late = _refused_by_provider(
        settings,
        world,
        case,
        "理由",
        clock() - timedelta(seconds=settings.action_accept_seconds + 60),
    )
    cause = await _refusal(env, case, late)
    assert cause.type == "stale"
    assert "未受理" in cause.message
    assert (await view(api, "hubei-provider", case))["stage"] == "provider_review"


async def test_an_action_received_after_its_stage_ran_out_is_refused_however_early_it_arrives(
    api, env, world, settings, clock
):
    """The provider's 10 working days end at 24:00 on 7 December: an action the platform
    received after that is refused, even while the case has not yet come to the timer."""
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    after = at("2026-12-08T00:00:01+08:00")
    request = _refused_by_provider(settings, world, case, "理由", after)
    cause = await _refusal(env, case, request)
    assert cause.type == "wrong_stage"
    assert "已届满" in cause.message
    state = await view(api, "hubei-provider", case)
    assert state["stage"] == "provider_review"
    assert "reject" not in kinds(state)


async def test_a_period_after_a_decision_counts_from_its_receipt_not_from_when_it_was_applied(
    api, env, world, settings, clock
):
    """A refusal the platform received at 23:59:58 on Tuesday 24 November reaches the case
    after midnight (a worker took it up late): the applicant's 10 working days to ask for
    coordination count from Tuesday, and the refusal is recorded at its receipt."""
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    await clock.advance_to(at("2026-11-25T00:00:02+08:00"))
    received = at("2026-11-24T23:59:58+08:00")
    request = _refused_by_provider(settings, world, case, "涉及个人隐私", received)
    handle = env.client.get_workflow_handle(case["case_id"])
    await handle.execute_update(SharingApplicationWorkflow.actions()["reject"], request)
    state = await view(api, "hubei-applicant", case)
    assert state["stage"] == "refused"
    [refusal] = [e for e in state["events"] if e["kind"] == "reject"]
    assert at(refusal["at"]) == received
    assert at(state["deadline"]["counted_from"]) == received
    # Ten working days after Tuesday 24 November: Tuesday 8 December (from Wednesday it
    # would be the 9th).
    assert state["deadline"]["last_day"] == "2026-12-08"
