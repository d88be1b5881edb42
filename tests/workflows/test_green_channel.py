"""Green channel (绿色通道) and dynamic scheduling (动态调度) under dongying 第二十三条, through
the API on the time-skipping server.

Dongying's instrument ended on 2026-11-20, so its cases are received before that. A demand
approved on Wednesday 2026-09-30 runs across National Day (1–7 October, Saturday 10 October a
working day): the 1 working day ends at 24:00 of 8 October, the 5 at 24:00 of 13 October.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.cases import act, at, done, green_channel_demand, kinds, post_case, settled, submit, view
from tests.conftest import auth
from tests.histories import keep_history
from tests.records import grants, notices, notices_to, recipients, resource

DY23 = "《东营市公共数据管理办法》第二十三条"
SUCCESSOR = Path(__file__).parent.parent / "fixtures" / "dongying-successor.yaml"


def demand(**body: Any) -> dict[str, Any]:
    return green_channel_demand(fields=["姓名", "身份证号", "行程"], **body)


async def file(api: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    return await submit(api, "dongying-applicant", **demand(**body))


async def approved(api, clock) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    await clock.set(at("2026-09-30T10:00:00+08:00"))
    case = await file(api)
    assert case["stage"] == "green_review"
    assert case["deadline"]["basis"] == "target"
    assert (await act(api, "dongying-provider", case, "approve")).status_code == 403
    state = await done(api, "dongying-supervisor", case, "approve")
    assert state["stage"] == "feedback"
    return case


async def test_approved_demand_is_answered_and_delivered_across_national_day(
    api, clock, session, env
):
    case = await approved(api, clock)
    state = await view(api, "dongying-provider", case)
    assert state["deadline"]["due"] == "2026-10-09T00:00:00+08:00"  # 1 WD: 8 October
    assert state["deadline"]["cite"] == DY23
    assert sorted(state["actions"]) == ["confirm", "decline", "deliver"]

    await clock.advance_to(at("2026-10-08T23:59:59+08:00"))
    assert not (await view(api, "dongying-supervisor", case))["overdue"]
    await clock.advance(timedelta(seconds=2))
    state = await settled(clock, api, "dongying-supervisor", case)
    assert state["overdue"]
    told = recipients(notices(session, case["case_id"], "overdue"))
    assert told == {"dongying-police", "dongying-bigdata"}
    # Still waiting: the next limit is the availability, 5 WD from the approval.
    assert state["deadline"]["due"] == "2026-10-14T00:00:00+08:00"

    state = await done(api, "dongying-provider", case, "confirm")
    assert state["stage"] == "delivery"
    assert state["deadline"]["due"] == "2026-10-14T00:00:00+08:00"  # 8, 9, Sat 10, 12, 13 Oct
    answer = next(e for e in state["events"] if e["kind"] == "confirm")
    assert answer["limit"]["on_time"] is False

    assert (await act(api, "dongying-provider", case, "deliver", decision="x")).status_code == 422
    state = await done(
        api, "dongying-provider", case, "deliver", decision="unconditional", legal_basis="依申请"
    )
    assert (state["status"], state["outcome"]) == ("closed", "delivered")
    delivered = resource(session, f"R-{case['case_number']}")
    assert delivered is not None
    assert (delivered.name, delivered.provider_id) == ("密切接触者行程数据", "dongying-police")
    assert delivered.share_type == "unconditional" and delivered.created_by_case == case["case_id"]
    [grant] = grants(session, case["case_id"])
    assert (grant.applicant_department_id, grant.resource_id) == ("dongying-civil", delivered.id)
    assert (grant.granted_by, grant.cite, grant.stage) == ("provider", DY23, "delivery")
    assert recipients(notices(session, case["case_id"], "delivered")) >= {"dongying-civil"}
    timeline = await api.get(
        f"/api/v1/cases/{case['case_id']}/timeline", headers=auth("dongying-supervisor")
    )
    assert timeline.status_code == 200 and DY23 in timeline.text
    await keep_history(env.client, case, "dongying-green-delivered")


async def test_delivery_missing_five_working_days_is_overdue_not_deemed(api, clock, session):
    await clock.set(at("2026-09-30T10:00:00+08:00"))
    case = await file(api, resource_id="dongying-hukou", data_name="")
    assert case["details"]["data_name"] == "户籍人口基本信息"
    await done(api, "dongying-supervisor", case, "approve")
    await done(api, "dongying-provider", case, "confirm")

    await clock.advance_to(at("2026-10-13T23:59:59+08:00"))
    assert not (await view(api, "dongying-supervisor", case))["overdue"]
    await clock.advance(timedelta(seconds=2))
    state = await settled(clock, api, "dongying-supervisor", case)
    assert state["overdue"]
    assert state["status"] == "open" and state["stage"] == "delivery"
    assert notices(session, case["case_id"], "overdue")
    assert grants(session, case["case_id"]) == []

    before = resource(session, "dongying-hukou")
    assert before is not None
    version = before.version
    state = await done(api, "dongying-provider", case, "deliver")
    assert state["outcome"] == "delivered" and state["details"]["resource_id"] == "dongying-hukou"
    after = resource(session, "dongying-hukou")
    assert after is not None and after.version == version + 1
    assert case["case_number"] in after.status_reason
    [grant] = grants(session, case["case_id"])
    assert grant.resource_id == "dongying-hukou"


async def test_provider_that_cannot_deliver_gives_reasons_and_the_case_closes(
    api, clock, session, env
):
    case = await approved(api, clock)
    assert (await act(api, "dongying-provider", case, "decline")).status_code == 422
    state = await done(api, "dongying-provider", case, "decline", reason="该数据由省级系统管理")
    assert (state["status"], state["outcome"]) == ("closed", "unavailable")
    [told] = notices_to(session, case["case_id"], "provider_answered", "dongying-civil")
    assert "该数据由省级系统管理" in told.body
    assert grants(session, case["case_id"]) == []
    await keep_history(env.client, case, "dongying-green-unavailable")


async def test_the_demanding_department_withdraws_before_delivery(api, clock, session, env):
    case = await approved(api, clock)
    state = await done(api, "dongying-provider", case, "confirm")
    assert "withdraw" not in state["actions"]  # the provider's view
    assert (await act(api, "dongying-provider", case, "withdraw", reason="x")).status_code == 403
    assert (await act(api, "dongying-applicant", case, "withdraw")).status_code == 422
    state = await done(api, "dongying-applicant", case, "withdraw", reason="疫情已解除，不再需要")
    assert (state["status"], state["outcome"]) == ("closed", "withdrawn")
    [told] = notices_to(session, case["case_id"], "demand_withdrawn", "dongying-police")
    assert "疫情已解除" in told.body
    assert grants(session, case["case_id"]) == []
    await keep_history(env.client, case, "dongying-green-withdrawn")


async def test_refused_green_channel_closes_with_reasons(api, clock, session, env):
    await clock.set(at("2026-09-30T10:00:00+08:00"))
    case = await file(api)
    assert (
        await act(api, "dongying-supervisor", case, "refuse", decision="close")
    ).status_code == 422
    refused = await act(api, "dongying-supervisor", case, "refuse", reason="不属于紧急事项")
    assert refused.status_code == 422  # close or ordinary must be said
    state = await done(
        api, "dongying-supervisor", case, "refuse", reason="不属于紧急事项", decision="close"
    )
    assert (state["status"], state["outcome"]) == ("closed", "refused")
    [told] = notices_to(session, case["case_id"], "green_channel_decided", "dongying-civil")
    assert "未批准" in told.title and "不属于紧急事项" in told.body
    await keep_history(env.client, case, "dongying-green-refused")


async def test_refused_demand_goes_ordinary_from_the_decision_and_runs_past_the_end(
    api, clock, session, env
):
    await clock.set(at("2026-11-16T10:00:00+08:00"))
    case = await file(api)
    await clock.advance_to(at("2026-11-17T10:00:00+08:00"))
    state = await done(
        api, "dongying-supervisor", case, "refuse", reason="按动态调度办理", decision="ordinary"
    )
    assert (state["stage"], state["details"]["track"]) == ("feedback", "ordinary")
    # 3 WD from the routing decision on 17 November: 18, 19, 20 November.
    assert state["deadline"]["due"] == "2026-11-21T00:00:00+08:00"
    await clock.advance_to(at("2026-11-20T16:00:00+08:00"))
    state = await done(api, "dongying-provider", case, "confirm")
    # 20 WD from the same decision: to 24:00 of 15 December.
    assert state["deadline"]["due"] == "2026-12-16T00:00:00+08:00"

    # The instrument has ended: the running case goes on, a new demand is refused.
    await clock.advance_to(at("2026-11-24T10:00:00+08:00"))
    late = await post_case(api, "dongying-applicant", **demand())
    assert late.status_code == 422 and late.json()["code"] == "ruleset_not_in_force"
    assert "2026年11月20日" in late.json()["message"]
    state = await done(api, "dongying-provider", case, "deliver")
    assert (state["outcome"], state["ruleset"]) == ("delivered", "dongying-2021-26")
    delivery = next(e for e in state["events"] if e["kind"] == "deliver")
    assert delivery["limit"]["on_time"] is True
    assert grants(session, case["case_id"])[0].resource_id == f"R-{case['case_number']}"
    assert kinds(state)[-1] == "closed"
    await keep_history(env.client, case, "dongying-green-ordinary-after-end")


async def test_ordinary_demand_counts_from_receipt_and_green_needs_grounds(api, clock):
    await clock.set(at("2026-11-16T10:00:00+08:00"))
    no_grounds = await post_case(api, "dongying-applicant", **demand(justification=""))
    assert no_grounds.status_code == 422 and no_grounds.json()["code"] == "green_channel_grounds"
    own = await post_case(api, "dongying-applicant", **demand(provider_id="dongying-civil"))
    assert own.status_code == 422
    case = await file(api, track="ordinary", grounds=None, justification="")
    assert case["stage"] == "feedback"
    assert case["deadline"]["due"] == "2026-11-20T00:00:00+08:00"  # 17, 18, 19 November


async def test_a_successor_ruleset_uploaded_by_the_operator_enables_the_green_channel(
    api, clock, session
):
    refused = await post_case(api, "dongying-applicant", **demand())
    assert refused.status_code == 422 and refused.json()["code"] == "ruleset_not_in_force"

    uploaded = await api.post(
        "/api/v1/rulesets",
        content=SUCCESSOR.read_bytes(),
        headers={**auth("admin"), "Content-Type": "application/yaml"},
    )
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["processes"] == ["green_channel"]

    case = await file(api)  # Monday 2026-11-23
    assert case["ruleset"] == "dongying-successor-test"
    assert case["case_number"].startswith("DYT-2026-")
    state = await done(api, "dongying-supervisor", case, "approve")
    assert state["deadline"]["due"] == "2026-11-26T00:00:00+08:00"  # the fixture's 2 WD
    assert state["deadline"]["cite"].startswith("《东营市公共数据管理办法（接续规则集，测试用）》")
    state = await done(api, "dongying-provider", case, "confirm")
    assert state["deadline"]["due"] == "2026-12-03T00:00:00+08:00"  # its 7 WD
