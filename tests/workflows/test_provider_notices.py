"""A provider's own filings under dongying 第二十条 and 第二十三条: a temporary share type for a
sudden public event, and a service-change notice (共享告知) to the departments using the data.

Filed on Wednesday 2026-09-30, before National Day (1–7 October, Saturday 10 October a working
day): the 10-working-day notice period ends at 24:00 of 20 October, so a change may take effect
from 21 October at the earliest.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from models import Authorization
from tests.cases import act, at, done, kinds, settled, submit, view
from tests.conftest import TestClock, auth
from tests.histories import keep_history
from tests.records import grants, notices, notices_to, recipients, resource
from workflows.common import GrantedBy

DY20 = "《东营市公共数据管理办法》第二十条"
NAME = ["姓名"]


@pytest.fixture
async def clock(clock: TestClock) -> TestClock:
    """Every test here files on Wednesday 2026-09-30 (above), at 10:00."""
    await clock.set(at("2026-09-30T10:00:00+08:00"))
    return clock


async def file(
    api: httpx.AsyncClient, key: str = "dongying-provider", **body: Any
) -> httpx.Response:
    return await api.post("/api/v1/cases", json=body, headers=auth(key))


async def filed(api: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    return await submit(api, "dongying-provider", **body)


def reclassification(**body: Any) -> dict[str, Any]:
    return {
        "process": "emergency_reclassification",
        "resource_id": "dongying-hukou",
        "share_type": "unconditional",
        "reason": "突发洪涝灾害，救援需要核验受灾人员身份",
        "until": "2026-10-08",
        **body,
    }


def service_change(**body: Any) -> dict[str, Any]:
    return {
        "process": "service_change",
        "resource_id": "dongying-hukou",
        "kind": "stop",
        "effective_on": "2026-10-21",
        "description": "旧户籍核验接口停用，改由新接口提供。",
        "reason": "旧接口存在安全漏洞，无法修复",
        **body,
    }


# -- emergency reclassification ------------------------------------------------------------


async def test_a_temporary_share_type_must_end_after_today_and_within_90_days(api, clock, session):
    past = await file(api, **reclassification(until="2026-09-29"))
    assert (past.status_code, past.json()["code"]) == (422, "until_in_past")
    far = await file(api, **reclassification(until="2026-12-30"))
    assert (far.status_code, far.json()["code"]) == (422, "until_too_far")
    assert "90日" in far.json()["message"]
    entry = resource(session, "dongying-hukou")
    assert entry is not None and entry.share_type == "conditional"  # nothing changed
    furthest = await file(api, **reclassification(until="2026-12-29"))
    assert furthest.status_code == 201, furthest.text


async def test_temporary_share_type_shows_in_the_catalog_and_ends_at_midnight(
    api, clock, session, env
):
    case = await filed(api, **reclassification())
    assert case["stage"] == "reclassified" and case["actions"] == ["restore"]
    shown = await api.get("/api/v1/catalog/dongying-hukou", headers=auth("dongying-applicant"))
    entry = shown.json()
    assert entry["share_type"] == "unconditional"
    assert entry["reclassified_by_case"] == case["case_number"]
    assert (entry["reclassified_until"], entry["share_type_before"]) == (
        "2026-10-08",
        "conditional",
    )
    assert "突发洪涝灾害" in entry["share_type_reason"]
    changed = next(e for e in case["events"] if e["kind"] == "reclassified")
    assert changed["detail"]["cite"] == DY20 and changed["detail"]["until"] == "2026-10-08"

    await clock.advance_to(at("2026-10-08T23:59:59+08:00"))
    assert (await view(api, "dongying-provider", case))["status"] == "open"
    await clock.advance(timedelta(seconds=2))
    state = await settled(clock, api, "dongying-provider", case)
    assert state["status"] == "closed"
    assert state["outcome"] == "restored_at_end"
    assert kinds(state)[-2:] == ["share_type_restored", "closed"]
    restored = resource(session, "dongying-hukou")
    assert restored is not None
    assert (restored.share_type, restored.reclassified_by_case) == ("conditional", None)
    assert "届满" in restored.share_type_reason
    told = recipients(notices(session, case["case_id"]))
    assert told == {"dongying-police", "dongying-bigdata"}
    await keep_history(env.client, case, "dongying-reclassified-until-end")


async def test_provider_restores_early_and_only_more_open_types_are_allowed(
    api, clock, session, env
):
    less_open = await file(
        api, **reclassification(resource_id="dongying-org", share_type="conditional")
    )
    assert less_open.status_code == 422 and less_open.json()["code"] == "not_more_open"
    foreign = await file(api, "dongying-applicant", **reclassification())
    assert foreign.status_code == 403

    case = await filed(
        api, **reclassification(resource_id="dongying-case", share_type="conditional")
    )
    again = await file(api, **reclassification(resource_id="dongying-case"))
    assert again.status_code == 409 and case["case_number"] in again.json()["message"]

    bad = await api.post(
        f"/api/v1/cases/{case['case_id']}/actions/restore",
        json={},
        headers=auth("dongying-provider"),
    )
    assert bad.status_code == 422
    state = await done(api, "dongying-provider", case, "restore", reason="险情解除")
    assert (state["status"], state["outcome"]) == ("closed", "restored_early")
    entry = resource(session, "dongying-case")
    assert entry is not None and entry.share_type == "not_shared"
    assert "险情解除" in entry.share_type_reason and entry.reclassified_until is None
    await keep_history(env.client, case, "dongying-reclassified-restored-early")


# -- grants made under a temporary share type end with it (dongying 第二十条第三款) ---------


async def test_an_early_restore_revokes_emergency_grants_unless_ordinarily_approved_since(
    api, clock, session, env
):
    # Before the emergency: an ordinary (conditional) application, still with the provider.
    ordinary = await submit(api, "dongying-applicant", resource_id="dongying-hukou", fields=NAME)
    assert ordinary["stage"] == "provider_review"
    case = await filed(api, **reclassification())
    # Under the temporary unconditional type the platform grants at once, until its last day.
    covered = await submit(api, "dongying-applicant", resource_id="dongying-hukou", fields=NAME)
    wider = await submit(
        api,
        "dongying-applicant",
        resource_id="dongying-hukou",
        fields=["姓名", "户籍地址"],
        valid_until="2026-12-31",
    )
    for emergency in (covered, wider):
        assert emergency["outcome"] == "granted"
        assert emergency["details"]["reclassified_by_case"] == case["case_number"]
        [grant] = grants(session, emergency["case_id"])
        assert (grant.valid_until, grant.reclassified_by_case) == (
            date(2026, 10, 8),
            case["case_number"],
        )
    # Since then the provider approves the ordinary application: it covers `covered` only.
    await clock.advance_to(at("2026-10-05T09:00:00+08:00"))
    before = await done(api, "dongying-provider", ordinary, "approve")
    assert before["outcome"] == "granted"
    [ordinary_grant] = grants(session, ordinary["case_id"])
    assert ordinary_grant.reclassified_by_case is None

    state = await done(api, "dongying-provider", case, "restore", reason="险情解除")
    assert state["outcome"] == "restored_early"
    assert kinds(state)[-3:] == ["share_type_restored", "emergency_grants_ended", "closed"]
    assert state["details"]["grants_revoked"] == [wider["case_id"]]
    assert state["details"]["grants_kept"] == [covered["case_id"]]
    ended = next(e for e in state["events"] if e["kind"] == "emergency_grants_ended")
    assert (ended["detail"]["revoked"], ended["detail"]["kept"]) == ("1", "1")
    assert ended["detail"]["cite"] == DY20

    [revoked] = grants(session, wider["case_id"])
    assert revoked.revoked_at is not None and "险情解除" in revoked.revoked_reason
    [kept] = grants(session, covered["case_id"])
    assert (kept.revoked_at, kept.kept_by_case) == (None, ordinary["case_id"])
    assert ordinary_grant.revoked_at is None
    [told] = notices(session, case["case_id"], "emergency_grant_ended")
    assert told.recipient_department_id == "dongying-civil"
    assert wider["case_number"] in told.body and "撤销" in told.body
    assert covered["case_number"] in told.body and ordinary["case_number"] in told.body
    summary = notices(session, case["case_id"], "reclassification_ended")
    assert summary and all("撤销1项" in n.body for n in summary)
    # The holders read it through the API as well.
    listed = await api.get(
        "/api/v1/authorizations",
        params={"case_id": wider["case_id"]},
        headers=auth("dongying-applicant"),
    )
    [shown] = listed.json()["items"]
    assert shown["reclassified_by_case"] == case["case_number"] and shown["revoked_at"]
    assert "险情解除" in shown["revoked_reason"]
    await keep_history(env.client, case, "dongying-reclassified-grants-ended")


async def test_emergency_grants_end_at_midnight_and_late_consent_grants_nothing(
    api, clock, session, env
):
    # dongying-case is not shared; for the emergency it is conditional until 8 October.
    case = await filed(
        api, **reclassification(resource_id="dongying-case", share_type="conditional")
    )
    early = await submit(api, "dongying-applicant", resource_id="dongying-case")
    await done(api, "dongying-provider", early, "approve")
    late = await submit(api, "dongying-applicant", resource_id="dongying-case")
    untouched = await submit(api, "dongying-applicant", resource_id="dongying-hukou")
    await done(api, "dongying-provider", untouched, "approve")

    await clock.advance_to(at("2026-10-09T00:00:05+08:00"))
    state = await settled(clock, api, "dongying-provider", case)
    assert state["outcome"] == "restored_at_end"
    assert state["details"]["grants_revoked"] == [early["case_id"]]
    [ended] = grants(session, early["case_id"])
    assert ended.revoked_at is not None and ended.valid_until == date(2026, 10, 8)
    assert "届满" in ended.revoked_reason
    [ordinary] = grants(session, untouched["case_id"])
    assert (ordinary.revoked_at, ordinary.reclassified_by_case) == (None, None)

    # Received under the temporary type, consented after it ended: recorded, revoked at once.
    after = await done(api, "dongying-provider", late, "approve")
    assert after["outcome"] == "granted"
    [stillborn] = grants(session, late["case_id"])
    assert stillborn.revoked_at == stillborn.granted_at
    assert case["case_number"] in stillborn.revoked_reason
    await keep_history(env.client, case, "dongying-reclassified-grants-end-at-midnight")


# -- service-change notice -----------------------------------------------------------------


def authorize(session: Session, department: str, case_id: str) -> None:
    session.add(
        Authorization(
            case_id=case_id,
            stage="provider_review",
            applicant_department_id=department,
            resource_id="dongying-hukou",
            granted_by=GrantedBy.PROVIDER,
            granted_at=datetime(2026, 9, 1, tzinfo=UTC),
        )
    )
    session.commit()


async def test_timely_stop_notice_tells_each_holder_once_and_retires_the_resource(
    api, clock, session, env
):
    authorize(session, "dongying-civil", "sharing-application/DY26-2026-000901")
    authorize(session, "dongying-civil", "sharing-application/DY26-2026-000902")
    case = await filed(api, **service_change())
    assert case["ruleset"] == "dongying-2021-26"
    state = await settled(clock, api, "dongying-provider", case)
    assert state["stage"] == "announced"
    assert state["details"]["late"] is False and state["overdue"] is False
    assert state["details"]["notice_period_last_day"] == "2026-10-20"
    assert state["details"]["notified"] == ["dongying-civil"]
    sent = notices(session, case["case_id"], "service_change")
    assert sorted(str(n.recipient_department_id) for n in sent) == [
        "dongying-bigdata",
        "dongying-civil",
    ]
    assert "停用" in sent[0].title and "未按规定" not in sent[0].title

    await clock.advance_to(at("2026-10-20T23:59:59+08:00"))
    entry = resource(session, "dongying-hukou")
    assert entry is not None and entry.status == "active"
    await clock.advance(timedelta(seconds=2))
    state = await settled(clock, api, "dongying-provider", case)
    assert state["status"] == "closed"
    entry = resource(session, "dongying-hukou")
    assert entry is not None and entry.status == "retired"
    assert case["case_number"] in entry.status_reason
    await keep_history(env.client, case, "dongying-service-stop")


async def test_late_notice_is_flagged_on_the_case_in_the_notices_and_in_the_list(
    api, clock, session, env
):
    authorize(session, "dongying-civil", "sharing-application/DY26-2026-000901")
    # Effective on the period's last day: one day short.
    case = await filed(api, **service_change(kind="upgrade", effective_on="2026-10-20"))
    state = await settled(clock, api, "dongying-supervisor", case)
    assert state["stage"] == "announced"
    assert state["details"]["late"] is True and state["overdue"] is True
    assert state["details"]["earliest_timely_effective_on"] == "2026-10-21"
    assert "late_filing" in kinds(state)
    [told] = notices_to(session, case["case_id"], "service_change", "dongying-civil")
    assert "未按规定提前告知" in told.title and "提前10个工作日" in told.body
    listed = await api.get("/api/v1/cases?overdue=true", headers=auth("dongying-supervisor"))
    assert [c["case_id"] for c in listed.json()["items"]] == [case["case_id"]]

    await clock.advance_to(at("2026-10-20T00:00:01+08:00"))
    state = await settled(clock, api, "dongying-supervisor", case)
    assert state["status"] == "closed"
    assert state["outcome"] == "took_effect"
    entry = resource(session, "dongying-hukou")
    assert entry is not None and entry.status == "active"  # an upgrade leaves it in service
    await keep_history(env.client, case, "dongying-service-change-late")


async def test_a_withdrawn_stop_notice_tells_the_holders_and_leaves_the_service(
    api, clock, session, env
):
    authorize(session, "dongying-civil", "sharing-application/DY26-2026-000901")
    case = await filed(api, **service_change())
    state = await settled(clock, api, "dongying-provider", case)
    assert state["stage"] == "announced"
    assert state["actions"] == ["withdraw"]
    refused = await act(api, "dongying-applicant", case, "withdraw", reason="x")
    assert refused.status_code in (403, 404)
    assert (await act(api, "dongying-provider", case, "withdraw")).status_code == 422

    await clock.advance_to(at("2026-10-12T09:00:00+08:00"))
    state = await done(api, "dongying-provider", case, "withdraw", reason="新接口延期上线")
    assert (state["status"], state["outcome"]) == ("closed", "withdrawn")
    [told] = notices_to(session, case["case_id"], "service_change_withdrawn", "dongying-civil")
    assert "撤回" in told.title and "新接口延期上线" in told.body

    await clock.advance_to(at("2026-10-21T00:00:05+08:00"))
    entry = resource(session, "dongying-hukou")
    assert entry is not None and entry.status == "active"
    await keep_history(env.client, case, "dongying-service-stop-withdrawn")


async def test_a_stop_whose_day_has_come_takes_effect_at_once_and_is_late(api, clock, session):
    case = await filed(api, **service_change(effective_on="2026-09-30"))
    state = await settled(clock, api, "dongying-provider", case)
    assert state["status"] == "closed"
    assert (state["outcome"], state["details"]["late"]) == ("took_effect", True)
    entry = resource(session, "dongying-hukou")
    assert entry is not None and entry.status == "retired"


async def test_an_effective_day_before_the_filing_day_is_refused_and_changes_nothing(
    api, clock, session
):
    typo = await file(api, **service_change(effective_on="2020-12-20"))
    assert (typo.status_code, typo.json()["code"]) == (422, "effective_on_in_past")
    assert "早于告知之日" in typo.json()["message"]
    yesterday = await file(api, **service_change(effective_on="2026-09-29"))
    assert (yesterday.status_code, yesterday.json()["code"]) == (422, "effective_on_in_past")
    entry = resource(session, "dongying-hukou")
    assert entry is not None and entry.status == "active"
    listed = await api.get("/api/v1/cases", headers=auth("dongying-provider"))
    assert listed.json()["items"] == []
    # A stop filed for tomorrow leaves the service running, and withdrawable, until its day.
    case = await filed(api, **service_change(effective_on="2026-10-01"))
    await clock.advance_to(at("2026-09-30T23:59:59+08:00"))
    state = await settled(clock, api, "dongying-provider", case)
    assert (state["status"], state["actions"]) == ("open", ["withdraw"])
    entry = resource(session, "dongying-hukou")
    assert entry is not None and entry.status == "active"
    await clock.advance(timedelta(seconds=2))
    assert (await settled(clock, api, "dongying-provider", case))["outcome"] == "took_effect"
    entry = resource(session, "dongying-hukou")
    assert entry is not None and entry.status == "retired"


async def test_a_stop_is_filed_with_its_reason_the_holders_consulted_and_the_authority(
    api, clock, session, env
):
    """809 第二十七条第三款: only for good reason, after consulting the requesters, filed (备案)
    with the authority; Dongying's 10-working-day notice stays on top."""
    authorize(session, "dongying-civil", "sharing-application/DY26-2026-000901")
    unreasoned = await file(api, **service_change(reason=""))
    assert (unreasoned.status_code, unreasoned.json()["code"]) == (422, "reason_required")
    assert "第二十七条" in unreasoned.json()["message"]
    case = await filed(api, **service_change(consultation="2026年9月25日已召开协调会"))
    state = await settled(clock, api, "dongying-provider", case)
    details = state["details"]
    assert details["consulted"] == ["dongying-civil"]
    assert details["filed_with"] == "dongying-bigdata"
    assert "《政务数据共享条例》第二十七条" in details["filing_cite"]
    assert details["reason"] == "旧接口存在安全漏洞，无法修复"
    assert details["notice_period_last_day"] == "2026-10-20"  # dongying 第二十三条 stays
    assert {"holders_consulted", "filed_with_authority"} <= set(kinds(state))
    [filed_notice] = notices_to(session, case["case_id"], "service_change", "dongying-bigdata")
    assert "备案" in filed_notice.body and "协调会" in filed_notice.body
    assert "安全漏洞" in filed_notice.body
    # An upgrade neither stops nor changes the service: no reason is asked.
    upgrade = await file(api, **service_change(kind="upgrade", reason=""))
    assert upgrade.status_code == 201, upgrade.text
    await keep_history(env.client, case, "dongying-service-stop-consulted-and-filed")
