"""Filters of the case list that take times and bodies users type by hand."""

from tests.cases import act, done, post_case, settle, submit
from tests.conftest import auth
from tests.records import change_resource


async def test_a_time_without_a_zone_in_a_filter_means_beijing_time(api, clock):
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    await settle(clock, case["case_id"])  # the list reads the projection of the first stage
    # Received 2026-11-23 09:00 Beijing (01:00 UTC).
    before = await api.get(
        "/api/v1/cases?received_from=2026-11-23T08:30:00", headers=auth("auditor")
    )
    after = await api.get(
        "/api/v1/cases?received_from=2026-11-23T09:30:00", headers=auth("auditor")
    )
    assert [c["case_id"] for c in before.json()["items"]] == [case["case_id"]]
    assert after.json()["items"] == []


async def test_list_rows_name_the_departments(api):
    await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    [row] = (await api.get("/api/v1/cases", headers=auth("hubei-supervisor"))).json()["items"]
    assert (row["applicant_department_id"], row["applicant_name"]) == (
        "hubei-civil",
        "湖北省民政厅",
    )
    assert (row["provider_department_id"], row["provider_name"]) == ("hubei-police", "湖北省公安厅")


async def test_a_body_that_is_not_an_object_is_refused_in_chinese(api):
    response = await api.post(
        "/api/v1/cases",
        content=b"[1]",
        headers={**auth("hubei-applicant"), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid_request",
        "message": "请求内容无效：请求体：应为 JSON 对象",
    }


async def test_a_one_day_range_of_dates_includes_that_whole_day(api, clock):
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    # Received Monday 2026-11-23 09:00 Beijing.
    for query, found in (
        ("received_from=2026-11-23&received_to=2026-11-23", [case["case_id"]]),
        ("received_to=2026-11-23", [case["case_id"]]),
        ("received_from=2026-11-23", [case["case_id"]]),
        ("received_to=2026-11-22", []),
        ("received_from=2026-11-24", []),
        # An instant stays an instant: up to, not including, 09:00.
        ("received_to=2026-11-23T09:00:00%2B08:00", []),
    ):
        response = await api.get(f"/api/v1/cases?{query}", headers=auth("auditor"))
        assert response.status_code == 200, response.text
        assert [c["case_id"] for c in response.json()["items"]] == found, query


async def test_a_bound_that_is_neither_a_date_nor_an_instant_is_refused_in_chinese(api):
    response = await api.get("/api/v1/cases?received_to=yesterday", headers=auth("auditor"))
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_period"
    assert "收件截止" in response.json()["message"]


async def test_filters_naming_nothing_known_are_refused_with_the_name(api):
    # The allowed values are listed with their names.
    for path, code, named, allowed in (
        ("/api/v1/authorizations?department=hubei-civil", "unknown_parameter", "department", ""),
        ("/api/v1/cases?proces=sharing_application", "unknown_parameter", "proces", ""),
        (
            "/api/v1/cases?process=bogus",
            "unknown_process",
            "bogus",
            "sharing_application（共享申请）",
        ),
        (
            "/api/v1/cases?ruleset=hubei-999",
            "unknown_ruleset",
            "hubei-999",
            "hubei-419（《湖北省政务数据资源应用与管理办法》）",
        ),
        ("/api/v1/cases?department=nobody", "unknown_department", "nobody", ""),
        (
            "/api/v1/dashboard?jurisdiction=nowhere",
            "unknown_jurisdiction",
            "nowhere",
            "hubei.lichuan（湖北省利川市）",
        ),
        ("/api/v1/catalog/maintenance?jurisdiction=nowhere", "unknown_jurisdiction", "nowhere", ""),
    ):
        response = await api.get(path, headers=auth("auditor"))
        assert response.status_code == 422, path
        assert response.json()["code"] == code, path
        assert named in response.json()["message"], path
        assert allowed in response.json()["message"], path
    known = await api.get("/api/v1/dashboard?jurisdiction=hubei.lichuan", headers=auth("auditor"))
    assert known.status_code == 200


async def test_a_stage_no_process_has_is_refused_and_a_declared_one_is_taken(api):
    refused = await api.get("/api/v1/cases?stage=nonsense", headers=auth("auditor"))
    assert (refused.status_code, refused.json()["code"]) == (422, "unknown_stage")
    assert "provider_review（提供部门答复）" in refused.json()["message"]
    assert "closed（已办结）" in refused.json()["message"]
    wrong_process = await api.get(
        "/api/v1/cases?process=catalog_update&stage=provider_review", headers=auth("auditor")
    )
    assert wrong_process.status_code == 422
    taken = await api.get("/api/v1/cases?stage=provider_review", headers=auth("auditor"))
    assert taken.status_code == 200


async def test_a_body_field_nobody_asked_for_is_named_and_refused(api):
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    misspelt = await api.post(
        f"/api/v1/cases/{case['case_id']}/actions/reject",
        json={"reson": "不符合条件"},
        headers=auth("hubei-provider"),
    )
    assert (misspelt.status_code, misspelt.json()["code"]) == (422, "invalid_request")
    assert "reson" in misspelt.json()["message"]
    extra = await post_case(
        api,
        "hubei-applicant",
        resource_id="hubei-hukou",
        purpose="核验",
        scenario="低保",
        priority="urgent",
    )
    assert extra.status_code == 422 and "priority" in extra.json()["message"]
    patch = await api.patch(
        "/api/v1/catalog/hubei-hukou", json={"colour": "red"}, headers=auth("admin")
    )
    assert patch.status_code == 422 and "colour" in patch.json()["message"]


async def test_a_use_period_that_has_already_ended_is_refused(api):
    response = await post_case(
        api,
        "hubei-applicant",
        resource_id="hubei-hukou",
        purpose="核验",
        scenario="低保",
        valid_until="2001-01-01",
    )
    assert (response.status_code, response.json()["code"]) == (422, "valid_until_in_past")
    listed = await api.get("/api/v1/cases", headers=auth("auditor"))
    assert listed.json()["total"] == 0


async def test_an_action_the_process_lacks_is_refused_listing_the_actions_with_their_labels(api):
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    response = await api.post(
        f"/api/v1/cases/{case['case_id']}/actions/fly",
        headers=auth("hubei-provider"),
        json={},
    )
    assert (response.status_code, response.json()["code"]) == (404, "unknown_action")
    message = response.json()["message"]
    assert message.startswith("共享申请没有“fly”操作；可用操作：")
    assert "approve（同意共享）" in message and "request_coordination（申请协调）" in message


async def test_a_retired_resource_is_refused_by_its_state_in_chinese(api, session):
    change_resource(session, "hubei-hukou", status="retired")
    response = await api.post(
        "/api/v1/cases",
        headers={**auth("hubei-applicant"), "Idempotency-Key": "retired-1"},
        json={
            "process": "sharing_application",
            "resource_id": "hubei-hukou",
            "purpose": "核验",
            "scenario": "低保审核",
            "fields": ["姓名"],
        },
    )
    assert (response.status_code, response.json()["code"]) == (409, "resource_unavailable")
    assert response.json()["message"] == "数据资源“户籍人口基本信息”当前不可申请（停用）。"


async def test_an_action_at_the_wrong_stage_names_the_stage_and_the_action_in_chinese(api):
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    await done(api, "hubei-provider", case, "reject", reason="涉及个人隐私")
    late = await act(api, "hubei-provider", case, "approve", note="同意")
    assert late.status_code == 409
    assert late.json()["message"] == (
        "案件当前处于“不予共享后待申请协调”环节，不能办理“同意共享”。"
    )
