"""Filters of the case list that take times and bodies users type by hand."""

from tests.cases import settle, submit
from tests.conftest import auth


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
