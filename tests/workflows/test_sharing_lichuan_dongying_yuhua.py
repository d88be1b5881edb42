"""Sharing applications under the Lichuan, Dongying and Yuhua instruments."""

from __future__ import annotations

from datetime import timedelta

from tests.cases import act, at, done, kinds, post_case, settled, submit, view
from tests.conftest import auth
from tests.histories import keep_history
from tests.records import grants, notices, recipients

LICHUAN_20 = "《利川市政务信息资源共享管理办法》第二十条"
HUBEI_20 = "《湖北省政务数据资源应用与管理办法》第二十条"


async def _accepted_lichuan_case(api):  # type: ignore[no-untyped-def]
    case = await submit(api, "lichuan-applicant", resource_id="lichuan-hukou", fields=["姓名"])
    assert case["stage"] == "review"
    assert case["deadline"]["last_day"] == "2026-11-25"  # 2 working days (第十九条)
    state = await done(api, "lichuan-centre", case, "accept")
    assert state["stage"] == "provider_review"
    return case, state


async def test_lichuan_provider_late_at_two_days_is_still_inside_hubeis_ten(api, clock, session):
    case, state = await _accepted_lichuan_case(api)
    assert state["deadline"]["cite"] == LICHUAN_20
    assert state["deadline"]["due"] == "2026-11-26T00:00:00+08:00"
    # Both limits of the stage show from the start: Lichuan's 2 days, then Hubei's 10.
    assert [(d["cite"], d["on_timeout"], d["passed"]) for d in state["deadlines"]] == [
        (LICHUAN_20, "overdue", False),
        (HUBEI_20, "deemed_consent", False),
    ]

    await clock.advance_to(at("2026-11-26T00:00:05+08:00"))
    state = await settled(clock, api, "lichuan-applicant", case)
    assert state["overdue"]
    assert state["status"] == "open"
    # The next limit is Hubei's: deemed consent at 24:00 of the 10th working day.
    assert state["deadline"]["cite"] == HUBEI_20
    assert state["deadline"]["on_timeout"] == "deemed_consent"
    assert state["deadline"]["due"] == "2026-12-08T00:00:00+08:00"
    assert [d["passed"] for d in state["deadlines"]] == [True, False]
    told = recipients(notices(session, case["case_id"], "overdue"))
    assert told == {"lichuan-police", "lichuan-centre", "hubei-bigdata"}

    await clock.advance_to(at("2026-11-27T10:00:00+08:00"))
    state = await done(api, "lichuan-provider", case, "approve")
    assert state["details"]["granted_by"] == "provider"
    approval = next(e for e in state["events"] if e["kind"] == "approve")
    assert approval["limit"]["on_time"] is False
    assert LICHUAN_20 in [m["cite"] for m in approval["limit"]["missed"]]
    assert HUBEI_20 not in [m["cite"] for m in approval["limit"]["missed"]]


async def test_lichuan_silence_ends_in_hubeis_deemed_consent(api, clock, session, env):
    case, _ = await _accepted_lichuan_case(api)
    await clock.advance_to(at("2026-12-07T23:59:58+08:00"))
    assert (await view(api, "lichuan-applicant", case))["status"] == "open"
    await clock.advance(timedelta(seconds=3))
    state = await settled(clock, api, "lichuan-applicant", case)
    assert state["status"] == "closed"
    assert state["details"]["granted_by"] == "deemed_consent"
    [grant] = grants(session, case["case_id"])
    assert grant.cite == HUBEI_20
    await keep_history(env.client, case, "lichuan-deemed-consent")


async def test_lichuan_centre_declines_with_reasons(api, session):
    case = await submit(api, "lichuan-applicant", resource_id="lichuan-hukou", fields=["姓名"])
    assert (await act(api, "lichuan-centre", case, "decline")).status_code == 422
    assert (await act(api, "hubei-supervisor", case, "accept")).status_code == 403
    state = await done(api, "lichuan-centre", case, "decline", reason="申请材料不规范")
    assert state["outcome"] == "declined"


async def test_lichuan_unconditional_data_is_authorized_by_the_platform_on_acceptance(
    api, session, env
):
    case = await submit(api, "lichuan-applicant", resource_id="lichuan-org", fields=["机构名称"])
    state = await done(api, "lichuan-centre", case, "accept")
    assert (state["outcome"], state["details"]["granted_by"]) == ("granted", "platform")
    told = recipients(notices(session, case["case_id"], "granted"))
    assert told == {"lichuan-civil", "lichuan-police"}  # 授权结果应同步告知提供部门
    await keep_history(env.client, case, "lichuan-unconditional")


async def test_dongying_silence_is_overdue_not_consent(api, clock, session, env):
    await clock.set(at("2026-11-16T10:00:00+08:00"))  # while the instrument was in force
    case = await submit(api, "dongying-applicant", resource_id="dongying-hukou", fields=["姓名"])
    assert case["ruleset"] == "dongying-2021-26"
    assert case["deadline"]["due"] == "2026-12-01T00:00:00+08:00"
    assert case["deadline"]["on_timeout"] == "overdue"

    await clock.advance_to(at("2026-12-01T00:00:05+08:00"))
    state = await settled(clock, api, "dongying-supervisor", case)
    assert state["overdue"]
    assert state["status"] == "open" and "deemed_consent" not in kinds(state)
    assert "dongying-bigdata" in recipients(notices(session, case["case_id"], "overdue"))
    listed = await api.get("/api/v1/cases?overdue=true", headers=auth("dongying-supervisor"))
    assert [c["case_id"] for c in listed.json()["items"]] == [case["case_id"]]

    await done(api, "dongying-provider", case, "reject", reason="数据尚未归集")
    await done(api, "dongying-applicant", case, "request_negotiation", reason="履职必需")
    await done(
        api, "dongying-applicant", case, "record_negotiation", decision="failed", reason="未谈拢"
    )
    await done(api, "dongying-applicant", case, "request_coordination")
    state = await done(api, "dongying-supervisor", case, "decide", decision="grant")
    assert state["details"]["granted_by"] == "authority"
    # dongying-overdue-coordinated.json keeps the single step recorded before 809's ladder.
    await keep_history(env.client, case, "dongying-overdue-negotiated-coordinated")


async def test_dongying_cases_received_after_its_last_day_run_under_809(api, clock):
    # Refused before 809 was composed in (RULES.md section 0: an expired instrument is not the
    # end of the law): now the national regulation governs them.
    body = {
        "process": "sharing_application",
        "resource_id": "dongying-hukou",
        "purpose": "x",
        "scenario": "y",
    }
    await clock.set(at("2026-11-20T15:59:59+00:00"))  # 23:59:59 Beijing, the last day
    inside = await api.post("/api/v1/cases", json=body, headers=auth("dongying-applicant"))
    assert inside.status_code == 201
    assert inside.json()["ruleset"] == "dongying-2021-26"
    await clock.set(at("2026-11-20T16:00:00+00:00"))  # 00:00 Beijing, 21 November
    after = await api.post("/api/v1/cases", json=body, headers=auth("dongying-applicant"))
    assert after.status_code == 201
    assert (after.json()["ruleset"], after.json()["governed_by"]) == (
        "national-809",
        ["national-809"],
    )
    assert after.json()["deadline"]["cite"] == "《政务数据共享条例》第二十一条"


async def test_yuhua_cases_have_no_deadline_and_end_on_the_providers_word(api, clock, session, env):
    await clock.set(at("2022-06-01T10:00:00+08:00"))
    case = await submit(api, "yuhua-applicant", resource_id="yuhua-hukou", fields=["姓名"])
    assert case["ruleset"] == "yuhua-2021-9"
    assert case["stage"] == "provider_review" and case["deadline"] is None
    state = await done(api, "yuhua-provider", case, "reject", reason="不属于共享范围")
    assert (state["status"], state["outcome"]) == ("closed", "refused")  # no coordination route
    unconditional = await submit(api, "yuhua-applicant", resource_id="yuhua-org")
    unconditional = await settled(clock, api, "yuhua-applicant", unconditional)
    assert unconditional["outcome"]
    assert unconditional["details"]["granted_by"] == "platform"
    await keep_history(env.client, case, "yuhua-refused")

    await clock.set(at("2023-05-14T09:00:00+08:00"))
    ended = await post_case(
        api, "yuhua-applicant", resource_id="yuhua-org", purpose="x", scenario="y"
    )
    assert ended.status_code == 422 and "2023年5月13日" in ended.json()["message"]
