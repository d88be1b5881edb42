"""Cases under layered instruments (RULES.md section 0; docs/instruments.md), through the API
on the time-skipping server: the chain in force on the receipt day governs, the provider's
jurisdiction governs the provider's duties, and 809 (from 2025-08-01) adds the lawful extension
of a sharing reply (第二十一条) and sends cross-region disputes to the common superior authority
(第二十八条).

Dates: Monday 2026-11-23 09:00 Beijing is the default receipt; ten working days end at 24:00 of
Monday 7 December (deemed consent at 2026-12-08T00:00), fifteen at 24:00 of Monday 14 December.
March 2021 has no holidays: from Monday 1 March two working days end at 24:00 of 3 March, ten at
24:00 of 15 March.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from tests.cases import act, at, done, green_channel_demand, kinds, post_case, settled, submit, view
from tests.conftest import auth
from tests.histories import keep_history
from tests.records import grants, notices, recipients

HUBEI_20 = "《湖北省政务数据资源应用与管理办法》第二十条"
LICHUAN_20 = "《利川市政务信息资源共享管理办法》第二十条"
HEBEI_15 = "《河北省政务数据共享应用管理办法》第十五条"
N809_21 = "《政务数据共享条例》第二十一条"
N809_26 = "《政务数据共享条例》第二十六条"
N809_28 = "《政务数据共享条例》第二十八条"


async def get(api: httpx.AsyncClient, key: str, case: dict[str, Any]) -> httpx.Response:
    return await api.get(f"/api/v1/cases/{case['case_id']}", headers=auth(key))


async def address_doubt(api: httpx.AsyncClient, key: str, resource_id: str) -> dict[str, Any]:
    """A quality verification of an organisation's address."""
    return await submit(
        api,
        key,
        process="quality_verification",
        resource_id=resource_id,
        description="机构地址有误",
    )


# -- Lichuan before Hubei's order (hubei 第四十二条: from 2021-04-01) ------------------------------


async def test_a_lichuan_application_of_march_2021_is_never_deemed_consented(
    api, clock, session, env
):
    await clock.set(at("2021-03-01T09:00:00+08:00"))
    case = await submit(api, "lichuan-applicant", resource_id="lichuan-hukou", fields=["姓名"])
    assert (case["ruleset"], case["governed_by"]) == ("lichuan-2020", ["lichuan-2020"])
    state = await done(api, "lichuan-centre", case, "accept")
    deadline = state["deadline"]
    assert (deadline["cite"], deadline["due"]) == (LICHUAN_20, "2021-03-04T00:00:00+08:00")
    assert (deadline["instrument"], deadline["prevails_over"]) == ("lichuan-2020", [])
    # No 809 yet: the provider cannot ask to extend.
    assert (await view(api, "lichuan-provider", case))["actions"] == ["approve", "reject"]

    # The instant Hubei's deemed consent fired when its order was wrongly applied.
    await clock.advance_to(at("2021-03-16T00:00:05+08:00"))
    state = await settled(clock, api, "lichuan-applicant", case)
    assert (state["status"], state["overdue"]) == ("open", True)
    assert "deemed_consent" not in kinds(state)
    assert grants(session, case["case_id"]) == []

    state = await done(api, "lichuan-provider", case, "approve", note="补办授权")
    assert (state["outcome"], state["details"]["granted_by"]) == ("granted", "provider")
    await keep_history(env.client, case, "lichuan-received-before-hubei-order")


async def test_hubei_joins_lichuan_at_the_first_second_of_april_2021(api, clock):
    await clock.set(at("2021-03-31T23:59:59+08:00"))
    alone = await submit(api, "lichuan-applicant", resource_id="lichuan-hukou", fields=["姓名"])
    assert alone["governed_by"] == ["lichuan-2020"]
    await clock.set(at("2021-04-01T00:00:00+08:00"))
    joined = await submit(api, "lichuan-applicant", resource_id="lichuan-hukou", fields=["姓名"])
    assert joined["governed_by"] == ["lichuan-2020", "hubei-419"]
    state = await done(api, "lichuan-centre", joined, "accept")
    assert [p["instrument"] for p in state["deadline"]["prevails_over"]] == ["hubei-419"]


async def test_a_lichuan_verification_of_march_2021_has_lichuans_target_not_hubeis_three_days(
    api, clock
):
    await clock.set(at("2021-03-01T09:00:00+08:00"))
    case = await address_doubt(api, "lichuan-applicant", "lichuan-org")
    assert case["governed_by"] == ["lichuan-2020"]
    assert (case["deadline"]["basis"], case["deadline"]["instrument"]) == ("target", "lichuan-2020")
    await clock.set(at("2026-11-23T09:00:00+08:00"))
    later = await address_doubt(api, "lichuan-applicant", "lichuan-org")
    deadline = later["deadline"]
    assert (deadline["basis"], deadline["working_days"], deadline["instrument"]) == (
        "statute",
        3,
        "hubei-419",
    )
    assert [(p["instrument"], p["working_days"]) for p in deadline["prevails_over"]] == [
        ("national-809", 10)
    ]


# -- Dongying after its last day (第三十八条: to 2026-11-20) -------------------------------------


async def test_a_dongying_application_after_its_last_day_runs_under_809(api, clock, session, env):
    body = {"resource_id": "dongying-hukou", "fields": ["姓名"]}
    await clock.set(at("2026-11-20T15:59:59+00:00"))  # 23:59:59 Beijing, the last day
    inside = await submit(api, "dongying-applicant", **body)
    assert inside["ruleset"] == "dongying-2021-26"
    assert inside["governed_by"] == ["dongying-2021-26", "national-809"]
    assert inside["deadline"]["instrument"] == "dongying-2021-26"
    assert inside["deadline"]["prevails_over"] == [
        {"instrument": "national-809", "cite": N809_21, "working_days": 10}
    ]

    await clock.set(at("2026-11-20T16:00:00+00:00"))  # 00:00 Beijing, 21 November
    case = await submit(api, "dongying-applicant", **body)
    assert (case["ruleset"], case["governed_by"]) == ("national-809", ["national-809"])
    assert case["case_number"].startswith("GWY809-2026-")
    deadline = case["deadline"]
    assert (deadline["cite"], deadline["on_timeout"], deadline["instrument"]) == (
        N809_21,
        "overdue",
        "national-809",
    )
    assert deadline["due"] == "2026-12-05T00:00:00+08:00"  # 23 Nov – 4 Dec
    # The Dongying supervisor still oversees it; its authority is Dongying's.
    assert (await get(api, "dongying-supervisor", case)).status_code == 200

    await clock.advance_to(at("2026-12-04T23:59:59+08:00"))
    assert not (await settled(clock, api, "dongying-supervisor", case))["overdue"]
    await clock.advance(timedelta(seconds=2))
    state = await settled(clock, api, "dongying-supervisor", case)
    assert (state["status"], state["overdue"]) == ("open", True)
    told = recipients(notices(session, case["case_id"], "overdue"))
    assert told == {"dongying-police", "dongying-bigdata"}
    state = await done(api, "dongying-provider", case, "approve")
    assert state["details"]["granted_by"] == "provider"
    await keep_history(env.client, case, "dongying-after-end-under-809")


async def test_after_dongyings_end_its_own_processes_wait_for_a_successor_and_809_governs_the_rest(
    api, clock
):
    await clock.set(at("2026-11-23T09:00:00+08:00"))
    green = await post_case(
        api, "dongying-applicant", **green_channel_demand(justification="本市发生聚集性疫情。")
    )
    assert (green.status_code, green.json()["code"]) == (422, "ruleset_not_in_force")
    message = green.json()["message"]
    assert "《东营市公共数据管理办法》的接续文件" in message
    assert "山东省人民政府令第329号" in message and "政务数据共享条例" in message

    reclassified = await post_case(
        api,
        "dongying-provider",
        process="emergency_reclassification",
        resource_id="dongying-case",
        share_type="conditional",
        reason="突发公共事件",
        until="2026-12-31",
    )
    assert (reclassified.status_code, reclassified.json()["code"]) == (
        422,
        "ruleset_not_in_force",
    )

    verification = await address_doubt(api, "dongying-applicant", "dongying-org")
    assert verification["governed_by"] == ["national-809"]
    assert (verification["deadline"]["cite"], verification["deadline"]["working_days"]) == (
        N809_26,
        10,
    )

    change = await submit(
        api,
        "dongying-provider",
        process="service_change",
        resource_id="dongying-org",
        kind="upgrade",
        effective_on="2027-01-15",
        description="系统升级，接口地址变更",
    )
    assert (change["ruleset"], change["governed_by"]) == ("national-809", ["national-809"])
    assert change["details"]["late"] is False


# -- the lawful extension of a reply (809 第二十一条) ----------------------------------------------


async def test_a_hubei_extension_granted_then_answered(api, clock, session, env):
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    assert case["governed_by"] == ["hubei-419", "national-809"]
    assert (await view(api, "hubei-provider", case))["actions"] == [
        "approve",
        "reject",
        "request_extension",
        "request_supplement",
    ]
    for body, status in (
        ({"working_days": 5}, 422),  # no reason
        ({"working_days": 0, "reason": "x"}, 422),
        ({"working_days": 11, "reason": "x"}, 422),
    ):
        assert (
            await act(api, "hubei-provider", case, "request_extension", **body)
        ).status_code == (status)
    applicant = await act(
        api, "hubei-applicant", case, "request_extension", working_days=5, reason="x"
    )
    assert applicant.status_code == 403

    state = await done(
        api, "hubei-provider", case, "request_extension", working_days=5, reason="需跨部门核对"
    )
    assert state["stage"] == "extension_review"
    assert state["details"]["extension"]["status"] == "requested"
    assert state["deadline"]["due"] == "2026-12-08T00:00:00+08:00"  # runs on meanwhile
    assert (await view(api, "hubei-supervisor", case))["actions"] == [
        "grant_extension",
        "refuse_extension",
    ]
    assert (await view(api, "hubei-provider", case))["actions"] == ["approve", "reject"]
    [asked] = notices(session, case["case_id"], "reply_extension_requested")
    assert asked.recipient_department_id == "hubei-bigdata"

    state = await done(api, "hubei-supervisor", case, "grant_extension", reason="同意")
    assert state["stage"] == "provider_review"
    extension = state["details"]["extension"]
    assert (extension["status"], extension["working_days"]) == ("granted", 5)
    assert extension["extended_due"] == "2026-12-15T00:00:00+08:00"
    deadline = state["deadline"]
    assert deadline["due"] == "2026-12-15T00:00:00+08:00"
    assert deadline["cite"].startswith(HUBEI_20) and N809_21 in deadline["cite"]
    assert deadline["on_timeout"] == "deemed_consent"
    told = recipients(notices(session, case["case_id"], "reply_extension_decided"))
    assert told == {"hubei-civil", "hubei-police"}  # the applicant is told
    again = await act(api, "hubei-provider", case, "request_extension", working_days=1, reason="x")
    assert again.status_code == 409

    # Not deemed consent at the original deadline: the extension moved it.
    await clock.advance_to(at("2026-12-08T00:00:05+08:00"))
    state = await settled(clock, api, "hubei-applicant", case)
    assert (state["status"], state["overdue"]) == ("open", False)
    await clock.advance_to(at("2026-12-14T15:00:00+08:00"))
    state = await done(api, "hubei-provider", case, "approve", note="同意")
    assert (state["outcome"], state["details"]["granted_by"]) == ("granted", "provider")
    approval = next(e for e in state["events"] if e["kind"] == "approve")
    assert approval["limit"]["on_time"] is True
    await keep_history(env.client, case, "hubei-extension-granted-answered")


async def test_deemed_consent_moves_with_a_granted_extension_to_its_second(api, clock, session):
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    await done(api, "hubei-provider", case, "request_extension", working_days=3, reason="核对")
    await done(api, "hubei-supervisor", case, "grant_extension")
    await clock.advance_to(at("2026-12-10T23:59:59+08:00"))  # 13 working days end here
    assert (await settled(clock, api, "hubei-applicant", case))["status"] == "open"
    await clock.advance(timedelta(seconds=2))
    state = await settled(clock, api, "hubei-applicant", case)
    assert (state["status"], state["details"]["granted_by"]) == ("closed", "deemed_consent")
    [grant] = grants(session, case["case_id"])
    assert grant.cite.startswith(HUBEI_20) and "延长3个工作日" in grant.cite


async def test_a_refused_extension_leaves_the_deadline_where_it_was(api, clock):
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    await done(api, "hubei-provider", case, "request_extension", working_days=10, reason="人手不足")
    unreasoned = await act(api, "hubei-supervisor", case, "refuse_extension")
    assert unreasoned.status_code == 422
    state = await done(api, "hubei-supervisor", case, "refuse_extension", reason="理由不充分")
    assert state["details"]["extension"]["status"] == "refused"
    assert state["deadline"]["due"] == "2026-12-08T00:00:00+08:00"
    await clock.advance_to(at("2026-12-08T00:00:05+08:00"))
    state = await settled(clock, api, "hubei-applicant", case)
    assert state["details"]["granted_by"] == "deemed_consent"


async def test_an_extension_is_asked_before_the_deadline_and_not_before_809(api, clock):
    case = await submit(api, "lichuan-applicant", resource_id="lichuan-hukou", fields=["姓名"])
    await done(api, "lichuan-centre", case, "accept")
    await clock.advance_to(at("2026-11-26T00:00:05+08:00"))  # Lichuan's 2 days ran out
    await settled(clock, api, "lichuan-provider", case)
    late = await act(api, "lichuan-provider", case, "request_extension", working_days=2, reason="x")
    assert late.status_code == 409 and "届满" in late.json()["message"]
    assert "request_extension" not in (await view(api, "lichuan-provider", case))["actions"]

    await clock.set(at("2025-07-31T23:59:59+08:00"))
    before = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    assert before["governed_by"] == ["hubei-419"]
    assert (await view(api, "hubei-provider", before))["actions"] == ["approve", "reject"]
    refused = await act(
        api, "hubei-provider", before, "request_extension", working_days=2, reason="x"
    )
    assert refused.status_code == 409


async def test_a_lichuan_extension_moves_lichuans_two_days_and_hubeis_deemed_consent(api, clock):
    case = await submit(api, "lichuan-applicant", resource_id="lichuan-hukou", fields=["姓名"])
    await done(api, "lichuan-centre", case, "accept")
    await done(api, "lichuan-provider", case, "request_extension", working_days=2, reason="核对")
    state = await done(api, "hubei-supervisor", case, "grant_extension")  # Lichuan's authority
    assert state["deadline"]["due"] == "2026-11-28T00:00:00+08:00"  # 2 + 2: to Friday 27th
    await clock.advance_to(at("2026-11-28T00:00:05+08:00"))
    state = await settled(clock, api, "lichuan-applicant", case)
    assert state["overdue"] and state["deadline"]["on_timeout"] == "deemed_consent"
    assert state["deadline"]["due"] == "2026-12-10T00:00:00+08:00"  # 10 + 2


# -- whose chain: the provider's (RULES.md section 0) --------------------------------------------


async def test_a_hubei_department_asking_the_hebei_police_is_governed_by_hebei_and_809(
    api, clock, session, env
):
    case = await submit(api, "hubei-applicant", resource_id="hebei-hukou", fields=["姓名"])
    assert (case["ruleset"], case["governed_by"]) == ("hebei-2022", ["hebei-2022", "national-809"])
    assert (case["jurisdiction"], case["stage"]) == ("hebei", "review")
    assert case["parties"]["authority"] == "hebei-data"
    for key, status in (
        ("hebei-supervisor", 200),
        ("hubei-supervisor", 200),
        ("dongying-supervisor", 403),
    ):
        assert (await get(api, key, case)).status_code == status
    for key in ("hebei-supervisor", "hubei-supervisor"):
        listed = await api.get("/api/v1/cases", headers=auth(key))
        assert case["case_id"] in [c["case_id"] for c in listed.json()["items"]]

    state = await done(api, "hebei-supervisor", case, "accept")
    deadline = state["deadline"]
    assert (deadline["cite"], deadline["working_days"], deadline["on_timeout"]) == (
        HEBEI_15,
        5,
        "overdue",  # no Hubei deemed consent: a Hubei order cannot bind Hebei's police
    )
    assert deadline["prevails_over"] == [
        {"instrument": "national-809", "cite": N809_21, "working_days": 10}
    ]
    state = await done(
        api,
        "hebei-provider",
        case,
        "reject",
        reason="涉及个人隐私",
        legal_basis="《个人信息保护法》",
    )
    assert state["stage"] == "refused"
    # Negotiation between the two departments first (809 第二十八条), then the coordination.
    await done(api, "hubei-applicant", case, "request_negotiation", reason="履职必需")
    await done(
        api, "hebei-provider", case, "record_negotiation", decision="failed", reason="不同意"
    )
    state = await done(api, "hubei-applicant", case, "request_coordination", reason="履职必需")
    assert state["stage"] == "coordination"
    assert state["parties"]["superior_authority"] is None
    waiting = next(e for e in state["events"] if e["kind"] == "awaiting_superior_authority")
    assert waiting["detail"]["authority"] == "国务院政务数据共享主管部门"
    assert state["deadline"]["cite"].startswith("运营目标（第二十八条")
    told = notices(session, case["case_id"], "superior_authority_missing")
    assert recipients(told) == {"hubei-civil", "hebei-police", "hebei-data"}
    assert "国务院政务数据共享主管部门" in told[0].title
    for key in ("hebei-supervisor", "hubei-supervisor"):  # neither is the common superior
        wrong = await act(api, key, case, "decide", decision="grant", reason="x")
        assert wrong.status_code == 403

    await clock.advance(timedelta(days=40))
    state = await settled(clock, api, "hubei-supervisor", case)
    assert (state["status"], state["stage"], state["overdue"]) == ("open", "coordination", True)
    # cross-jurisdiction-hubei-hebei.json keeps the single step recorded before 809's ladder.
    await keep_history(env.client, case, "cross-jurisdiction-hubei-hebei-negotiated")


async def test_a_cross_jurisdiction_case_is_counted_in_both_reports_each_under_its_own_side(
    api, clock, session
):
    case = await submit(api, "hubei-applicant", resource_id="hebei-hukou", fields=["姓名"])
    await settled(clock, api, "auditor", case)
    period = {"from": "2026-11-23", "to": "2026-11-23", "format": "csv"}

    async def rows(key: str) -> dict[str, list[str]]:
        response = await api.get("/api/v1/reports/statistics", params=period, headers=auth(key))
        assert response.status_code == 200, response.text
        lines = response.text.lstrip("\ufeff").splitlines()
        return {line.split(",")[1]: line.split(",") for line in lines[1:]}

    hebei = await rows("hebei-supervisor")
    assert hebei["河北省公安厅"][2] == "1"  # received, on the provider's side
    hubei = await rows("hubei-supervisor")
    assert "河北省公安厅" not in hubei
    assert hubei["（申请方）湖北省民政厅"][2] == "1"  # on the applicant's side
    assert hubei["合计"][2] == "0"  # not among Hubei's providers


async def test_a_lichuan_department_asking_provincial_data_gets_hubeis_ten_days_not_lichuans_two(
    api,
):
    case = await submit(api, "lichuan-applicant", resource_id="hubei-hukou", fields=["姓名"])
    assert case["governed_by"] == ["hubei-419", "national-809"]
    assert (case["stage"], case["deadline"]["cite"]) == ("provider_review", HUBEI_20)
    assert case["deadline"]["working_days"] == 10
    assert case["deadline"]["on_timeout"] == "deemed_consent"
    for key in ("lichuan-centre", "hubei-supervisor"):
        assert (await get(api, key, case)).status_code == 200
