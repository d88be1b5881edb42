"""Departments, users and tokens through the API: who may read, who may write, what is kept."""

from __future__ import annotations

import hashlib

import pytest
from sqlmodel import select

from models import ApiToken, Department, User
from tests.conftest import auth, both_databases

DEPARTMENT = {
    "id": "hubei-health",
    "name": "湖北省卫生健康委员会",
    "jurisdiction": "hubei",
    "kind": "ordinary",
}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- authentication ------------------------------------------------------------------------


async def test_a_request_without_a_token_is_refused(api):
    response = await api.get("/api/v1/departments")
    assert response.status_code == 401
    assert response.json()["code"] == "token_missing"
    assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_an_unknown_token_is_refused(api):
    response = await api.get("/api/v1/departments", headers=bearer("not-a-token"))
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"
    assert "令牌" in response.json()["message"]


# -- departments ---------------------------------------------------------------------------


async def test_any_user_reads_the_departments_filtered_by_jurisdiction(api):
    response = await api.get(
        "/api/v1/departments", params={"jurisdiction": "hubei"}, headers=auth("public")
    )
    assert response.status_code == 200, response.text
    ids = [d["id"] for d in response.json()["items"]]
    # Hubei's own and Lichuan's, which lies inside it; none of Hebei's.
    assert "hubei-police" in ids and "lichuan-centre" in ids
    assert not any(i.startswith("hebei") for i in ids)
    assert response.json()["total"] == len(ids) == 6


@both_databases
async def test_an_admin_adds_a_department_everyone_can_then_read(api, session):
    response = await api.post("/api/v1/departments", json=DEPARTMENT, headers=auth("admin"))
    assert response.status_code == 201, response.text
    assert response.json()["created_at"].endswith("+08:00")

    response = await api.get("/api/v1/departments/hubei-health", headers=auth("hubei-applicant"))
    assert response.status_code == 200
    assert response.json()["name"] == "湖北省卫生健康委员会"
    assert session.get(Department, "hubei-health").jurisdiction == "hubei"


async def test_a_caseworker_may_not_add_a_department_whatever_the_body(api, session):
    for body in (DEPARTMENT, {"id": "x"}):
        response = await api.post("/api/v1/departments", json=body, headers=auth("hubei-provider"))
        assert response.status_code == 403
        assert response.json()["code"] == "role_not_allowed"
    assert session.get(Department, "hubei-health") is None


async def test_a_department_id_can_be_taken_only_once(api):
    body = {**DEPARTMENT, "id": "hubei-police"}
    response = await api.post("/api/v1/departments", json=body, headers=auth("admin"))
    assert response.status_code == 409
    assert response.json()["code"] == "department_exists"
    assert "已存在" in response.json()["message"]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"jurisdiction": "Hubei"}, "invalid_jurisdiction"),
        ({"jurisdiction": "hubei..lichuan"}, "invalid_jurisdiction"),
        ({"jurisdiction": "湖北"}, "invalid_jurisdiction"),
        ({"kind": "ministry"}, "invalid_kind"),
        ({"id": "has space"}, "invalid_id"),
        ({"name": "  "}, "invalid_name"),
        ({"name": "长" * 201}, "invalid_name"),
    ],
)
async def test_a_department_with_a_bad_code_or_kind_is_invalid(api, session, change, code):
    response = await api.post(
        "/api/v1/departments", json={**DEPARTMENT, **change}, headers=auth("admin")
    )
    assert response.status_code == 422
    assert response.json()["code"] == code
    assert (
        session.exec(select(Department).where(Department.name == "湖北省卫生健康委员会")).all()
        == []
    )


async def test_a_missing_field_is_invalid_with_a_chinese_message(api):
    response = await api.post("/api/v1/departments", json={"id": "x"}, headers=auth("admin"))
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"
    assert "缺少必填字段" in response.json()["message"]


async def test_an_unknown_department_is_not_found(api):
    response = await api.get("/api/v1/departments/nowhere", headers=auth("auditor"))
    assert response.status_code == 404
    assert response.json()["code"] == "department_not_found"


# -- users and tokens ----------------------------------------------------------------------


@both_databases
async def test_a_new_users_token_works_until_revoked_and_a_reissued_one_works(api, session):
    response = await api.post(
        "/api/v1/users",
        json={"name": "湖北民政经办人二", "role": "caseworker", "department_id": "hubei-civil"},
        headers=auth("admin"),
    )
    assert response.status_code == 201, response.text
    user = response.json()
    first = user["token"]
    assert user["token_prefixes"] == [first[:8]]
    # Only the hash is kept.
    stored = session.exec(select(ApiToken).where(ApiToken.user_id == user["id"])).one()
    assert stored.token_hash == hashlib.sha256(first.encode()).hexdigest()
    assert stored.prefix == first[:8] and first not in stored.token_hash

    me = await api.get("/api/v1/users/me", headers=bearer(first))
    assert me.status_code == 200
    assert me.json()["name"] == "湖北民政经办人二"
    assert me.json()["department"]["jurisdiction"] == "hubei"
    assert "token" not in me.json()

    revoked = await api.delete(f"/api/v1/users/{user['id']}/tokens", headers=auth("admin"))
    assert revoked.status_code == 200
    assert revoked.json()["revoked"] == 1
    refused = await api.get("/api/v1/users/me", headers=bearer(first))
    assert refused.status_code == 401
    assert refused.json()["code"] == "token_invalid"

    issued = await api.post(f"/api/v1/users/{user['id']}/tokens", headers=auth("admin"))
    assert issued.status_code == 201
    second = issued.json()["token"]
    assert second != first
    assert (await api.get("/api/v1/users/me", headers=bearer(second))).status_code == 200
    assert (await api.get("/api/v1/users/me", headers=bearer(first))).status_code == 401


async def test_a_caseworker_needs_a_department(api, session):
    response = await api.post(
        "/api/v1/users", json={"name": "无部门", "role": "caseworker"}, headers=auth("admin")
    )
    assert response.status_code == 422
    assert response.json()["code"] == "department_required"
    assert session.exec(select(User).where(User.name == "无部门")).first() is None


async def test_a_supervisor_must_belong_to_an_authority_or_a_service_centre(api):
    body = {"name": "监管员", "role": "supervisor", "department_id": "hubei-police"}
    response = await api.post("/api/v1/users", json=body, headers=auth("admin"))
    assert response.status_code == 422
    assert response.json()["code"] == "supervisor_department_kind"
    assert "湖北省公安厅" in response.json()["message"]

    body["department_id"] = "lichuan-centre"
    response = await api.post("/api/v1/users", json=body, headers=auth("admin"))
    assert response.status_code == 201


async def test_a_user_of_an_unknown_role_or_department_is_invalid(api):
    for body, code in (
        ({"name": "甲", "role": "king"}, "invalid_role"),
        ({"name": "乙", "role": "caseworker", "department_id": "nowhere"}, "department_not_found"),
    ):
        response = await api.post("/api/v1/users", json=body, headers=auth("admin"))
        assert response.status_code == 422
        assert response.json()["code"] == code


async def test_only_admins_list_users(api, world):
    response = await api.get("/api/v1/users", headers=auth("auditor"))
    assert response.status_code == 403
    response = await api.get(
        "/api/v1/users", params={"department": "hubei-police"}, headers=auth("admin")
    )
    assert response.status_code == 200
    (provider,) = response.json()["items"]
    assert provider["id"] == world.user_ids["hubei-provider"]
    assert provider["token_prefixes"] == ["hubei-pr"]


async def test_tokens_of_an_unknown_user_are_not_found(api):
    for method in ("post", "delete"):
        response = await api.request(method, "/api/v1/users/99999/tokens", headers=auth("admin"))
        assert response.status_code == 404
        assert response.json()["code"] == "user_not_found"


async def test_an_admin_cannot_lock_themselves_out(api, world):
    admin_id = world.user_ids["admin"]
    response = await api.delete(f"/api/v1/users/{admin_id}/tokens", headers=auth("admin"))
    assert response.status_code == 409
    assert response.json()["code"] == "revoke_own_tokens"
    assert (await api.get("/api/v1/users/me", headers=auth("admin"))).status_code == 200
