"""Sharing applications under 河北省政务数据共享应用管理办法 第十五条: three stages, each counted
from the step before it, here running through Spring Festival 2026 (2026-02-15..23 off; the
Saturdays 2026-02-14 and 2026-02-28 are working days)."""

from __future__ import annotations

from tests.cases import act, at, done, submit, view
from tests.histories import keep_history
from tests.records import grants, notices, notices_to, recipients

HEBEI_15 = "《河北省政务数据共享应用管理办法》第十五条"


async def test_conditional_application_runs_through_spring_festival(api, clock, session, env):
    await clock.set(at("2026-02-10T10:00:00+08:00"))  # Tuesday
    case = await submit(api, "hebei-applicant", resource_id="hebei-hukou", fields=["姓名"])
    assert case["stage"] == "review"
    # Review within 3 working days of receipt: Wed 11, Thu 12, Fri 13.
    assert case["deadline"]["due"] == "2026-02-14T00:00:00+08:00"
    assert case["deadline"]["cite"] == HEBEI_15
    # 809 第二十一条第二款 (since 2025-08-01): an incomplete application is supplemented.
    assert (await view(api, "hebei-supervisor", case))["actions"] == [
        "accept",
        "decline",
        "request_supplement",
    ]

    await clock.advance_to(at("2026-02-13T15:00:00+08:00"))
    state = await done(api, "hebei-supervisor", case, "accept")
    # Provider within 5: Sat 14 (adjusted working day), then the festival, Tue 24 .. Fri 27.
    assert state["stage"] == "provider_review"
    assert state["deadline"]["last_day"] == "2026-02-27"
    assert state["deadline"]["working_days_left"] == 5
    assert [n.recipient_department_id for n in notices(session, case["case_id"], "forwarded")] == [
        "hebei-police"
    ]

    await clock.advance_to(at("2026-02-27T16:00:00+08:00"))
    state = await done(api, "hebei-provider", case, "approve")
    # Authority provides within 3 of the reply: Sat 28 (adjusted), Mon 2, Tue 3 March.
    assert state["stage"] == "authority_provide"
    assert state["deadline"]["last_day"] == "2026-03-03"
    assert state["deadline"]["notices"] == ["国办发明电〔2025〕7号"]

    state = await done(api, "hebei-supervisor", case, "provide")
    assert (state["outcome"], state["details"]["granted_by"]) == ("granted", "authority")
    [grant] = grants(session, case["case_id"])
    assert grant.granted_by == "authority"
    await keep_history(env.client, case, "hebei-spring-festival")


async def test_unconditional_data_is_provided_by_the_authority_within_three_days(api, session):
    case = await submit(api, "hebei-applicant", resource_id="hebei-org", fields=["机构名称"])
    assert case["stage"] == "authority_provide"
    assert case["deadline"]["last_day"] == "2026-11-26"
    state = await done(api, "hebei-supervisor", case, "provide")
    assert state["details"]["granted_by"] == "authority"
    assert len(grants(session, case["case_id"])) == 1


async def test_refusal_must_rest_on_law_and_an_objection_is_decided_by_the_authority(
    api, session, env
):
    case = await submit(api, "hebei-applicant", resource_id="hebei-hukou", fields=["姓名"])
    await done(api, "hebei-supervisor", case, "accept")
    without_law = await act(api, "hebei-provider", case, "reject", reason="数据敏感")
    assert without_law.status_code == 422
    assert "第十四条" in without_law.json()["message"]

    state = await done(
        api,
        "hebei-provider",
        case,
        "reject",
        reason="涉及国家秘密",
        legal_basis="《中华人民共和国保守国家秘密法》第二十八条",
    )
    assert state["stage"] == "refused"
    # 809 第二十八条: negotiation first; the provider may record that it failed.
    state = await done(api, "hebei-applicant", case, "request_negotiation", reason="有异议")
    assert state["stage"] == "negotiation"
    state = await done(
        api, "hebei-provider", case, "record_negotiation", decision="failed", reason="法律禁止"
    )
    assert state["stage"] == "negotiation_failed"
    state = await done(api, "hebei-applicant", case, "request_coordination", reason="有异议")
    assert state["stage"] == "coordination"
    assert state["deadline"]["cite"] == "运营目标（第二十八条未规定时限）：主管部门协调处理"
    uphold_without_reason = await act(api, "hebei-supervisor", case, "decide", decision="uphold")
    assert uphold_without_reason.status_code == 422
    state = await done(
        api, "hebei-supervisor", case, "decide", decision="uphold", reason="拒绝理由于法有据"
    )
    assert (state["status"], state["outcome"]) == ("closed", "refused")
    assert grants(session, case["case_id"]) == []
    decided = notices(session, case["case_id"], "coordination_decided")
    assert recipients(decided) == {"hebei-hrss", "hebei-police"}
    # hebei-refusal-upheld.json keeps the single step recorded before 809's ladder.
    await keep_history(env.client, case, "hebei-negotiation-failed-upheld")


async def test_review_that_declines_closes_the_case_with_its_reasons(api, session):
    case = await submit(api, "hebei-applicant", resource_id="hebei-hukou", fields=["姓名"])
    state = await done(api, "hebei-supervisor", case, "decline", reason="未说明应用场景依据")
    assert state["outcome"] == "declined"
    [notice] = notices_to(session, case["case_id"], "declined", "hebei-hrss")
    assert "未说明应用场景依据" in notice.body
