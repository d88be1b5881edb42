"""Sharing applications under 湖北省人民政府令第419号, through the API on the time-skipping server.

The clock starts on Monday 2026-11-23 09:00 Beijing: ten working days end at 24:00 of Monday
2026-12-07 (nothing official intervenes), so the deadline instant is 2026-12-08T00:00+08:00.
"""

from __future__ import annotations

from datetime import timedelta

from tests.cases import act, at, done, kinds, settled, submit, view
from tests.conftest import both_databases
from tests.histories import keep_history
from tests.records import grants, notices, notices_to, recipients, resource

HUBEI_20 = "《湖北省政务数据资源应用与管理办法》第二十条"
HUBEI_22 = "《湖北省政务数据资源应用与管理办法》第二十二条"


async def test_unconditional_data_is_authorized_by_the_platform_at_once(api, session, env, clock):
    case = await submit(api, "hubei-applicant", resource_id="hubei-org", fields=["机构名称"])
    case = await settled(clock, api, "hubei-applicant", case)
    assert case["status"] == "closed"
    assert case["outcome"] == "granted"
    assert case["details"]["granted_by"] == "platform"
    [grant] = grants(session, case["case_id"])
    assert (grant.granted_by, grant.resource_id, grant.fields) == (
        "platform",
        "hubei-org",
        ["机构名称"],
    )
    assert grant.purpose == "核验救助对象户籍信息"
    await keep_history(env.client, case, "hubei-unconditional")


async def test_conditional_application_waits_ten_working_days_for_the_provider(api):
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    assert case["stage"] == "provider_review"
    assert case["case_number"].startswith("HB419-2026-")
    deadline = case["deadline"]
    assert deadline["due"] == "2026-12-08T00:00:00+08:00"
    assert deadline["last_day"] == "2026-12-07"
    assert (deadline["working_days"], deadline["working_days_left"]) == (10, 10)
    assert deadline["cite"] == HUBEI_20
    assert deadline["on_timeout"] == "deemed_consent"
    assert deadline["provisional"] is False
    assert deadline["notices"] == ["国办发明电〔2025〕7号"]
    assert case["actions"] == ["withdraw"]
    provider_view = await view(api, "hubei-provider", case)
    # Since 809 (2025-08-01) the provider may also ask to extend its reply (第二十一条).
    # And ask once for what an incomplete application lacks (第二十一条第二款).
    assert provider_view["actions"] == [
        "approve",
        "reject",
        "request_extension",
        "request_supplement",
    ]


@both_databases
async def test_silent_provider_is_deemed_to_consent_at_midnight_and_not_a_second_earlier(
    api, clock, session, env
):
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    await clock.advance_to(at("2026-12-07T23:59:59+08:00"))
    state = await view(api, "hubei-applicant", case)
    assert state["stage"] == "provider_review"
    assert state["deadline"]["working_days_left"] == 1
    assert grants(session, case["case_id"]) == []

    await clock.advance(timedelta(seconds=2))
    state = await settled(clock, api, "hubei-applicant", case)
    assert state["status"] == "closed"
    assert state["outcome"] == "granted"
    assert state["details"]["granted_by"] == "deemed_consent"
    assert "deemed_consent" in kinds(state)
    [grant] = grants(session, case["case_id"])
    assert grant.granted_by == "deemed_consent"
    assert grant.cite == HUBEI_20
    told = recipients(notices(session, case["case_id"], "deemed_consent"))
    assert told == {"hubei-civil", "hubei-police"}
    [notice] = notices(session, case["case_id"], "deemed_consent")[:1]
    assert "2026年12月7日24时" in notice.body and "视为同意" in notice.body
    await keep_history(env.client, case, "hubei-deemed-consent")


async def test_provider_is_reminded_when_the_last_day_begins(api, clock, session):
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    await clock.advance_to(at("2026-12-06T23:59:00+08:00"))
    assert notices(session, case["case_id"], "reminder") == []
    await clock.advance(timedelta(minutes=2))
    assert "reminded" in kinds(await settled(clock, api, "hubei-provider", case))
    [reminder] = notices(session, case["case_id"], "reminder")
    assert reminder.recipient_department_id == "hubei-police"
    assert "2026年12月7日24时" in reminder.title


async def test_a_reply_at_235959_of_the_last_day_is_on_time(api, clock, session, env):
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    await clock.advance_to(at("2026-12-07T23:59:59+08:00"))
    state = await done(api, "hubei-provider", case, "approve", note="同意")
    assert state["outcome"] == "granted"
    assert state["details"]["granted_by"] == "provider"
    approval = next(e for e in state["events"] if e["kind"] == "approve")
    assert approval["limit"]["on_time"] is True
    assert approval["actor"]["department_id"] == "hubei-police"
    [grant] = grants(session, case["case_id"])
    assert grant.granted_by == "provider"
    await keep_history(env.client, case, "hubei-approved-last-second")


@both_databases
async def test_refusal_needs_reasons_and_may_go_to_coordination(api, session, env):
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])

    no_reason = await act(api, "hubei-provider", case, "reject")
    assert no_reason.status_code == 422
    assert no_reason.json()["code"] == "invalid"
    assert "理由" in no_reason.json()["message"]
    wrong_actor = await act(api, "hubei-applicant", case, "approve")
    assert wrong_actor.status_code == 403
    wrong_stage = await act(api, "hubei-supervisor", case, "decide", decision="grant")
    assert wrong_stage.status_code == 409
    assert kinds(await view(api, "hubei-applicant", case)).count("reject") == 0

    state = await done(api, "hubei-provider", case, "reject", reason="涉及个人隐私")
    assert state["stage"] == "refused"
    [told] = notices_to(session, case["case_id"], "rejected", "hubei-civil")
    assert "涉及个人隐私" in told.body
    # 809 第二十八条 (received 2026): negotiation first (tests/workflows/test_sharing_disputes.py).
    await done(api, "hubei-applicant", case, "request_negotiation", reason="履职必需")
    await done(
        api, "hubei-applicant", case, "record_negotiation", decision="failed", reason="未谈拢"
    )
    state = await done(api, "hubei-applicant", case, "request_coordination", reason="履职必需")
    assert state["stage"] == "coordination"
    assert (await view(api, "hubei-supervisor", case))["actions"] == ["decide"]
    no_decision = await act(api, "hubei-supervisor", case, "decide", decision="maybe")
    assert no_decision.status_code == 422
    state = await done(api, "hubei-supervisor", case, "decide", decision="grant", reason="依法履职")
    assert state["outcome"] == "granted"
    [grant] = grants(session, case["case_id"])
    assert grant.granted_by == "authority"
    # hubei-coordinated.json keeps the single step recorded before 809's ladder.
    await keep_history(env.client, case, "hubei-negotiation-failed-coordinated")


async def test_a_refused_action_is_told_by_its_chinese_name_and_the_stages(api):
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    wrong_stage = await act(api, "hubei-supervisor", case, "decide", decision="grant")
    assert wrong_stage.json()["message"] == (
        "案件当前处于“提供部门答复”环节，不能办理“作出协调决定”。"
    )
    wrong_actor = await act(api, "hubei-applicant", case, "approve")
    assert wrong_actor.json()["message"] == "“同意共享”只能由本案的数据提供部门经办人办理。"
    await done(api, "hubei-provider", case, "reject", reason="涉及个人隐私")
    late = await act(api, "hubei-provider", case, "approve")
    assert late.json()["message"] == "案件当前处于“不予共享后待申请协调”环节，不能办理“同意共享”。"


async def test_refused_applicant_who_does_not_object_is_closed_after_the_target(api, clock):
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    state = await done(api, "hubei-provider", case, "reject", reason="不属于共享范围")
    assert state["deadline"]["basis"] == "target"
    await clock.advance(timedelta(days=20))
    state = await settled(clock, api, "hubei-applicant", case)
    assert state["status"] == "closed"
    assert state["outcome"] == "refused"


async def test_data_not_in_the_catalog_enters_it_on_consent(api, session, env):
    case = await submit(
        api,
        "hubei-applicant",
        requested_name="流动人口居住登记信息",
        provider_id="hubei-police",
        fields=["姓名", "居住地址"],
    )
    assert case["details"]["track"] == "not_in_catalog"
    assert case["deadline"]["cite"] == HUBEI_22
    assert case["deadline"]["on_timeout"] == "overdue"
    state = await done(api, "hubei-provider", case, "approve")
    assert state["outcome"] == "granted"
    entry = resource(session, state["details"]["resource_id"])
    assert entry is not None
    assert (entry.name, entry.provider_id, entry.created_by_case) == (
        "流动人口居住登记信息",
        "hubei-police",
        case["case_id"],
    )
    [grant] = grants(session, case["case_id"])
    assert grant.resource_id == entry.id
    await keep_history(env.client, case, "hubei-not-in-catalog")


async def test_data_not_in_the_catalog_becomes_overdue_without_deemed_consent(api, clock, session):
    case = await submit(
        api, "hubei-applicant", requested_name="流动人口居住登记信息", provider_id="hubei-police"
    )
    await clock.advance_to(at("2026-12-08T00:00:05+08:00"))
    state = await settled(clock, api, "hubei-supervisor", case)
    assert state["overdue"]
    assert state["status"] == "open" and state["stage"] == "provider_review"
    told = recipients(notices(session, case["case_id"], "overdue"))
    assert told == {"hubei-police", "hubei-bigdata"}
    assert grants(session, case["case_id"]) == []
    state = await done(api, "hubei-provider", case, "approve")
    late = next(e for e in state["events"] if e["kind"] == "approve")
    assert late["limit"]["on_time"] is False


async def test_a_not_shared_mark_without_an_approval_runs_as_conditional_data(api, session):
    # A department's own mark is not the negative list (hubei 第二十三条): refused only once
    # the government's approval is recorded (tests/workflows/test_negative_listing.py).
    case = await submit(api, "hubei-applicant", resource_id="hubei-case", fields=["案由"])
    assert (case["status"], case["stage"]) == ("open", "provider_review")
    assert case["details"]["track"] == "conditional"


async def test_applicant_may_withdraw_but_the_provider_may_not(api, session):
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    assert (await act(api, "hubei-provider", case, "withdraw")).status_code == 403
    state = await done(api, "hubei-applicant", case, "withdraw")
    assert (state["status"], state["outcome"]) == ("closed", "withdrawn")
    assert grants(session, case["case_id"]) == []
    closed = await act(api, "hubei-provider", case, "approve")
    assert closed.status_code == 409
