"""Data quality verification (疑义/错误数据校核) through the API on the time-skipping server.

The clock starts on Monday 2026-11-23 09:00 Beijing. Hubei's 3 working days end at 24:00 of
Thursday 2026-11-26 (due 2026-11-27T00:00+08:00); Hebei's 10 end at 24:00 of Monday 2026-12-07.
Hebei's extension (第十六条) is for cases received before 809 took effect on 2025-08-01 (its
第二十六条 allows none): those tests receive on Monday 2025-06-09.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlmodel import Session, select

from models import ApiToken, CatalogResource, DataCorrection, Department, User
from service.access import hash_token
from tests.attachments import uploaded
from tests.cases import act, at, done, kinds, post_case, settle, settled, submit, view
from tests.conftest import auth
from tests.histories import keep_history
from tests.records import notices, recipients, resource
from workflows.common import DepartmentKind, OpenType, Role, ShareType

HUBEI_13 = "《湖北省政务数据资源应用与管理办法》第十三条"
HEBEI_16 = "《河北省政务数据共享应用管理办法》第十六条"


def raising(**body: Any) -> dict[str, Any]:
    return {
        "process": "quality_verification",
        "resource_id": "hubei-hukou",
        "description": "户籍地址与不动产登记不一致。",
        "fields": ["户籍地址"],
        "records": ["420100199001011234"],
        **body,
    }


async def raise_doubt(api: httpx.AsyncClient, key: str, **body: Any) -> dict[str, Any]:
    return await submit(api, key, **raising(**body))


async def dispute_lapses(api: httpx.AsyncClient, clock: Any, key: str, case: dict[str, Any]):
    state = await view(api, key, case)
    assert state["stage"] == "dispute_period"
    assert state["deadline"]["basis"] == "target"
    await clock.advance_to(at(state["deadline"]["due"]) + timedelta(seconds=1))
    state = await settled(clock, api, key, case)
    assert state["status"] == "closed"
    return state


async def test_hubei_provider_repairs_within_three_days_and_the_data_version_moves(
    api, clock, session: Session, env
):
    evidence = await uploaded(api, "hubei-applicant")
    case = await raise_doubt(api, "hubei-applicant", attachments=[evidence])
    assert case["case_number"].startswith("HB419-2026-")
    assert case["stage"] == "verification"
    assert case["deadline"]["due"] == "2026-11-27T00:00:00+08:00"
    assert (case["deadline"]["cite"], case["deadline"]["basis"]) == (HUBEI_13, "statute")
    assert case["details"]["attachments"] == [evidence]
    raised = {
        n.recipient_department_id: n
        for n in notices(session, case["case_id"], "verification_raised")
    }
    assert set(raised) == {"hubei-police", "hubei-civil"}
    # Each side reads what concerns it, with the other named.
    assert raised["hubei-civil"].title.endswith("数据质量校核申请已登记")
    assert "本部门对湖北省公安厅数据资源“户籍人口基本信息”提出的疑义" in raised["hubei-civil"].body
    assert "请予校核" not in raised["hubei-civil"].body
    assert (
        "湖北省民政厅对本部门数据资源“户籍人口基本信息”的数据提出疑义"
        in raised["hubei-police"].body
    )
    assert "请予校核，释明或修复" in raised["hubei-police"].body
    assert (await view(api, "hubei-provider", case))["actions"] == ["explain", "reject", "repair"]
    # The provider, a party of the citing case, may read the evidence; others may not.
    read = await api.get(f"/api/v1/attachments/{evidence}", headers=auth("hubei-provider"))
    assert read.status_code == 200, read.text
    other = await api.get(f"/api/v1/attachments/{evidence}", headers=auth("hebei-provider"))
    assert other.status_code == 403

    stored = resource(session, "hubei-hukou")
    assert stored is not None
    version = stored.version
    refused = await act(api, "hubei-provider", case, "repair", reason="已更正")
    assert refused.status_code == 422  # what changed must be said
    state = await done(
        api, "hubei-provider", case, "repair", note="户籍地址更正为“武汉市洪山区珞喻路1号”"
    )
    assert (state["status"], state["outcome"], state["stage"]) == (
        "open",
        "repaired",
        "dispute_period",
    )
    assert state["details"]["repaired"]["version"] == version + 1
    after = resource(session, "hubei-hukou")
    assert after is not None and after.version == version + 1
    [correction] = session.exec(
        select(DataCorrection).where(DataCorrection.case_id == case["case_id"])
    ).all()
    assert (correction.version, correction.change) == (
        after.version,
        "户籍地址更正为“武汉市洪山区珞喻路1号”",
    )
    result = notices(session, case["case_id"], "verification_result")[0]
    assert "已修复" in result.body and f"修复后的数据版本：{after.version}" in result.body
    assert recipients(notices(session, case["case_id"], "verification_result")) == {
        "hubei-civil",
        "hubei-police",
    }
    [answered] = [e for e in state["events"] if e["kind"] == "repair"]
    assert answered["limit"]["on_time"] is True

    closed = await dispute_lapses(api, clock, "hubei-applicant", case)
    assert (closed["outcome"], closed["stage"]) == ("repaired", "closed")
    timeline = await api.get(f"/api/v1/cases/{case['case_id']}/timeline", headers=auth("auditor"))
    assert timeline.status_code == 200
    assert "修复数据" in timeline.text and "已修复" in timeline.text and HUBEI_13 in timeline.text
    await keep_history(env.client, case, "hubei-quality-repaired")


async def test_hubei_period_ends_at_midnight_of_the_third_working_day(api, clock, session, env):
    case = await raise_doubt(api, "hubei-applicant")
    due = at(case["deadline"]["due"])
    await clock.advance_to(due - timedelta(seconds=1))
    state = await settled(clock, api, "hubei-applicant", case)
    assert "reminded" in kinds(state)
    assert not state["overdue"]
    [reminder] = notices(session, case["case_id"], "reminder")
    assert reminder.recipient_department_id == "hubei-police"
    assert "2026年11月26日24时" in reminder.body
    await clock.advance(timedelta(seconds=2))
    state = await settled(clock, api, "hubei-applicant", case)
    assert state["overdue"]
    assert [n.recipient_department_id for n in notices(session, case["case_id"], "overdue")] == [
        "hubei-bigdata",
        "hubei-police",
    ]
    state = await done(api, "hubei-provider", case, "explain", reason="地址为户籍登记地址，无误")
    [late] = [e for e in state["events"] if e["kind"] == "explain"]
    assert late["limit"]["on_time"] is False
    assert state["outcome"] == "explained"
    await keep_history(env.client, case, "hubei-quality-overdue-explained")


async def test_across_new_year_the_holiday_is_not_counted(api, clock):
    await clock.set(at("2026-12-30T10:00:00+08:00"))
    case = await raise_doubt(api, "hubei-applicant")
    # 12-31, then 1-4 and 1-5 2027: New Year's Day is a holiday (2027 data is provisional).
    assert case["deadline"]["due"] == "2027-01-06T00:00:00+08:00"
    assert case["deadline"]["provisional"] is True


async def test_operator_dispute_orders_reverification_and_the_second_answer_is_final(
    api, clock, session, env
):
    # The hubei supervisor acts as the platform operator (平台运行维护管理单位).
    case = await raise_doubt(api, "hubei-supervisor")
    assert case["parties"]["applicant"] == "hubei-bigdata"
    state = await done(api, "hubei-provider", case, "reject", reason="与源系统一致，疑义不成立")
    assert (state["outcome"], state["stage"]) == ("rejected", "dispute_period")
    result = notices(session, case["case_id"], "verification_result")[0]
    assert "疑义不成立" in result.body and "可提出异议一次" in result.body
    stranger = await act(api, "hubei-applicant", case, "dispute", reason="不服")
    assert stranger.status_code == 403
    no_reason = await act(api, "hubei-supervisor", case, "dispute")
    assert no_reason.status_code == 422
    state = await done(api, "hubei-supervisor", case, "dispute", reason="源系统本身有误")
    assert state["stage"] == "dispute_review"
    assert (await view(api, "hubei-supervisor", case))["actions"] == ["decide"]
    bad = await act(api, "hubei-supervisor", case, "decide", decision="grant", reason="x")
    assert bad.status_code == 422
    state = await done(
        api, "hubei-supervisor", case, "decide", decision="reverify", reason="请核对源系统"
    )
    assert state["stage"] == "verification"
    decided = notices(session, case["case_id"], "dispute_decided")[0]
    assert "责令数据提供部门重新校核" in decided.body
    state = await done(api, "hubei-provider", case, "explain", reason="已核对源系统，数据无误")
    assert (state["status"], state["outcome"]) == ("closed", "explained")
    assert state["events"][-1]["detail"]["dispute"] == "reverified"
    final = notices(session, case["case_id"], "verification_result")[-1]
    assert "最终结果" in final.body
    again = await act(api, "hubei-supervisor", case, "dispute", reason="再议")
    assert again.status_code == 409
    await keep_history(env.client, case, "hubei-quality-disputed-reverified")


async def test_dispute_upheld_closes_with_the_first_outcome(api):
    case = await raise_doubt(api, "hubei-applicant")
    await done(api, "hubei-provider", case, "explain", reason="数据口径说明")
    await done(api, "hubei-applicant", case, "dispute", reason="说明不充分")
    state = await done(
        api, "hubei-supervisor", case, "decide", decision="uphold", reason="释明充分"
    )
    assert (state["status"], state["outcome"]) == ("closed", "explained")
    assert state["events"][-1]["detail"]["dispute"] == "upheld"


async def test_submission_checks_resource_fields_and_attachments(api):
    async def refused(key: str, **body: Any) -> httpx.Response:
        return await api.post("/api/v1/cases", json=raising(**body), headers=auth(key))

    own = await refused("hubei-provider")
    assert (own.status_code, own.json()["code"]) == (422, "own_data")
    missing = await refused("hubei-applicant", resource_id="hubei-nothing")
    assert missing.status_code == 404
    field = await refused("hubei-applicant", fields=["血型"])
    assert field.status_code == 422 and "血型" in field.json()["message"]
    theirs = await uploaded(api, "hubei-provider")
    borrowed = await refused("hubei-applicant", attachments=[theirs])
    assert (borrowed.status_code, borrowed.json()["code"]) == (422, "attachment_not_own")
    unknown = await refused("hubei-applicant", attachments=[4040])
    assert (unknown.status_code, unknown.json()["code"]) == (422, "attachment_not_found")
    joint = await refused("hubei-applicant", conflicting_resource_id="hubei-org")
    assert joint.status_code == 422
    public = await refused("public")
    assert public.status_code == 403


# -- Hebei: forwarding, extension -------------------------------------------------------------


async def hebei_case(api: httpx.AsyncClient, clock: Any) -> dict[str, Any]:
    # Received before 809 took effect (2025-08-01): its 第二十六条 allows no extension, so only
    # such cases have Hebei's (第十六条). Monday 2025-06-09 lies 76 weeks before 2026-11-23, with
    # no holiday in the weeks that follow: 3 working days end on Thursday 12 June, 10 on
    # Monday 23 June, 15 on Monday 30 June.
    await clock.set(at("2025-06-09T09:00:00+08:00"))
    case = await raise_doubt(api, "hebei-applicant", resource_id="hebei-hukou")
    assert case["stage"] == "forwarding"
    assert case["deadline"]["due"] == "2025-06-13T00:00:00+08:00"
    assert case["deadline"]["cite"] == HEBEI_16
    await clock.advance(timedelta(hours=1))
    state = await done(api, "hebei-supervisor", case, "forward")
    assert state["stage"] == "verification"
    assert state["deadline"]["due"] == "2025-06-24T00:00:00+08:00"
    return state


async def test_hebei_extension_granted_moves_the_deadline_and_shows_both(api, clock, session, env):
    case = await hebei_case(api, clock)
    [forwarded] = notices(session, case["case_id"], "verification_forwarded")
    assert forwarded.recipient_department_id == "hebei-police"
    too_long = await act(
        api, "hebei-provider", case, "request_extension", working_days=11, reason="系统迁移"
    )
    assert too_long.status_code == 422 and "10" in too_long.json()["message"]
    state = await done(
        api, "hebei-provider", case, "request_extension", working_days=5, reason="需调取档案"
    )
    assert state["stage"] == "extension_review"
    assert state["deadline"]["due"] == "2025-06-24T00:00:00+08:00"  # still running
    assert state["details"]["extension"]["status"] == "requested"
    assert (await view(api, "hebei-supervisor", case))["actions"] == [
        "grant_extension",
        "refuse_extension",
    ]
    assert (await view(api, "hebei-provider", case))["actions"] == ["explain", "reject", "repair"]
    [asked] = notices(session, case["case_id"], "verification_extension_requested")
    assert asked.recipient_department_id == "hebei-data"

    state = await done(api, "hebei-supervisor", case, "grant_extension", reason="同意")
    assert state["stage"] == "verification"
    assert state["deadline"]["due"] == "2025-07-01T00:00:00+08:00"
    assert state["deadline"]["working_days"] == 15
    assert "延长5个工作日" in state["deadline"]["cite"]
    extension = state["details"]["extension"]
    assert extension["status"] == "granted"
    assert at(extension["original_due"]) == at("2025-06-24T00:00:00+08:00")
    assert at(extension["extended_due"]) == at("2025-07-01T00:00:00+08:00")
    second = await act(
        api, "hebei-provider", case, "request_extension", working_days=3, reason="再延"
    )
    assert (second.status_code, second.json()["code"]) == (409, "wrong_stage")
    assert "只能申请一次" in second.json()["message"]

    # Past the original deadline but within the extension: on time, not overdue.
    await clock.advance_to(at("2025-06-26T10:00:00+08:00"))
    state = await done(api, "hebei-provider", case, "repair", note="补录婚姻状况")
    assert not state["overdue"]
    [answered] = [e for e in state["events"] if e["kind"] == "repair"]
    assert answered["limit"]["on_time"] is True
    stored = session.get(CatalogResource, "hebei-hukou")
    session.refresh(stored)
    assert stored is not None and stored.version == 2
    await keep_history(env.client, case, "hebei-quality-extension-granted")


async def test_hebei_extension_refused_keeps_the_deadline_and_it_lapses(api, clock, session, env):
    case = await hebei_case(api, clock)
    await done(api, "hebei-provider", case, "request_extension", working_days=10, reason="人手")
    no_reason = await act(api, "hebei-supervisor", case, "refuse_extension")
    assert no_reason.status_code == 422
    provider_cannot = await act(api, "hebei-provider", case, "grant_extension")
    assert provider_cannot.status_code == 403
    state = await done(api, "hebei-supervisor", case, "refuse_extension", reason="理由不充分")
    assert state["stage"] == "verification"
    assert state["deadline"]["due"] == "2025-06-24T00:00:00+08:00"
    assert state["details"]["extension"]["status"] == "refused"
    assert state["details"]["extension"]["extended_due"] is None
    decided = notices(session, case["case_id"], "verification_extension_decided")[0]
    assert "校核期限不变" in decided.body
    assert (await view(api, "hebei-provider", case))["actions"] == ["explain", "reject", "repair"]

    await clock.advance_to(at("2025-06-24T00:00:01+08:00"))
    state = await settled(clock, api, "hebei-applicant", case)
    assert state["overdue"]
    [overdue] = [e for e in state["events"] if e["kind"] == "overdue"]
    assert overdue["limit"]["cite"] == HEBEI_16
    state = await done(api, "hebei-provider", case, "explain", reason="数据无误")
    assert state["stage"] == "dispute_period"
    await keep_history(env.client, case, "hebei-quality-extension-refused")


async def test_hebei_provider_may_answer_while_the_extension_is_considered(api, clock):
    case = await hebei_case(api, clock)
    await done(api, "hebei-provider", case, "request_extension", working_days=2, reason="核对")
    state = await done(api, "hebei-provider", case, "explain", reason="已核对，无误")
    assert (state["stage"], state["outcome"]) == ("dispute_period", "explained")
    assert state["details"]["extension"]["status"] == "requested"


async def test_hebei_cases_received_from_809s_first_day_have_no_extension(api, clock):
    # 809 第二十六条: 10 working days, no extension; the total may not exceed them.
    await clock.set(at("2025-08-01T00:00:00+08:00"))
    case = await raise_doubt(api, "hebei-applicant", resource_id="hebei-hukou")
    assert case["governed_by"] == ["hebei-2022", "national-809"]
    state = await done(api, "hebei-supervisor", case, "forward")
    assert state["deadline"]["working_days"] == 10
    assert state["deadline"]["prevails_over"] == [
        {"instrument": "national-809", "cite": "《政务数据共享条例》第二十六条", "working_days": 10}
    ]
    assert (await view(api, "hebei-provider", case))["actions"] == ["explain", "reject", "repair"]
    asked = await act(
        api, "hebei-provider", case, "request_extension", working_days=5, reason="需调取档案"
    )
    assert asked.status_code == 409


# -- Lichuan: joint verification, service on valid proof --------------------------------------


async def test_lichuan_conflicting_data_is_verified_jointly_by_the_service_centre(
    api, clock, session: Session, env
):
    session.add(
        Department(
            id="lichuan-health",
            name="利川市卫生健康局",
            jurisdiction="hubei.lichuan",
            kind=DepartmentKind.ORDINARY,
        )
    )
    session.flush()
    session.add(
        CatalogResource(
            id="lichuan-health-birth",
            name="出生医学证明信息",
            provider_id="lichuan-health",
            share_type=ShareType.CONDITIONAL,
            open_type=OpenType.NOT_OPEN,
            fields=["姓名", "出生日期"],
        )
    )
    health = User(name="利川卫健经办人", role=Role.CASEWORKER, department_id="lichuan-health")
    session.add(health)
    session.flush()
    assert health.id is not None
    token = ApiToken(user_id=health.id, token_hash=hash_token("lichuan-health-token"), prefix="l")
    session.add(token)
    session.commit()
    case = await raise_doubt(
        api,
        "lichuan-applicant",
        resource_id="lichuan-hukou",
        fields=[],
        conflicting_resource_id="lichuan-health-birth",
    )
    assert case["case_number"].startswith("LC20-2026-")
    assert case["stage"] == "joint_verification"
    assert case["deadline"]["cite"] == HUBEI_13
    assert case["deadline"]["due"] == "2026-11-27T00:00:00+08:00"
    assert case["details"]["serve_with_proof"] is True
    [proof] = notices(session, case["case_id"], "serve_with_proof")
    assert proof.recipient_department_id == "lichuan-civil"
    assert "不得拒绝" in proof.body and "第二十三条" in proof.body
    joint = {
        n.recipient_department_id: n
        for n in notices(session, case["case_id"], "joint_verification")
    }
    assert set(joint) == {"lichuan-centre", "lichuan-police", "lichuan-health"}
    both = (
        "利川市公安局的数据资源“户籍人口基本信息”与"
        "利川市卫生健康局的数据资源“出生医学证明信息”数据不一致"
    )
    assert all(both in n.body for n in joint.values())
    assert "请会同利川市公安局、利川市卫生健康局核实" in joint["lichuan-centre"].body
    assert "请配合利川市智慧城市建设服务中心核实" in joint["lichuan-health"].body
    provider = await act(api, "lichuan-provider", case, "explain", reason="无误")
    assert provider.status_code == 403
    assert (await view(api, "lichuan-centre", case))["actions"] == ["explain", "reject", "repair"]
    # The second provider reads the case and finds it in its list; it does not act.
    assert case["parties"]["second_provider"] == "lichuan-health"
    seen = await view(api, "lichuan-health", case)
    assert (seen["stage"], seen["actions"]) == ("joint_verification", [])
    await settle(clock, case["case_id"])  # the list reads the projection of the stage
    listed = await api.get("/api/v1/cases", headers=auth("lichuan-health"))
    assert [c["case_id"] for c in listed.json()["items"]] == [case["case_id"]]
    stranger = await api.get(f"/api/v1/cases/{case['case_id']}", headers=auth("hebei-provider"))
    assert stranger.status_code in (403, 404)
    wrong = await act(
        api, "lichuan-centre", case, "repair", note="更正出生日期", decision="hubei-hukou"
    )
    assert wrong.status_code == 422
    state = await done(
        api,
        "lichuan-centre",
        case,
        "repair",
        note="出生日期以出生医学证明为准，更正卫健数据",
        decision="lichuan-health-birth",
    )
    assert state["details"]["repaired"]["resource_id"] == "lichuan-health-birth"
    birth = resource(session, "lichuan-health-birth")
    assert birth is not None and birth.version == 2
    hukou = resource(session, "lichuan-hukou")
    assert hukou is not None and hukou.version == 1
    # Disputes in Lichuan go to the service centre, and the raiser is told so.
    results = notices(session, case["case_id"], "verification_result")
    [result] = [n for n in results if n.recipient_department_id == "lichuan-civil"]
    assert "已有利川市智慧城市建设服务中心的校核结果：已修复" in result.body
    assert "由利川市智慧城市建设服务中心决定" in result.body and "主管部门" not in result.body
    await done(api, "lichuan-applicant", case, "dispute", reason="户籍数据也需更正")
    disputed = notices(session, case["case_id"], "dispute_raised")
    [to_centre] = [n for n in disputed if n.recipient_department_id == "lichuan-centre"]
    assert "利川市民政局对利川市公安局的校核结果" in to_centre.body
    assert "请决定维持结果或责令重新校核" in to_centre.body
    [to_provider] = [n for n in disputed if n.recipient_department_id == "lichuan-police"]
    assert "利川市民政局对本部门的校核结果" in to_provider.body
    assert (
        "由利川市智慧城市建设服务中心决定" in to_provider.body and "请决定" not in to_provider.body
    )
    state = await done(api, "lichuan-centre", case, "decide", decision="uphold", reason="已核实")
    assert (state["status"], state["outcome"]) == ("closed", "repaired")
    assert state["details"]["serve_with_proof"] is False
    await keep_history(env.client, case, "lichuan-quality-joint-repaired")


async def test_lichuan_single_provider_answers_within_hubeis_three_days(api, session):
    case = await raise_doubt(api, "lichuan-applicant", resource_id="lichuan-hukou")
    assert (case["stage"], case["deadline"]["cite"]) == ("verification", HUBEI_13)
    assert notices(session, case["case_id"], "serve_with_proof")
    state = await done(api, "lichuan-provider", case, "explain", reason="数据无误")
    assert state["stage"] == "dispute_period"


# -- Dongying and Yuhua: no number, an operator target (until 809) ---------------------------


async def test_dongying_case_received_before_it_ended_tracks_and_reminds(api, clock, session, env):
    # Received before 809 (2025-08-01): Dongying's operator target runs; from then on 809's
    # statutory 10 working days take its place (below). Monday 16 June 2025, no holiday near.
    await clock.set(at("2025-06-16T09:00:00+08:00"))
    case = await raise_doubt(api, "dongying-applicant", resource_id="dongying-hukou")
    assert case["ruleset"] == "dongying-2021-26"
    deadline = case["deadline"]
    assert deadline["basis"] == "target"
    assert deadline["cite"] == "运营目标（第十八条未规定时限）：反馈校核结果"
    assert deadline["due"] == "2025-06-24T00:00:00+08:00"
    await clock.advance_to(at("2025-06-23T12:00:00+08:00"))
    assert "reminded" in kinds(await settled(clock, api, "dongying-applicant", case))
    assert notices(session, case["case_id"], "reminder")
    await clock.advance_to(at("2025-06-24T00:00:01+08:00"))
    assert (await settled(clock, api, "dongying-applicant", case))["overdue"]
    state = await done(api, "dongying-provider", case, "reject", reason="疑义不成立")
    assert state["outcome"] == "rejected"
    closed = await dispute_lapses(api, clock, "dongying-applicant", case)
    assert closed["outcome"] == "rejected"
    await keep_history(env.client, case, "dongying-quality-overdue-rejected")


async def test_dongying_cases_from_809_run_on_its_statutory_ten_days(api, clock):
    # Refused after Dongying ended before 809 was composed in; now 809 第二十六条 governs them,
    # and already displaced Dongying's target while both were in force.
    await clock.set(at("2026-11-16T09:00:00+08:00"))
    both = await raise_doubt(api, "dongying-applicant", resource_id="dongying-hukou")
    assert both["governed_by"] == ["dongying-2021-26", "national-809"]
    deadline = both["deadline"]
    assert (deadline["basis"], deadline["working_days"], deadline["cite"]) == (
        "statute",
        10,
        "《政务数据共享条例》第二十六条",
    )
    assert deadline["due"] == "2026-12-01T00:00:00+08:00"
    await clock.set(at("2026-11-23T09:00:00+08:00"))
    response = await post_case(api, "dongying-applicant", **raising(resource_id="dongying-hukou"))
    assert response.status_code == 201, response.text
    assert response.json()["governed_by"] == ["national-809"]


async def test_yuhua_case_of_its_window_runs_on_a_target(api, clock, env):
    await clock.set(at("2023-05-08T09:00:00+08:00"))
    case = await raise_doubt(api, "yuhua-applicant", resource_id="yuhua-hukou")
    assert (case["ruleset"], case["deadline"]["basis"]) == ("yuhua-2021-9", "target")
    state = await done(api, "yuhua-provider", case, "explain", reason="口径不同")
    assert state["stage"] == "dispute_period"
    await done(api, "yuhua-applicant", case, "dispute", reason="不认可")
    state = await done(api, "yuhua-supervisor", case, "decide", decision="uphold", reason="维持")
    assert (state["status"], state["outcome"]) == ("closed", "explained")
    await keep_history(env.client, case, "yuhua-quality-disputed-upheld")
