"""The dashboard: a jurisdiction's open, due, overdue and deemed-consent numbers, exactly, and
only the caller's jurisdiction.

The clock starts on Monday 2026-11-23 09:00 Beijing. Hubei's 10 working days from then end at
24:00 on Monday 7 December; Lichuan's review takes 2 working days (第十九条); Hebei's review 3
(第十五条), after which the case is overdue but stays open.
"""

from __future__ import annotations

from typing import Any

from temporalio.testing import ActivityEnvironment

from activities.yearly_maintenance import OpenYearlyMaintenanceInput, open_yearly_maintenance
from tests.cases import at, done, settle, settle_all, settled, submit
from tests.conftest import auth


async def dashboard(api, key: str, **params: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = await api.get("/api/v1/dashboard", params=params, headers=auth(key))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def lichuan_case(api):  # type: ignore[no-untyped-def]
    return await submit(api, "lichuan-applicant", resource_id="lichuan-hukou", fields=["姓名"])


async def test_dashboard_counts_open_due_overdue_and_deemed_consents_of_the_jurisdiction(
    api, clock, session
):
    # Monday 23 November: two Hubei cases, a Lichuan one at the provider, a Hebei one.
    await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    await submit(
        api, "hubei-applicant", requested_name="流动人口居住登记信息", provider_id="hubei-police"
    )  # not in the catalog: overdue at the end of the 10 days, never deemed consent
    await done(api, "lichuan-centre", await lichuan_case(api), "accept")
    await submit(api, "hebei-applicant", resource_id="hebei-hukou", fields=["姓名"])

    await clock.advance_to(at("2026-12-04T09:00:00+08:00"))  # Friday: last day Tuesday 8th
    await lichuan_case(api)
    await clock.advance_to(at("2026-12-07T09:00:00+08:00"))  # Monday: last day Wednesday 9th
    await lichuan_case(api)
    # 24:00 on 7 December: the Hubei case and the Lichuan one at the provider are deemed to
    # consent (Hubei 第二十条); the case not in the catalog is overdue.
    await clock.advance_to(at("2026-12-08T00:00:05+08:00"))
    await lichuan_case(api)  # Tuesday: last day Thursday 10th

    await settle_all(clock, session)  # the projection has every fired timer's effect
    hubei = await dashboard(api, "hubei-supervisor")
    assert hubei["deemed_consents_this_month"] == 2 and hubei["overdue"] == 1
    assert hubei["jurisdiction"] == "hubei"
    assert hubei["today"] == "2026-12-08"
    assert hubei["open_total"] == 4
    assert hubei["open_by_stage"] == [
        {"process": "sharing_application", "stage": "provider_review", "count": 1},
        {"process": "sharing_application", "stage": "review", "count": 3},
    ]
    assert (hubei["due_today"], hubei["due_within_1"], hubei["due_within_3"]) == (1, 2, 3)
    assert hubei["horizon_1"] == "2026-12-10T00:00:00+08:00"
    assert hubei["horizon_3"] == "2026-12-12T00:00:00+08:00"
    assert hubei["overdue_by_provider"] == [
        {"department_id": "hubei-police", "name": "湖北省公安厅", "count": 1}
    ]
    assert hubei["overdue_by_applicant"] == [
        {"department_id": "hubei-civil", "name": "湖北省民政厅", "count": 1}
    ]

    # The same numbers behind one call to the case list.
    listed = await api.get("/api/v1/cases?overdue=true", headers=auth("hubei-supervisor"))
    assert listed.json()["total"] == 1

    lichuan = await dashboard(api, "lichuan-centre")
    assert lichuan["jurisdiction"] == "hubei.lichuan"
    assert (lichuan["open_total"], lichuan["overdue"]) == (3, 0)
    assert lichuan["deemed_consents_this_month"] == 1
    assert (await dashboard(api, "hubei-supervisor", jurisdiction="hubei.lichuan")) == lichuan

    hebei = await dashboard(api, "hebei-supervisor")
    assert hebei["open_total"] == 1 and hebei["overdue"] == 1
    assert hebei["deemed_consents_this_month"] == 0
    assert hebei["overdue_by_provider"] == [
        {"department_id": "hebei-police", "name": "河北省公安厅", "count": 1}
    ]
    assert hebei["open_by_stage"] == [
        {"process": "sharing_application", "stage": "review", "count": 1}
    ]

    everything = await dashboard(api, "auditor")
    assert everything["jurisdiction"] is None
    assert (everything["open_total"], everything["overdue"]) == (5, 2)
    assert everything["deemed_consents_this_month"] == 2
    assert (await dashboard(api, "auditor", jurisdiction="hebei")) == hebei

    # In January the December deemed consents are last month's.
    await clock.set(at("2027-01-05T10:00:00+08:00"))
    assert (await dashboard(api, "auditor"))["deemed_consents_this_month"] == 0


async def test_dashboard_is_for_supervisors_and_auditors_of_their_own_jurisdiction(api, clock):
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    await settle(clock, case["case_id"])  # the dashboard reads the projection
    for key in ("hubei-applicant", "public", "admin"):
        response = await api.get("/api/v1/dashboard", headers=auth(key))
        assert response.status_code == 403, key
        assert response.json()["code"] == "role_not_allowed"
    outside = await api.get(
        "/api/v1/dashboard", params={"jurisdiction": "hubei"}, headers=auth("lichuan-centre")
    )
    assert outside.status_code == 403
    assert outside.json()["code"] == "jurisdiction_forbidden"
    assert "本辖区" in outside.json()["message"]
    hebei = await dashboard(api, "hebei-supervisor")
    assert hebei["open_total"] == 0 and hebei["open_by_stage"] == []
    hubei = await dashboard(api, "hubei-supervisor")
    assert hubei["open_total"] == 1
    unauthenticated = await api.get("/api/v1/dashboard")
    assert unauthenticated.status_code == 401


async def test_dashboard_lists_departments_that_have_not_done_this_years_maintenance(
    api, clock, env, session
):
    def not_done(numbers: dict[str, Any]) -> list[tuple[str, str]]:
        return [(r["department_id"], r["status"]) for r in numbers["yearly_maintenance_not_done"]]

    # Hubei's 第十一条 binds Hubei's and Lichuan's ordinary departments; nobody has opened 2026.
    hubei = await dashboard(api, "hubei-supervisor")
    assert hubei["yearly_maintenance_year"] == 2026
    assert not_done(hubei) == [
        ("hubei-civil", "none"),
        ("hubei-police", "none"),
        ("lichuan-civil", "none"),
        ("lichuan-police", "none"),
    ]
    assert (await dashboard(api, "hebei-supervisor"))["yearly_maintenance_not_done"] == []

    await ActivityEnvironment(client=env.client).run(
        open_yearly_maintenance, OpenYearlyMaintenanceInput(year=2026, received_at=clock())
    )
    await settle_all(clock, session)  # each opened case has reached the projection
    hubei = await dashboard(api, "hubei-supervisor")
    assert all(r["case_id"] and r["due"] for r in hubei["yearly_maintenance_not_done"])
    [police] = [
        r for r in hubei["yearly_maintenance_not_done"] if r["department_id"] == "hubei-police"
    ]
    assert police["due"] == "2027-01-01T00:00:00+08:00" and police["status"] == "open"
    case = {"case_id": police["case_id"]}
    assert (await settled(clock, api, "hubei-provider", case))["stage"] == "department_update"
    await done(api, "hubei-provider", case, "submit", note="经全面核查，目录无需变更")

    hubei = await dashboard(api, "hubei-supervisor")
    assert not_done(hubei) == [
        ("hubei-civil", "open"),
        ("lichuan-civil", "open"),
        ("lichuan-police", "open"),
    ]
    lichuan = await dashboard(api, "lichuan-centre")
    assert not_done(lichuan) == [("lichuan-civil", "open"), ("lichuan-police", "open")]
    listed = await api.get("/api/v1/catalog/maintenance?year=2026", headers=auth("lichuan-centre"))
    assert lichuan["yearly_maintenance_not_done"] == listed.json()

    # 24:00 on 31 December: the three are overdue, and the dashboard turns to 2027's.
    await clock.advance_to(at("2027-01-01T00:00:05+08:00"))
    await settle_all(clock, session)
    hubei = await dashboard(api, "hubei-supervisor")
    assert hubei["overdue"] == 3
    assert hubei["yearly_maintenance_year"] == 2027
    assert [status for _, status in not_done(hubei)] == ["none"] * 4


async def test_a_departments_own_late_catalog_update_is_no_request_it_made(api, clock):
    # 10 working days from Monday 2026-11-02 ended on 16 November: late when filed.
    await submit(
        api,
        "hebei-provider",
        process="catalog_update",
        trigger="law_changed",
        trigger_date="2026-11-02",
        description="《数据安全法》修订",
    )
    hebei = await dashboard(api, "hebei-supervisor")
    assert hebei["overdue"] == 1
    assert hebei["overdue_by_provider"] == [
        {"department_id": "hebei-police", "name": "河北省公安厅", "count": 1}
    ]
    assert hebei["overdue_by_applicant"] == []
