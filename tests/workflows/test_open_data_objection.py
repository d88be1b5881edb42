"""Objections to opened data (开放数据异议) under hubei 第二十八条, through the API on the
time-skipping server.

The clock starts on Monday 2026-11-23 09:00 Beijing. The assessment target is 2 working days:
it ends at 24:00 of Wednesday 2026-11-25, so the target instant is 2026-11-26T00:00+08:00.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import httpx
from sqlmodel import Session, select

from models import ApiToken, AttachmentCitation, User
from service.access import hash_token
from tests.attachments import PDF, PNG, uploaded
from tests.cases import act, at, done, kinds, post_case, settle, settled, submit, view
from tests.conftest import auth, both_databases
from tests.histories import keep_history
from tests.records import change_resource, grants, notices, recipients, resource
from workflows.common import Role

HUBEI_28 = "《湖北省政务数据资源应用与管理办法》第二十八条"
ASSESS_TARGET = "运营目标（第二十八条未规定时限）：评估是否中止开放"


def objection(**body: Any) -> dict[str, Any]:
    return {
        "process": "open_data_objection",
        "resource_id": "hubei-org",
        "grounds": "accuracy",
        "description": "公开的机构地址有误，已搬迁。",
        "contact": "13800000000",
        **body,
    }


async def object_to(api: httpx.AsyncClient, key: str = "public", **body: Any) -> dict[str, Any]:
    """Upload the objector's evidence first, unless the test cites its own, then object."""
    if "attachments" not in body:
        body["attachments"] = [await uploaded(api, key, name="出生证明.pdf")]
    return await submit(api, key, **objection(**body))


async def suspended(api: httpx.AsyncClient, case: dict[str, Any]) -> dict[str, Any]:
    return await done(api, "hubei-provider", case, "suspend")


def another_member_of_the_public(session: Session) -> str:
    """A second public user; returns the key `auth` takes for their token."""
    other = User(name="另一公众用户", role=Role.PUBLIC)
    session.add(other)
    session.flush()
    assert other.id is not None
    session.add(ApiToken(user_id=other.id, token_hash=hash_token("other-token"), prefix="other-"))
    session.commit()
    return "other"


async def test_provider_suspends_the_opening_at_once_and_the_time_is_measured(
    api, clock, session, env
):
    case = await object_to(api)
    assert case["case_number"].startswith("HB419-2026-")
    assert case["stage"] == "provider_assessment"
    assert case["deadline"]["basis"] == "target"
    assert case["deadline"]["cite"] == ASSESS_TARGET
    assert case["deadline"]["due"] == "2026-11-26T00:00:00+08:00"
    assert case["actions"] == []
    assert (await view(api, "hubei-provider", case))["actions"] == ["keep_open", "suspend"]
    # The provider is told what to do; the member of the public who objected, that the
    # objection is received and who will answer it.
    received = {
        n.recipient_department_id or "public": n
        for n in notices(session, case["case_id"], "objection_received")
    }
    assert set(received) == {"hubei-police", "public"}
    assert "对本部门数据资源“" in received["hubei-police"].body
    assert "在本案中办理“暂停开放并核实”" in received["hubei-police"].body
    assert received["public"].title.endswith("开放数据异议已登记")
    assert "您对湖北省公安厅开放的数据资源“" in received["public"].body
    assert "湖北省公安厅将根据所附证据判断是否有必要中止开放" in received["public"].body
    assert "suspend" not in received["hubei-police"].body + received["public"].body

    await clock.advance(timedelta(hours=3))
    state = await suspended(api, case)
    assert state["stage"] == "verification"
    after = state["details"]["suspended_after_seconds"]
    assert 3 * 3600 <= after < 3 * 3600 + 60
    # In Beijing time, like every instant the API shows.
    assert state["details"]["suspended_at"].startswith("2026-11-23T12:00")
    assert state["details"]["suspended_at"].endswith("+08:00")
    [event] = [e for e in state["events"] if e["kind"] == "opening_suspended"]
    assert event["detail"]["after_seconds"] == str(after)
    # The opening is suspended, not the sharing (hubei 第三条; this test asserted a suspended
    # sharing status and a refused sharing application before the two were told apart).
    held = resource(session, "hubei-org")
    assert held is not None
    assert (held.open_status, held.suspended_by_case) == ("suspended", case["case_number"])
    assert held.status == "active"
    assert state["details"]["open_status"] == "suspended"
    shown = (await api.get("/api/v1/catalog/hubei-org", headers=auth("hubei-applicant"))).json()
    assert (shown["status"], shown["open_status"]) == ("active", "suspended")
    assert shown["suspended_by_case"] == case["case_number"]
    assert case["case_number"] in shown["open_status_reason"]
    hidden = await api.get("/api/v1/catalog/hubei-org", headers=auth("public"))
    assert (hidden.status_code, hidden.json()["code"]) == (404, "resource_not_found")

    # While suspended: no new objection, naming the case; sharing applications run on.
    cited = [e["attachment_id"] for e in case["details"]["evidence"]]
    again = await post_case(api, "public", **objection(attachments=cited))
    assert (again.status_code, again.json()["code"]) == (409, "resource_suspended")
    assert case["case_number"] in again.json()["message"]
    sharing = await post_case(
        api,
        "hubei-applicant",
        process="sharing_application",
        resource_id="hubei-org",
        purpose="核验机构",
        scenario="登记",
    )
    assert sharing.status_code == 201, sharing.text
    assert sharing.json()["outcome"] == "granted"

    state = await done(
        api, "hubei-provider", case, "close", decision="withdraw", reason="核实地址确有错误"
    )
    assert (state["status"], state["outcome"]) == ("closed", "data_withdrawn")
    assert state["details"]["feedback_after_seconds"] >= after
    assert state["details"]["open_status"] == "withdrawn"
    # Withdrawn from the open catalog, not retired from sharing.
    withdrawn = resource(session, "hubei-org")
    assert withdrawn is not None
    assert (withdrawn.open_status, withdrawn.suspended_by_case) == ("withdrawn", None)
    assert withdrawn.status == "active"
    await keep_history(env.client, case, "hubei-objection-withdrawn")


async def test_restore_reopens_and_the_public_objector_reads_the_outcome(api, session, env, world):
    case = await object_to(api, grounds="privacy")
    await suspended(api, case)
    state = await done(
        api, "hubei-provider", case, "close", decision="restore", reason="未含个人信息"
    )
    assert state["outcome"] == "restored"
    back = resource(session, "hubei-org")
    assert back is not None
    assert (back.status, back.suspended_by_case) == ("active", None)
    assert back.open_status == "open"

    told = notices(session, case["case_id"], "objection_decided")
    assert {n.recipient_user_id for n in told} == {None, world.user_ids["public"]}
    response = await api.get("/api/v1/notices", headers=auth("public"))
    assert response.status_code == 200, response.text
    mine = {item["kind"]: item for item in response.json()["items"]}
    assert set(mine) == {"objection_received", "objection_decided"}
    decided = mine["objection_decided"]
    assert decided["case_id"] == case["case_id"]
    assert "恢复开放" in decided["body"] and "未含个人信息" in decided["body"]
    assert decided["body"].startswith("您对湖北省公安厅数据资源“")
    [provider] = [n for n in told if n.recipient_department_id == "hubei-police"]
    assert provider.body.startswith("本部门已对社会公众就数据资源“")
    # Recorded before the public objector was told of receipt (replays unpatched) and after.
    await keep_history(env.client, case, "hubei-objection-restored-public-told")


async def test_processed_data_is_reopened_with_a_note_of_what_was_done(api, session, env):
    case = await object_to(api, grounds="trade_secret")
    await suspended(api, case)
    missing = await act(
        api, "hubei-provider", case, "close", decision="reopen_processed", reason="已脱敏"
    )
    assert missing.status_code == 422, missing.text
    state = await done(
        api,
        "hubei-provider",
        case,
        "close",
        decision="reopen_processed",
        reason="涉及商业秘密的字段已处理",
        note="删除“地址”字段中的门牌号",
    )
    assert state["outcome"] == "reopened_processed"
    reopened = resource(session, "hubei-org")
    assert reopened is not None
    assert reopened.status == "active" and reopened.open_status == "open"
    [told] = [
        n for n in notices(session, case["case_id"], "objection_decided") if n.recipient_user_id
    ]
    assert "门牌号" in told.body
    await keep_history(env.client, case, "hubei-objection-reopened")


async def test_provider_may_keep_the_opening_with_reasons(api, session, env):
    case = await object_to(api)
    missing = await act(api, "hubei-provider", case, "keep_open")
    assert missing.status_code == 422, missing.text
    state = await done(api, "hubei-provider", case, "keep_open", reason="证据不足以中止开放")
    assert state["stage"] == "verification"
    assert state["details"]["suspended_after_seconds"] is None
    assert "opening_suspended" not in kinds(state)
    kept = resource(session, "hubei-org")
    assert kept is not None
    assert kept.status == "active"
    state = await done(api, "hubei-provider", case, "close", decision="restore", reason="数据无误")
    assert state["outcome"] == "restored"
    await keep_history(env.client, case, "hubei-objection-kept-open")


async def test_only_the_provider_acts_and_only_at_its_stage(api):
    case = await object_to(api)
    assert (await act(api, "hubei-applicant", case, "suspend")).status_code == 403
    assert (await act(api, "public", case, "suspend")).status_code == 403
    early = await act(api, "hubei-provider", case, "close", decision="restore", reason="无误")
    assert early.status_code == 409, early.text
    await suspended(api, case)
    assert (await act(api, "hubei-provider", case, "suspend")).status_code == 409
    bad = await act(api, "hubei-provider", case, "close", decision="delete", reason="无")
    assert bad.status_code == 422
    no_reason = await act(api, "hubei-provider", case, "close", decision="withdraw")
    assert no_reason.status_code == 422


async def test_only_opened_active_data_with_own_uploaded_evidence_can_be_objected_to(api):
    mine = await uploaded(api, "public")

    async def refused(**body: Any) -> httpx.Response:
        body.setdefault("attachments", [mine])
        return await post_case(api, "public", **objection(**body))

    not_opened = await refused(resource_id="hubei-hukou")
    assert not_opened.status_code == 422
    assert "不予开放" in not_opened.json()["message"]
    assert (await refused(resource_id="nowhere")).status_code == 404
    assert (await refused(attachments=[])).status_code == 422
    assert (await refused(attachments=[mine] * 21)).status_code == 422
    # The descriptor form of before: evidence is uploaded now, and cited by id.
    described = {"name": "证明.pdf", "content_type": "application/pdf", "size": 1, "sha256": "a"}
    old_form = await post_case(api, "public", **objection(evidence=[described]))
    assert old_form.status_code == 422, old_form.text
    theirs = await uploaded(api, "hubei-applicant")
    borrowed = await refused(attachments=[mine, theirs])
    assert (borrowed.status_code, borrowed.json()["code"]) == (422, "attachment_not_own")
    assert str(theirs) in borrowed.json()["message"]
    unknown = await refused(attachments=[4040])
    assert (unknown.status_code, unknown.json()["code"]) == (422, "attachment_not_found")
    own_data = await uploaded(api, "hubei-provider")
    own = await post_case(api, "hubei-provider", **objection(attachments=[own_data]))
    assert (own.status_code, own.json()["code"]) == (422, "own_data")
    # Nothing was created by any refusal.
    assert (await api.get("/api/v1/cases", headers=auth("public"))).json()["items"] == []


async def test_public_evidence_is_read_by_the_case_parties_and_no_other_member_of_the_public(
    api, session: Session, env
):
    other = another_member_of_the_public(session)
    pdf = await uploaded(api, "public", name="出生证明.pdf")
    png = await uploaded(api, "public", PNG, content_type="image/png", name="截图.png")
    case = await object_to(api, attachments=[pdf, png, pdf])
    assert case["details"]["evidence"] == [
        {
            "name": "出生证明.pdf",
            "content_type": "application/pdf",
            "size": len(PDF),
            "sha256": hashlib.sha256(PDF).hexdigest(),
            "attachment_id": pdf,
        },
        {
            "name": "截图.png",
            "content_type": "image/png",
            "size": len(PNG),
            "sha256": hashlib.sha256(PNG).hexdigest(),
            "attachment_id": png,
        },
    ]
    session.expire_all()
    citations = session.exec(
        select(AttachmentCitation).where(AttachmentCitation.case_id == case["case_id"])
    ).all()
    assert sorted(c.attachment_id for c in citations) == sorted([pdf, png])

    async def read(key: str, attachment: int) -> httpx.Response:
        return await api.get(f"/api/v1/attachments/{attachment}", headers=auth(key))

    # The objector, the provider and the supervisor over the jurisdiction read the evidence.
    for key in ("public", "hubei-provider", "hubei-supervisor"):
        response = await read(key, pdf)
        assert (response.status_code, response.content) == (200, PDF), key
    png_read = await read("hubei-provider", png)
    assert (png_read.status_code, png_read.headers["content-type"]) == (200, "image/png")
    # Another member of the public, and departments not party to the case, may not.
    for key in (other, "hubei-applicant", "hebei-provider"):
        response = await read(key, pdf)
        assert (response.status_code, response.json()["code"]) == (403, "attachment_forbidden")
        assert "无权查看该附件" in response.json()["message"]
    # Nor may another member of the public cite the objector's upload in an objection of theirs.
    borrowed = await api.post(
        "/api/v1/cases", json=objection(attachments=[pdf]), headers=auth(other)
    )
    assert (borrowed.status_code, borrowed.json()["code"]) == (422, "attachment_not_own")

    await suspended(api, case)
    state = await done(
        api, "hubei-provider", case, "close", decision="withdraw", reason="核实地址确有错误"
    )
    assert state["outcome"] == "data_withdrawn"
    await keep_history(env.client, case, "hubei-objection-evidence-cited")


async def test_an_organisation_objects_through_its_caseworker(api, session, clock):
    case = await object_to(api, "hubei-applicant")
    await settle(clock, case["case_id"])  # the list reads the projection of the first stage
    assert case["parties"]["applicant"] == "hubei-civil"
    listed = await api.get("/api/v1/cases", headers=auth("hubei-applicant"))
    assert [c["case_id"] for c in listed.json()["items"]] == [case["case_id"]]


async def test_lichuan_objections_run_under_hubei_article_28(api):
    case = await object_to(api, resource_id="lichuan-org")
    # Lichuan's instrument has no objection procedure: Hubei's order governs the case and
    # numbers it (its file no longer copies Hubei's article).
    assert case["case_number"].startswith("HB419-2026-")
    assert (case["ruleset"], case["governed_by"]) == ("hubei-419", ["hubei-419"])
    assert case["jurisdiction"] == "hubei.lichuan"
    provider_view = await view(api, "lichuan-provider", case)
    assert provider_view["actions"] == ["keep_open", "suspend"]
    state = await done(api, "lichuan-provider", case, "suspend")
    [event] = [e for e in state["events"] if e["kind"] == "opening_suspended"]
    assert event["detail"]["cite"] == HUBEI_28


async def test_a_public_objector_sees_only_their_own_cases(api, session: Session, clock):
    other = another_member_of_the_public(session)
    case = await object_to(api)
    await settle(clock, case["case_id"])  # the list reads the projection of the first stage
    mine = await api.get("/api/v1/cases", headers=auth("public"))
    assert [c["case_id"] for c in mine.json()["items"]] == [case["case_id"]]
    assert (await view(api, "public", case))["details"]["grounds"] == "accuracy"
    theirs = await api.get("/api/v1/cases", headers=auth(other))
    assert theirs.status_code == 200 and theirs.json()["items"] == []
    peek = await api.get(f"/api/v1/cases/{case['case_id']}", headers=auth(other))
    assert peek.status_code == 403
    assert (await api.get("/api/v1/notices", headers=auth(other))).json()["items"] == []


async def test_assessment_past_target_is_overdue_for_the_supervisor(api, clock, session, env):
    case = await object_to(api)
    await clock.advance_to(at("2026-11-26T00:00:01+08:00"))
    state = await settled(clock, api, "hubei-supervisor", case)
    assert state["overdue"]
    assert state["stage"] == "provider_assessment"
    assert "reminded" in kinds(state) and "overdue" in kinds(state)
    told = recipients(notices(session, case["case_id"], "overdue"))
    assert told == {"hubei-police", "hubei-bigdata"}
    listed = await api.get("/api/v1/cases?overdue=true", headers=auth("hubei-supervisor"))
    assert [c["case_id"] for c in listed.json()["items"]] == [case["case_id"]]
    # Late, the provider can still suspend; the case keeps waiting until it does.
    state = await suspended(api, case)
    assert state["details"]["suspended_after_seconds"] > 2 * 24 * 3600
    await keep_history(env.client, case, "hubei-objection-overdue")


# -- opening is not sharing (hubei 第三条) --------------------------------------------------


async def open_catalog(api: httpx.AsyncClient) -> list[str]:
    listed = await api.get("/api/v1/catalog", headers=auth("public"))
    assert listed.status_code == 200, listed.text
    return [r["id"] for r in listed.json()["items"]]


async def apply_for_org(api: httpx.AsyncClient) -> dict[str, Any]:
    """hubei-org is unconditional sharing data: the platform grants it at once."""
    return await submit(api, "hubei-applicant", resource_id="hubei-org", fields=["机构名称"])


@both_databases
async def test_sharing_runs_on_while_the_opening_is_suspended_and_a_restore_shows_it_again(
    api, session, env
):
    before = await apply_for_org(api)
    assert "hubei-org" in await open_catalog(api)
    case = await object_to(api)
    await suspended(api, case)
    # The public no longer sees the suspended opening, in the list or by its id.
    assert "hubei-org" not in await open_catalog(api)
    assert (await api.get("/api/v1/catalog/hubei-org", headers=auth("public"))).status_code == 404
    # Sharing between departments runs on: an application is granted, earlier grants stand.
    during = await apply_for_org(api)
    assert during["outcome"] == "granted"
    assert [g.revoked_at for g in grants(session, before["case_id"])] == [None]
    entry = resource(session, "hubei-org")
    assert entry is not None
    assert (entry.status, entry.open_status) == ("active", "suspended")

    state = await done(
        api, "hubei-provider", case, "close", decision="restore", reason="地址核实无误"
    )
    assert (state["outcome"], state["details"]["open_status"]) == ("restored", "open")
    assert "open_status_set" in kinds(state)
    assert "hubei-org" in await open_catalog(api)
    shown = (await api.get("/api/v1/catalog/hubei-org", headers=auth("public"))).json()
    assert (shown["open_status"], shown["suspended_by_case"]) == ("open", None)
    await keep_history(env.client, case, "hubei-objection-sharing-runs-on")


@both_databases
async def test_a_withdrawn_opening_stays_shared_and_takes_no_new_objection(api, session, env):
    case = await object_to(api, grounds="privacy")
    await suspended(api, case)
    state = await done(
        api, "hubei-provider", case, "close", decision="withdraw", reason="含个人住址"
    )
    assert state["details"]["open_status"] == "withdrawn"
    entry = resource(session, "hubei-org")
    assert entry is not None
    assert (entry.status, entry.open_status, entry.suspended_by_case) == (
        "active",
        "withdrawn",
        None,
    )
    assert case["case_number"] in entry.open_status_reason
    assert "hubei-org" not in await open_catalog(api)
    # No longer opened: a new objection is refused, and nothing is created.
    again = await post_case(api, "public", **objection(attachments=[await uploaded(api, "public")]))
    assert (again.status_code, again.json()["code"]) == (409, "opening_withdrawn")
    assert "撤回开放" in again.json()["message"]
    mine = (await api.get("/api/v1/cases", headers=auth("public"))).json()["items"]
    assert [c["case_id"] for c in mine] == [case["case_id"]]
    # Still shared between departments: withdrawing the opening retired nothing.
    granted = await apply_for_org(api)
    assert granted["outcome"] == "granted"
    staff = (await api.get("/api/v1/catalog/hubei-org", headers=auth("hubei-applicant"))).json()
    assert (staff["status"], staff["open_status"]) == ("active", "withdrawn")
    await keep_history(env.client, case, "hubei-objection-opening-withdrawn")


async def test_a_retired_entry_takes_no_objection_and_leaves_the_open_catalog(api, session):
    """The sharing status still closes the opening where the entry itself is retired."""
    change_resource(session, "hubei-org", status="retired")
    refused = await post_case(
        api, "public", **objection(attachments=[await uploaded(api, "public")])
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "resource_retired")
    assert "hubei-org" not in await open_catalog(api)
