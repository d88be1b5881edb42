"""Notices and authorizations through the API: each reader sees what concerns them."""

from __future__ import annotations

import pytest

from tests.cases import done, settled, submit
from tests.conftest import auth


@pytest.fixture
async def granted(api, clock):
    """Two granted Hubei cases: unconditional data at once, conditional data on approval."""
    platform = await submit(api, "hubei-applicant", resource_id="hubei-org", fields=["机构名称"])
    platform = await settled(clock, api, "hubei-applicant", platform)
    assert platform["status"] == "closed"
    approved = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    approved = await done(api, "hubei-provider", approved, "approve")
    assert (platform["outcome"], approved["outcome"]) == ("granted", "granted")
    return platform, approved


async def listed(api, path: str, key: str, **params) -> dict:
    response = await api.get(path, params=params, headers=auth(key))
    assert response.status_code == 200, response.text
    return response.json()


async def test_caseworkers_read_the_notices_addressed_to_their_department(api, granted):
    platform, approved = granted
    mine = await listed(api, "/api/v1/notices", "hubei-applicant")
    assert mine["total"] > 0
    assert {n["recipient_department_id"] for n in mine["items"]} == {"hubei-civil"}
    assert {n["case_id"] for n in mine["items"]} == {platform["case_id"], approved["case_id"]}
    assert all(n["created_at"].endswith("+08:00") for n in mine["items"])
    stamps = [n["created_at"] for n in mine["items"]]
    assert stamps == sorted(stamps, reverse=True)  # newest first

    assert (await listed(api, "/api/v1/notices", "hebei-applicant"))["total"] == 0
    # The supervisor's authority was not a party: nothing was addressed to it.
    assert (await listed(api, "/api/v1/notices", "hubei-supervisor"))["total"] == 0


async def test_notices_filter_by_case_and_page(api, granted):
    _, approved = granted
    by_id = await listed(api, "/api/v1/notices", "auditor", case_id=approved["case_id"])
    by_number = await listed(api, "/api/v1/notices", "auditor", case_id=approved["case_number"])
    assert by_id == by_number
    kinds = {n["kind"] for n in by_id["items"]}
    assert {"submitted", "approved", "granted"} <= kinds
    # Both parties are told, so the auditor sees each notice twice.
    assert {n["recipient_department_id"] for n in by_id["items"]} == {
        "hubei-civil",
        "hubei-police",
    }
    assert all(n["title"] and n["body"] for n in by_id["items"])

    page = await listed(
        api, "/api/v1/notices", "auditor", case_id=approved["case_id"], limit=2, offset=1
    )
    assert (page["total"], page["limit"], page["offset"]) == (by_id["total"], 2, 1)
    assert page["items"] == by_id["items"][1:3]


async def test_admins_do_not_read_notices(api):
    response = await api.get("/api/v1/notices", headers=auth("admin"))
    assert response.status_code == 403
    assert response.json()["code"] == "role_not_allowed"


async def test_the_public_reads_only_notices_addressed_to_them(api, granted):
    # Departments' notices are not theirs; an objector's own outcome notice is tested with
    # the objection process.
    assert (await listed(api, "/api/v1/notices", "public"))["total"] == 0


async def test_authorizations_are_read_by_the_parties_their_supervisors_and_auditors(api, granted):
    platform, approved = granted
    both = {platform["case_id"], approved["case_id"]}
    for key in ("hubei-applicant", "hubei-provider", "hubei-supervisor", "auditor"):
        seen = await listed(api, "/api/v1/authorizations", key)
        assert {a["case_id"] for a in seen["items"]} == both, key
    for key in ("lichuan-provider", "lichuan-centre", "hebei-supervisor"):
        assert (await listed(api, "/api/v1/authorizations", key))["total"] == 0, key

    one = await listed(
        api, "/api/v1/authorizations", "hubei-applicant", case_id=approved["case_id"]
    )
    (grant,) = one["items"]
    assert grant["id"] == approved["details"]["authorization_id"]  # the case names its grant
    assert (grant["resource_id"], grant["resource_name"]) == ("hubei-hukou", "户籍人口基本信息")
    assert (grant["applicant_department_id"], grant["provider_department_id"]) == (
        "hubei-civil",
        "hubei-police",
    )
    assert grant["granted_by"] == "provider"
    assert grant["fields"] == ["姓名"]
    assert grant["cite"] == "《湖北省政务数据资源应用与管理办法》第二十条"
    assert grant["granted_at"].endswith("+08:00")

    org = await listed(api, "/api/v1/authorizations", "auditor", resource_id="hubei-org")
    assert [a["granted_by"] for a in org["items"]] == ["platform"]


async def test_admins_and_the_public_do_not_read_authorizations(api):
    for key in ("admin", "public"):
        response = await api.get("/api/v1/authorizations", headers=auth(key))
        assert response.status_code == 403
