"""Catalog updates (目录更新) through the API on the time-skipping server.

The clock starts on Monday 2026-11-23 09:00 Beijing. A change on Friday 2026-11-20 gives
10 working days ending at 24:00 of Friday 2026-12-04 (the trigger day is not counted). Since
2025-08-01 809 第十七条 binds changes of laws and functions: Hebei's extension adds at most 5
more from that last day (to 24:00 of Friday 2026-12-11), reviews take 2 working days, and
Hubei's "promptly" is a statutory 10 with the authority's review added.
"""

from __future__ import annotations

from typing import Any

import httpx
from sqlmodel import Session, select

from models import CatalogChange, CatalogVersion
from tests.cases import act, done, kinds, settled, submit, view
from tests.conftest import auth
from tests.histories import keep_history
from tests.records import notices, recipients, resource
from workflows.yearly_maintenance import YearlyMaintenanceInput, YearlyMaintenanceWorkflow

HEBEI_9 = "《河北省政务数据共享应用管理办法》第九条"
N809_17 = "《政务数据共享条例》第十七条"


def update_filing(trigger_date: str = "2026-11-20", **body: Any) -> dict[str, Any]:
    """A catalog update's filing: for a change of law on `trigger_date` unless `body` says."""
    return {
        "process": "catalog_update",
        "trigger": "law_changed",
        "trigger_date": trigger_date,
        "description": "《户口登记条例》修订，户籍信息增加数据项",
        **body,
    }


async def open_update(
    api: httpx.AsyncClient, key: str, trigger_date: str = "2026-11-20", **body: Any
) -> dict[str, Any]:
    return await submit(api, key, **update_filing(trigger_date, **body))


async def edit(api: httpx.AsyncClient, key: str, case: dict[str, Any], **body: Any) -> Any:
    return await api.post(f"/api/v1/cases/{case['case_id']}/draft", json=body, headers=auth(key))


async def test_hubei_draft_is_published_as_a_version_with_a_readable_diff(
    api, clock, session: Session, env
):
    case = await open_update(api, "hubei-provider")
    assert case["stage"] == "department_update"
    # Hubei's “及时” was an operator target; 809 第十七条 makes it a statutory 10 days.
    assert (case["deadline"]["basis"], case["deadline"]["cite"]) == ("statute", N809_17)
    assert case["deadline"]["due"] == "2026-12-05T00:00:00+08:00"
    assert case["details"]["trigger_cite"] == "《湖北省政务数据资源应用与管理办法》第十一条"

    missing = await edit(api, "hubei-provider", case, op="change", resource_id="nope")
    assert (missing.status_code, missing.json()["code"]) == (404, "resource_not_found")
    foreign = await edit(api, "hubei-provider", case, op="retire", resource_id="hebei-org")
    assert foreign.status_code == 403
    unfounded = await edit(
        api, "hubei-provider", case, op="change", resource_id="hubei-org", share_type="conditional"
    )
    assert (unfounded.status_code, unfounded.json()["code"]) == (422, "legal_basis_required")
    # Not-shared only through the negative-listing process, whatever the basis.
    listed = await edit(
        api,
        "hubei-provider",
        case,
        op="change",
        resource_id="hubei-org",
        share_type="not_shared",
        legal_basis="《中华人民共和国居民身份证法》",
    )
    assert (listed.status_code, listed.json()["code"]) == (422, "negative_listing_required")
    outsider = await edit(api, "hubei-applicant", case, op="retire", resource_id="hubei-org")
    assert outsider.status_code == 403
    as_is = {"op": "change", "resource_id": "hubei-org", "share_type": "unconditional"}
    same = await edit(api, "hubei-provider", case, **as_is)
    assert (same.status_code, same.json()["code"]) == (422, "entry_unchanged")

    added = await edit(
        api,
        "hubei-provider",
        case,
        op="add",
        resource_id="hubei-vehicle",
        name="机动车登记信息",
        share_type="conditional",
        legal_basis="《中华人民共和国道路交通安全法》",
        fields=["号牌号码", "所有人"],
    )
    assert added.status_code == 200, added.text
    changed = await edit(
        api,
        "hubei-provider",
        case,
        op="change",
        resource_id="hubei-hukou",
        fields=["姓名", "身份证号", "户籍地址", "婚姻状况", "曾用名"],
    )
    state = changed.json()
    assert [c["resource_id"] for c in state["details"]["draft"]] == ["hubei-vehicle", "hubei-hukou"]
    # Nothing changes the live catalog before publication.
    assert resource(session, "hubei-vehicle") is None
    hukou = resource(session, "hubei-hukou")
    assert hukou is not None and "曾用名" not in hukou.fields

    state = await done(api, "hubei-provider", case, "submit")
    # 809 第十七条: the authority reviews and publishes within 2 working days.
    assert (state["stage"], state["deadline"]["working_days"]) == ("authority_review", 2)
    assert resource(session, "hubei-vehicle") is None
    state = await done(api, "hubei-supervisor", case, "publish")
    assert (state["status"], state["outcome"]) == ("closed", "published")
    number = state["details"]["version"]
    vehicle = resource(session, "hubei-vehicle")
    assert vehicle is not None and vehicle.created_by_case == case["case_id"]
    hukou = resource(session, "hubei-hukou")
    assert hukou is not None and hukou.fields[-1] == "曾用名"
    version = (
        await api.get(f"/api/v1/catalog/versions/{number}", headers=auth("hubei-applicant"))
    ).json()
    assert version["case_number"] == case["case_number"]
    diffs = [line for change in version["changes"] for line in change["diff"]]
    assert diffs[0] == "新增目录条目“机动车登记信息”（hubei-vehicle，有条件共享）"
    assert diffs[1].startswith("“户籍人口基本信息”数据项：")
    assert diffs[1].endswith("、曾用名")
    listed = (await api.get("/api/v1/catalog/versions", headers=auth("auditor"))).json()
    assert listed["total"] == 1
    # The list holds what each version changed, as the version itself does.
    assert listed["items"][0]["changes"] == version["changes"]
    published = notices(session, case["case_id"], "catalog_published")
    assert recipients(published) == {"hubei-police", "hubei-bigdata"}
    await keep_history(env.client, case, "hubei-catalog-published")


async def test_trigger_in_the_future_is_refused(api, clock, session):
    future = update_filing("2026-11-24", description="x")
    response = await api.post("/api/v1/cases", json=future, headers=auth("hubei-provider"))
    assert (response.status_code, response.json()["code"]) == (422, "trigger_date_in_future")


async def test_a_trigger_the_rules_do_not_name_is_refused_by_its_name(api):
    purchased = update_filing(trigger="data_purchased", description="购买企业信用数据")
    response = await api.post("/api/v1/cases", json=purchased, headers=auth("hebei-provider"))
    assert response.status_code == 422
    message = response.json()["message"]
    assert "未规定因“购买数据资源”更新目录" in message
    assert "law_changed（法律法规修订）" in message and "data_purchased”" not in message


async def test_the_first_answer_to_a_late_registration_already_says_it_is_overdue(api, clock):
    case = await open_update(api, "hebei-provider", trigger_date="2026-11-02")
    assert case["overdue"] is True
    assert case["details"]["late_at_filing"] is True
    assert [e["kind"] for e in case["events"]][-1] == "overdue"


async def test_a_trigger_registered_late_is_overdue_at_filing(api, clock, session, env):
    # 10 WD from Monday 2026-11-02 ended at 24:00 of Monday 2026-11-16.
    case = await open_update(api, "hebei-provider", trigger_date="2026-11-02")
    state = await settled(clock, api, "hebei-provider", case)
    assert state["overdue"]
    assert state["deadline"]["due"] == "2026-11-17T00:00:00+08:00"
    assert state["details"]["late_at_filing"] is True
    [overdue] = [e for e in state["events"] if e["kind"] == "overdue"]
    assert overdue["detail"]["late_at_filing"] == "登记时已逾期"
    told = notices(session, case["case_id"], "overdue")
    assert recipients(told) == {"hebei-police", "hebei-data"}
    assert all("登记时已逾期" in n.body for n in told)
    await keep_history(env.client, case, "hebei-catalog-late-at-filing")


async def test_hebei_extension_granted_counts_on_from_the_original_last_day(
    api, clock, session, env
):
    case = await open_update(api, "hebei-provider")
    assert case["deadline"]["due"] == "2026-12-05T00:00:00+08:00"
    assert case["deadline"]["cite"] == HEBEI_9
    unreasoned = await act(api, "hebei-provider", case, "request_extension")
    assert unreasoned.status_code == 422
    state = await done(api, "hebei-provider", case, "request_extension", reason="系统改造未完成")
    assert state["stage"] == "extension_review"
    assert (await view(api, "hebei-supervisor", case))["actions"] == [
        "grant_extension",
        "refuse_extension",
    ]
    state = await done(api, "hebei-supervisor", case, "grant_extension")
    assert state["stage"] == "department_update"
    assert state["details"]["extension"]["status"] == "granted"
    # 809 第十七条 caps Hebei's +10 at +5 (the deadline says which rule it beat).
    assert state["deadline"]["due"] == "2026-12-12T00:00:00+08:00"
    assert state["deadline"]["cite"] == N809_17
    assert state["deadline"]["prevails_over"] == [
        {"instrument": "hebei-2022", "cite": HEBEI_9, "working_days": 10}
    ]
    assert "request_extension" not in (await view(api, "hebei-provider", case))["actions"]
    [decided] = notices(session, case["case_id"], "extension_decided")
    assert decided.recipient_department_id == "hebei-police"
    await keep_history(env.client, case, "hebei-catalog-extension-granted")


async def test_hebei_extension_refused_keeps_the_original_deadline(api, clock, session):
    case = await open_update(api, "hebei-provider")
    await done(api, "hebei-provider", case, "request_extension", reason="人手不足")
    refused = await act(api, "hebei-supervisor", case, "refuse_extension")
    assert refused.status_code == 422
    state = await done(api, "hebei-supervisor", case, "refuse_extension", reason="理由不充分")
    assert state["details"]["extension"]["status"] == "refused"
    assert state["deadline"]["due"] == "2026-12-05T00:00:00+08:00"
    assert "request_extension" not in (await view(api, "hebei-provider", case))["actions"]


async def test_hebei_rework_loop_is_bounded_and_the_authority_must_publish(
    api, clock, session: Session, env
):
    case = await open_update(api, "hebei-provider")
    ok = await edit(
        api, "hebei-provider", case, op="retire", resource_id="hebei-case", reason="职能划转"
    )
    assert ok.status_code == 200, ok.text
    for round_ in (1, 2):
        state = await done(api, "hebei-provider", case, "submit")
        assert state["stage"] == "authority_review"
        assert state["deadline"]["cite"] == N809_17  # 2 working days, not Hebei's 10
        state = await done(api, "hebei-supervisor", case, "return_for_rework", reason="缺少依据")
        assert (state["stage"], state["details"]["round"]) == ("rework", round_)
    await done(api, "hebei-provider", case, "submit")
    assert (await view(api, "hebei-supervisor", case))["actions"] == ["publish"]
    third = await act(api, "hebei-supervisor", case, "return_for_rework", reason="再改")
    assert third.status_code == 409
    assert resource(session, "hebei-case").status == "active"  # type: ignore[union-attr]
    state = await done(api, "hebei-supervisor", case, "publish")
    assert state["outcome"] == "published"
    assert resource(session, "hebei-case").status == "retired"  # type: ignore[union-attr]
    assert kinds(state).count("return_for_rework") == 2
    assert len(notices(session, case["case_id"], "catalog_returned")) == 2  # to the department
    session.expire_all()
    [version] = session.exec(select(CatalogVersion)).all()
    assert version.case_id == case["case_id"]
    [change] = session.exec(select(CatalogChange)).all()
    assert (change.before["status"], change.after["status"]) == ("active", "retired")
    await keep_history(env.client, case, "hebei-catalog-rework-bounded")


async def test_yearly_maintenance_opens_one_case_per_department_due_at_year_end(
    api, clock, session, env, settings
):
    # The schedule's workflow receives its cases at the server's instant: the platform's
    # clock reads the same one, as in production, where both are real time (an action is
    # signed with its receipt, which the case accepts only for a few seconds).
    await clock.set(await env.get_current_time())
    run = env.client.execute_workflow
    # Waiting on a result skips time on the test server whenever nothing is in flight: the
    # opened cases would find the year over. The clock stays where the test puts it.
    with env.auto_time_skipping_disabled():
        first = await run(
            YearlyMaintenanceWorkflow.run,
            YearlyMaintenanceInput(year=2026),
            id="yearly-1",
            task_queue=settings.task_queue,
        )
        again = await run(
            YearlyMaintenanceWorkflow.run,
            YearlyMaintenanceInput(year=2026),
            id="yearly-2",
            task_queue=settings.task_queue,
        )
    assert first == again
    assert len(first) == 4  # hubei-police, hubei-civil, lichuan-police, lichuan-civil
    report = await api.get(
        "/api/v1/catalog/maintenance?year=2026", headers=auth("hubei-supervisor")
    )
    rows = report.json()
    assert {r["department_id"] for r in rows} == {
        "hubei-police",
        "hubei-civil",
        "lichuan-police",
        "lichuan-civil",
    }
    case = {"case_id": next(r["case_id"] for r in rows if r["department_id"] == "hubei-police")}
    state = await settled(clock, api, "hubei-provider", case)
    assert state["stage"] == "department_update"
    assert state["deadline"]["due"] == "2027-01-01T00:00:00+08:00"
    assert state["deadline"]["cite"] == "《湖北省政务数据资源应用与管理办法》第十一条"
    assert state["details"]["trigger"] == "yearly_maintenance"
    unchanged = await act(api, "hubei-provider", case, "submit")
    assert unchanged.status_code == 422
    state = await done(api, "hubei-provider", case, "submit", note="经全面核查，目录无需变更")
    assert state["outcome"] == "confirmed_unchanged"
    rows = (
        await api.get("/api/v1/catalog/maintenance?year=2026", headers=auth("hubei-supervisor"))
    ).json()
    status = {r["department_id"]: r["status"] for r in rows}
    assert status["hubei-police"] == "done"
    assert status["hubei-civil"] == "open"
    assert rows[-1]["department_id"] == "hubei-police"
    await keep_history(env.client, case, "hubei-catalog-yearly-unchanged")


async def test_an_administrator_opens_this_years_maintenance_mid_year_once(api, clock):
    before = await api.get("/api/v1/catalog/maintenance", headers=auth("hubei-supervisor"))
    assert {row["status"] for row in before.json()} == {"none"}
    refused = await api.post(
        "/api/v1/catalog/maintenance", json={"year": 2026}, headers=auth("hubei-supervisor")
    )
    assert refused.status_code == 403
    wrong_year = await api.post(
        "/api/v1/catalog/maintenance", json={"year": 2025}, headers=auth("admin")
    )
    assert (wrong_year.status_code, wrong_year.json()["code"]) == (422, "maintenance_year_invalid")

    opened = await api.post(
        "/api/v1/catalog/maintenance", json={"year": 2026}, headers=auth("admin")
    )
    assert opened.status_code == 200, opened.text
    case_ids = opened.json()["case_ids"]
    assert len(case_ids) == 4  # hubei-police, hubei-civil, lichuan-police, lichuan-civil
    again = await api.post(
        "/api/v1/catalog/maintenance", json={"year": 2026}, headers=auth("admin")
    )
    assert again.json()["case_ids"] == case_ids

    rows = (await api.get("/api/v1/catalog/maintenance", headers=auth("hubei-supervisor"))).json()
    assert {row["department_id"]: row["status"] for row in rows} == {
        "hubei-police": "open",
        "hubei-civil": "open",
        "lichuan-police": "open",
        "lichuan-civil": "open",
    }
    police = next(row["case_id"] for row in rows if row["department_id"] == "hubei-police")
    # Settled: the deadline is planned by an activity after the case starts.
    case = await settled(clock, api, "hubei-provider", {"case_id": police})
    assert case["deadline"]["due"] == "2027-01-01T00:00:00+08:00"
