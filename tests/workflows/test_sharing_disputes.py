"""The dispute ladder after a refusal, where 809 第二十八条 governs (cases received from
2025-08-01): negotiation, then the authority's coordination (across regions or levels the
common superior authority), then the decision of that authority's people's government. Cases
received before keep their instrument's single coordination step.

The clock starts on Monday 2026-11-23 09:00 Beijing (tests/conftest.py); ten working days
from then end at 24:00 of Monday 2026-12-07.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from tests.cases import act, at, done, kinds, settled, submit, view
from tests.conftest import auth, both_databases
from tests.histories import keep_history
from tests.records import grants, notices, notices_to, recipients

N809_28 = "《政务数据共享条例》第二十八条"
HUBEI_20 = "《湖北省政务数据资源应用与管理办法》第二十条"
DY23 = "《东营市公共数据管理办法》第二十三条"
HEBEI_15 = "《河北省政务数据共享应用管理办法》第十五条"


async def refused(
    api: httpx.AsyncClient, prefix: str, resource_id: str, applicant: str | None = None
) -> dict[str, Any]:
    """A conditional application of `prefix`'s applicant (or `applicant`), refused."""
    case = await submit(api, applicant or f"{prefix}-applicant", resource_id=resource_id)
    if case["stage"] == "review":  # Hebei's authority forwards first
        await done(api, f"{prefix}-supervisor", case, "accept")
    state = await done(
        api,
        f"{prefix}-provider",
        case,
        "reject",
        reason="涉及个人隐私",
        legal_basis="《中华人民共和国个人信息保护法》第十三条",
    )
    assert state["stage"] == "refused"
    return case


async def negotiation_failed(
    api: httpx.AsyncClient, prefix: str, case: dict[str, Any], applicant: str | None = None
) -> dict[str, Any]:
    applicant = applicant or f"{prefix}-applicant"
    await done(api, applicant, case, "request_negotiation", reason="履职必需")
    await done(
        api, f"{prefix}-provider", case, "record_negotiation", decision="failed", reason="不同意"
    )
    return await done(api, applicant, case, "request_coordination", reason="请主管部门协调")


async def first_rung_is(
    api: httpx.AsyncClient, case: dict[str, Any], rung: str, skipped: str, refusal: str
) -> None:
    """The refused Hubei applicant may take `rung` (or withdraw); `skipped`, the other rung, is
    answered 409 with `refusal`."""
    assert (await view(api, "hubei-applicant", case))["actions"] == [rung, "withdraw"]
    response = await act(api, "hubei-applicant", case, skipped, reason="x")
    assert response.status_code == 409
    assert response.json()["message"] == refusal


async def test_negotiation_comes_first_and_the_providers_agreement_grants(api, session, env):
    case = await refused(api, "hubei", "hubei-hukou")
    told = notices_to(session, case["case_id"], "rejected", "hubei-civil")
    assert "申请协商" in told[0].body and "第二十八条" in told[0].body
    await first_rung_is(
        api,
        case,
        "request_negotiation",
        skipped="request_coordination",
        refusal=f"争议应当先协商解决，协商不成的方可申请协调（{N809_28}）：请先申请协商。",
    )
    silent = await act(api, "hubei-applicant", case, "request_negotiation")
    assert silent.status_code == 422
    assert silent.json()["message"] == "申请协商，须说明对不予共享意见的异议。"
    assert (await view(api, "hubei-applicant", case))["stage"] == "refused"

    state = await done(api, "hubei-applicant", case, "request_negotiation", reason="履职必需")
    assert state["stage"] == "negotiation"
    deadline = state["deadline"]
    assert (deadline["basis"], deadline["on_timeout"], deadline["working_days"]) == (
        "target",
        "deemed_failed",
        10,
    )
    assert deadline["cite"] == "运营目标（第二十八条未规定时限）：需求部门与提供部门协商"
    [asked] = notices(session, case["case_id"], "negotiation_requested")[:1]
    assert recipients(notices(session, case["case_id"], "negotiation_requested")) == {
        "hubei-civil",
        "hubei-police",
    }
    assert "履职必需" in asked.body
    # Both parties may record; only the provider's consent is an agreement.
    assert (await view(api, "hubei-provider", case))["actions"] == ["record_negotiation"]
    assert (await view(api, "hubei-applicant", case))["actions"] == [
        "record_negotiation",
        "withdraw",
    ]
    claimed = await act(api, "hubei-applicant", case, "record_negotiation", decision="agreed")
    assert claimed.status_code == 403
    assert claimed.json()["message"] == "“协商一致，同意共享”只能由本案的数据提供部门经办人登记。"
    outsider = await act(api, "hubei-supervisor", case, "record_negotiation", decision="agreed")
    assert outsider.status_code == 403
    assert "申请部门或数据提供部门" in outsider.json()["message"]
    no_reason = await act(api, "hubei-provider", case, "record_negotiation", decision="failed")
    assert no_reason.status_code == 422
    assert no_reason.json()["message"] == "协商不成，必须说明理由。"
    state = await view(api, "hubei-applicant", case)
    assert state["stage"] == "negotiation" and "record_negotiation" not in kinds(state)
    assert grants(session, case["case_id"]) == []

    state = await done(
        api, "hubei-provider", case, "record_negotiation", decision="agreed", note="限定字段后同意"
    )
    assert (state["status"], state["outcome"]) == ("closed", "granted")
    assert state["details"]["granted_by"] == "provider"
    [grant] = grants(session, case["case_id"])
    assert (grant.granted_by, grant.cite) == ("provider", N809_28)
    recorded = notices(session, case["case_id"], "negotiation_recorded")
    assert recipients(recorded) == {"hubei-civil", "hubei-police"}
    assert "协商一致" in recorded[0].title
    timeline = await api.get(f"/api/v1/cases/{case['case_id']}/timeline", headers=auth("auditor"))
    assert timeline.status_code == 200
    for label in ("申请协商", "登记协商结果", "协商一致，同意共享"):
        assert label in timeline.text
    await keep_history(env.client, case, "hubei-negotiated-agreed")


async def test_a_negotiation_whose_target_passes_is_deemed_failed(api, clock, session, env):
    case = await refused(api, "hubei", "hubei-hukou")
    await done(api, "hubei-applicant", case, "request_negotiation", reason="履职必需")
    await clock.advance_to(at("2026-12-07T23:59:00+08:00"))
    state = await settled(clock, api, "hubei-applicant", case)
    assert state["stage"] == "negotiation"
    # The stage waits for the provider's answer: it is reminded when the last day begins.
    [reminder] = notices(session, case["case_id"], "reminder")
    assert reminder.recipient_department_id == "hubei-police"
    assert "视为协商不成" in reminder.body
    await clock.advance(timedelta(minutes=2))
    state = await settled(clock, api, "hubei-applicant", case)
    assert state["stage"] == "negotiation_failed"
    [lapsed] = [e for e in state["events"] if e["kind"] == "negotiation_deemed_failed"]
    assert lapsed["limit"]["on_time"] is False
    assert state["actions"] == ["request_coordination", "withdraw"]
    told = notices(session, case["case_id"], "negotiation_recorded")
    assert recipients(told) == {"hubei-civil", "hubei-police"}
    assert "视为协商不成" in told[0].body and "2026年12月7日24时" in told[0].body
    late = await act(api, "hubei-provider", case, "record_negotiation", decision="agreed")
    assert late.status_code == 409

    # The applicant lets it be: after the waiting target the refusal stands.
    await clock.advance(timedelta(days=20))
    state = await settled(clock, api, "hubei-applicant", case)
    assert (state["status"], state["outcome"]) == ("closed", "refused")
    assert grants(session, case["case_id"]) == []
    await keep_history(env.client, case, "hubei-negotiation-lapsed")


@both_databases
async def test_an_unresolved_coordination_goes_to_the_peoples_government(api, clock, session, env):
    await clock.set(at("2026-11-16T10:00:00+08:00"))  # Dongying's instrument still in force
    case = await refused(api, "dongying", "dongying-hukou")
    assert case["governed_by"] == ["dongying-2021-26", "national-809"]
    state = await negotiation_failed(api, "dongying", case)
    assert state["stage"] == "coordination"
    assert state["deadline"]["cite"] == "运营目标（第二十八条未规定时限）：主管部门协调处理"
    early = await act(
        api, "dongying-supervisor", case, "record_government_grant", note="x", decision="2026-11-16"
    )
    assert early.status_code == 409

    before = await view(api, "dongying-supervisor", case)
    bare = await act(api, "dongying-supervisor", case, "decide", decision="unresolved")
    assert bare.status_code == 422
    assert bare.json()["message"] == "协调不成报请本级人民政府决定，必须说明未能达成一致的理由。"
    after = await view(api, "dongying-supervisor", case)
    assert (after["stage"], len(after["events"])) == ("coordination", len(before["events"]))

    state = await done(
        api, "dongying-supervisor", case, "decide", decision="unresolved", reason="双方各执己见"
    )
    assert state["stage"] == "government_decision"
    assert (state["deadline"]["basis"], state["deadline"]["working_days"]) == ("target", 30)
    assert state["deadline"]["cite"] == "运营目标（第二十八条未规定时限）：本级人民政府决定"
    decided = notices(session, case["case_id"], "coordination_decided")
    assert "报请本级人民政府决定" in decided[0].body

    assert (
        await act(api, "dongying-applicant", case, "record_government_grant")
    ).status_code == 403
    for body, message in (
        ({"decision": "2026-11-16"}, "登记本级人民政府决定，须填写决定文件文号（note）。"),
        ({"note": "东政字〔2026〕5号", "decision": "下周"}, "决定日期（decision）须为日期"),
        (
            {"note": "东政字〔2026〕5号", "decision": "2026-11-13"},
            "决定日期不能早于主管部门报请本级人民政府决定之日。",
        ),
        ({"note": "东政字〔2026〕5号", "decision": "2026-11-17"}, "决定日期不能晚于今天。"),
    ):
        wrong = await act(api, "dongying-supervisor", case, "record_government_grant", **body)
        assert wrong.status_code == 422, body
        assert wrong.json()["message"].startswith(message)
    assert grants(session, case["case_id"]) == []

    state = await done(
        api,
        "dongying-supervisor",
        case,
        "record_government_grant",
        note="东政字〔2026〕5号",
        decision="2026-11-16",
    )
    assert (state["status"], state["outcome"]) == ("closed", "granted")
    assert state["details"]["granted_by"] == "government"
    assert state["details"]["government_document"] == "东政字〔2026〕5号"
    assert state["details"]["government_decided_on"] == "2026-11-16"
    [grant] = grants(session, case["case_id"])
    assert grant.granted_by == "government"
    assert grant.cite == f"{N809_28}（本级人民政府决定，东政字〔2026〕5号，2026年11月16日）"
    told = notices(session, case["case_id"], "government_decided")
    assert recipients(told) == {"dongying-civil", "dongying-police", "dongying-bigdata"}
    assert "东政字〔2026〕5号" in told[0].body
    await keep_history(env.client, case, "dongying-government-decided")


async def test_the_government_may_uphold_the_refusal(api, session, env):
    case = await refused(api, "hebei", "hebei-hukou")
    state = await negotiation_failed(api, "hebei", case)
    assert state["stage"] == "coordination"
    await done(api, "hebei-supervisor", case, "decide", decision="unresolved", reason="未能一致")
    decided = {"note": "冀政字〔2026〕9号", "decision": "2026-11-23"}
    no_reason = await act(api, "hebei-supervisor", case, "record_government_uphold", **decided)
    assert no_reason.status_code == 422
    state = await done(
        api, "hebei-supervisor", case, "record_government_uphold", **decided, reason="法律禁止共享"
    )
    assert (state["status"], state["outcome"]) == ("closed", "refused")
    closed = state["events"][-1]
    assert closed["detail"] == {
        "outcome": "refused",
        "reason": "法律禁止共享",
        "document": "冀政字〔2026〕9号",
    }
    assert grants(session, case["case_id"]) == []
    told = notices(session, case["case_id"], "government_decided")
    assert "维持不予共享" in told[0].title
    await keep_history(env.client, case, "hebei-coordination-unresolved")


async def test_a_case_received_before_809_keeps_the_single_coordination_step(
    api, clock, session, env
):
    await clock.set(at("2025-07-31T10:00:00+08:00"))
    case = await refused(api, "hubei", "hubei-hukou")
    assert case["governed_by"] == ["hubei-419"]
    await first_rung_is(
        api,
        case,
        "request_coordination",
        skipped="request_negotiation",
        refusal="本案适用的规定未设协商程序：对不予共享有异议的，请办理“申请协调”。",
    )
    state = await done(api, "hubei-applicant", case, "request_coordination", reason="履职必需")
    assert state["stage"] == "coordination"
    assert state["deadline"] is None  # hubei 第二十条 sets no period, and no ladder target
    unresolved = await act(
        api, "hubei-supervisor", case, "decide", decision="unresolved", reason="未能一致"
    )
    assert unresolved.status_code == 422
    assert "未设报请本级人民政府决定的程序" in unresolved.json()["message"]
    state = await done(api, "hubei-supervisor", case, "decide", decision="grant")
    assert (state["outcome"], state["details"]["granted_by"]) == ("granted", "authority")
    [grant] = grants(session, case["case_id"])
    assert grant.cite == HUBEI_20
    await keep_history(env.client, case, "hubei-before-809-coordinated")


async def test_a_dispute_across_levels_goes_to_the_common_superior_authority(api, session, env):
    # A Lichuan department asks the provincial police: the common superior is Hubei's authority.
    case = await refused(api, "hubei", "hubei-hukou", applicant="lichuan-applicant")
    state = await negotiation_failed(api, "hubei", case, applicant="lichuan-applicant")
    assert state["stage"] == "coordination"
    assert state["parties"]["superior_authority"] == "hubei-bigdata"
    state = await done(
        api, "hubei-supervisor", case, "decide", decision="unresolved", reason="未能一致"
    )
    assert state["stage"] == "government_decision"
    assert (await view(api, "hubei-supervisor", case))["actions"] == [
        "record_government_grant",
        "record_government_uphold",
    ]
    state = await done(
        api,
        "hubei-supervisor",
        case,
        "record_government_grant",
        note="鄂政函〔2026〕30号",
        decision="2026-11-23",
    )
    assert state["details"]["granted_by"] == "government"
    await keep_history(env.client, case, "lichuan-hubei-government-decided")


async def test_lichuans_service_centre_takes_part_in_the_negotiation_and_the_authority_coordinates(
    api, session, env
):
    """lichuan 第二十五条: the provider, the service centre and the applicant negotiate; under
    809 the coordination is the authority's (here the nearest one, Hubei's), not the centre's."""
    case = await submit(api, "lichuan-applicant", resource_id="lichuan-hukou", fields=["姓名"])
    await done(api, "lichuan-centre", case, "accept")
    await done(api, "lichuan-provider", case, "reject", reason="涉及个人隐私")
    state = await done(api, "lichuan-applicant", case, "request_negotiation", reason="履职必需")
    assert state["stage"] == "negotiation"
    asked = notices(session, case["case_id"], "negotiation_requested")
    assert recipients(asked) == {"lichuan-civil", "lichuan-police", "lichuan-centre"}
    await done(
        api, "lichuan-provider", case, "record_negotiation", decision="failed", reason="不同意"
    )
    state = await done(api, "lichuan-applicant", case, "request_coordination")
    assert (state["stage"], state["parties"]["authority"]) == ("coordination", "hubei-bigdata")
    centre = await act(api, "lichuan-centre", case, "decide", decision="grant")
    assert centre.status_code == 403
    state = await done(api, "hubei-supervisor", case, "decide", decision="grant")
    assert (state["outcome"], state["details"]["granted_by"]) == ("granted", "authority")
    [grant] = grants(session, case["case_id"])
    assert grant.cite == "《政务数据共享条例》第二十八条"
    await keep_history(env.client, case, "lichuan-negotiated-authority-coordinated")


async def test_an_applicant_who_withdraws_during_the_negotiation_ends_it_and_the_provider_is_told(
    api, session
):
    case = await refused(api, "hubei", "hubei-hukou")
    await done(api, "hubei-applicant", case, "request_negotiation", reason="履职必需")
    assert (await act(api, "hubei-provider", case, "withdraw")).status_code == 403
    state = await done(api, "hubei-applicant", case, "withdraw", reason="已通过其他途径解决")
    assert (state["status"], state["outcome"]) == ("closed", "refused")
    told = notices(session, case["case_id"], "dispute_withdrawn")
    assert recipients(told) == {"hubei-civil", "hubei-police"}
    assert "已通过其他途径解决" in told[0].body
    assert grants(session, case["case_id"]) == []
