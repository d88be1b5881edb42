"""The data catalog through the API: reading, editing with versions, importing CSV."""

from __future__ import annotations

import httpx
from sqlmodel import select

from models import CatalogResource
from tests.conftest import auth, both_databases

HEADER = "id,name,provider_id,share_type,open_type,legal_basis,conditions,fields,update_cycle\n"


async def import_catalog(api: httpx.AsyncClient, rows: bytes, key: str = "admin") -> httpx.Response:
    """A catalog CSV sent as the request body."""
    return await api.post(
        "/api/v1/catalog/import", content=rows, headers={**auth(key), "Content-Type": "text/csv"}
    )


NEW = {
    "id": "hubei-police-vehicle",
    "name": "机动车登记信息",
    "provider_id": "hubei-police",
    "share_type": "conditional",
    "fields": ["号牌号码", "所有人"],
}


async def resource(api, resource_id: str) -> dict:
    response = await api.get(f"/api/v1/catalog/{resource_id}", headers=auth("hubei-applicant"))
    assert response.status_code == 200, response.text
    return response.json()


async def test_staff_read_the_catalog_filtered_by_provider_and_share_type(api):
    response = await api.get(
        "/api/v1/catalog",
        params={"provider": "hubei-police", "share_type": "conditional"},
        headers=auth("hubei-applicant"),
    )
    assert response.status_code == 200, response.text
    assert [r["id"] for r in response.json()["items"]] == ["hubei-hukou"]
    assert response.json()["items"][0]["fields"] == ["姓名", "身份证号", "户籍地址", "婚姻状况"]


async def test_the_public_read_only_the_open_catalog(api):
    response = await api.get("/api/v1/catalog", params={"limit": 500}, headers=auth("public"))
    assert response.status_code == 200, response.text
    listed = response.json()["items"]
    assert {r["open_type"] for r in listed} <= {"unconditional", "conditional"}
    assert {r["status"] for r in listed} == {"active"}
    assert "hubei-org" in {r["id"] for r in listed}
    assert "刑事案件侦查信息" not in {r["name"] for r in listed}
    for internal in ("hubei-case", "hubei-hukou"):
        response = await api.get(f"/api/v1/catalog/{internal}", headers=auth("public"))
        assert response.status_code == 404
        assert response.json()["code"] == "resource_not_found"
    staff = await api.get("/api/v1/catalog", params={"limit": 500}, headers=auth("auditor"))
    assert staff.json()["total"] > len(listed)


async def test_the_public_do_not_read_catalog_versions(api):
    response = await api.get("/api/v1/catalog/versions", headers=auth("public"))
    assert response.status_code == 403


async def test_a_filter_with_an_unknown_share_type_is_invalid(api):
    response = await api.get(
        "/api/v1/catalog", params={"share_type": "sometimes"}, headers=auth("auditor")
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_share_type"


async def test_an_admin_adds_a_resource_and_each_change_bumps_its_version(api):
    response = await api.post("/api/v1/catalog", json=NEW, headers=auth("admin"))
    assert response.status_code == 201, response.text
    assert response.json()["version"] == 1
    assert response.json()["open_type"] == "not_open"

    response = await api.patch(
        "/api/v1/catalog/hubei-police-vehicle",
        json={"status": "suspended", "fields": ["号牌号码", "所有人", "车辆类型"]},
        headers=auth("admin"),
    )
    assert response.status_code == 200, response.text
    seen = await resource(api, "hubei-police-vehicle")
    assert (seen["version"], seen["status"]) == (2, "suspended")
    assert seen["fields"][-1] == "车辆类型"

    # Nothing changed, no new version.
    response = await api.patch(
        "/api/v1/catalog/hubei-police-vehicle", json={"status": "suspended"}, headers=auth("admin")
    )
    assert response.json()["version"] == 2
    # Filtered by status, it shows; the active ones do not include it.
    active = await api.get("/api/v1/catalog", params={"status": "active"}, headers=auth("admin"))
    assert "hubei-police-vehicle" not in [r["id"] for r in active.json()["items"]]


async def test_chinese_share_type_labels_are_accepted(api):
    body = {**NEW, "share_type": "无条件共享", "open_type": "依申请开放"}
    response = await api.post("/api/v1/catalog", json=body, headers=auth("admin"))
    assert response.status_code == 201, response.text
    assert (response.json()["share_type"], response.json()["open_type"]) == (
        "unconditional",
        "conditional",
    )


@both_databases
async def test_an_admin_says_how_a_resource_is_delivered_after_consent(api):
    created = await api.post("/api/v1/catalog", json=NEW, headers=auth("admin"))
    assert created.json()["delivery_method"] == "interface"  # the platform's grant delivers
    response = await api.patch(
        "/api/v1/catalog/hubei-police-vehicle",
        json={"delivery_method": "批量交换"},
        headers=auth("admin"),
    )
    assert response.status_code == 200, response.text
    seen = await resource(api, "hubei-police-vehicle")
    assert (seen["delivery_method"], seen["version"]) == ("batch_exchange", 2)
    wrong = await api.patch(
        "/api/v1/catalog/hubei-police-vehicle",
        json={"delivery_method": "邮寄"},
        headers=auth("admin"),
    )
    assert (wrong.status_code, wrong.json()["code"]) == (422, "invalid_delivery_method")
    assert "交付方式" in wrong.json()["message"]
    assert (await resource(api, "hubei-police-vehicle"))["delivery_method"] == "batch_exchange"


async def test_a_caseworker_may_not_change_the_catalog(api):
    response = await api.patch(
        "/api/v1/catalog/hubei-hukou", json={"name": "改名"}, headers=auth("hubei-provider")
    )
    assert response.status_code == 403
    assert (await resource(api, "hubei-hukou"))["name"] == "户籍人口基本信息"


async def test_catalog_errors_name_what_is_wrong(api):
    cases = [
        ("post", "/api/v1/catalog", {**NEW, "id": "hubei-hukou"}, 409, "resource_exists"),
        ("post", "/api/v1/catalog", {**NEW, "provider_id": "nowhere"}, 422, "provider_not_found"),
        ("post", "/api/v1/catalog", {**NEW, "share_type": "sometimes"}, 422, "invalid_share_type"),
        ("patch", "/api/v1/catalog/nothing", {"name": "甲"}, 404, "resource_not_found"),
        ("patch", "/api/v1/catalog/hubei-hukou", {"status": "gone"}, 422, "invalid_status"),
        ("patch", "/api/v1/catalog/hubei-hukou", {"name": None}, 422, "invalid_name"),
    ]
    for method, path, body, status, code in cases:
        response = await api.request(method, path, json=body, headers=auth("admin"))
        assert (response.status_code, response.json()["code"]) == (status, code), body
    assert (await resource(api, "hubei-hukou"))["version"] == 1


@both_databases
async def test_a_csv_import_writes_valid_rows_and_reports_the_others(api, session):
    csv = HEADER + (
        "hubei-police-vehicle,机动车登记信息,hubei-police,有条件共享,not_open,"
        "《道路交通安全法》,仅限执法核验,号牌号码;所有人；车辆类型,每日\n"
        "hubei-hukou,户籍人口基本信息（2026版）,hubei-police,conditional,not_open,"
        '"《中华人民共和国户口登记条例》",仅限履行法定职责所需的核验,姓名;身份证号,每日\n'
        "hubei-org,公安机关机构名录,hubei-police,unconditional,unconditional,,,"
        "机构名称;统一社会信用代码;地址,每月\n"
        "hubei-bad,坏行,hubei-police,sometimes,not_open,,,甲,每日\n"
        "hubei-orphan,无主数据,nowhere,conditional,not_open,,,甲,每日\n"
        "hubei-police-vehicle,重复,hubei-police,conditional,not_open,,,甲,每日\n"
    )
    response = await import_catalog(api, csv.encode())
    assert response.status_code == 200, response.text
    report = response.json()
    assert {k: report[k] for k in ("total", "created", "updated", "unchanged", "failed")} == {
        "total": 6,
        "created": 1,
        "updated": 1,
        "unchanged": 1,
        "failed": 3,
    }
    rows = {row["row"]: row for row in report["rows"]}
    assert rows[5]["message"].startswith("共享类型“sometimes”无效")
    assert "nowhere" in rows[6]["message"]
    assert "第2行" in rows[7]["message"]
    assert not any(rows[n]["ok"] for n in (5, 6, 7))

    vehicle = await resource(api, "hubei-police-vehicle")
    assert vehicle["fields"] == ["号牌号码", "所有人", "车辆类型"]
    assert (vehicle["version"], vehicle["share_type"]) == (1, "conditional")
    hukou = await resource(api, "hubei-hukou")
    assert (hukou["version"], hukou["name"]) == (2, "户籍人口基本信息（2026版）")
    assert hukou["fields"] == ["姓名", "身份证号"]
    assert (await resource(api, "hubei-org"))["version"] == 1
    # Failed rows left nothing behind.
    ids = session.exec(select(CatalogResource.id)).all()
    assert "hubei-bad" not in ids and "hubei-orphan" not in ids


async def test_a_csv_file_uploaded_as_a_form_in_gb18030_is_imported(api):
    csv = HEADER + "hubei-police-vehicle,机动车登记信息,hubei-police,conditional,,,,号牌号码,\n"
    response = await api.post(
        "/api/v1/catalog/import",
        files={"file": ("目录.csv", csv.encode("gb18030"), "text/csv")},
        headers=auth("admin"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 1
    assert (await resource(api, "hubei-police-vehicle"))["name"] == "机动车登记信息"


async def test_a_csv_with_a_wrong_header_is_refused_whole(api, session):
    csv = "id,name,provider\nhubei-x,某数据,hubei-police\n"
    response = await import_catalog(api, csv.encode("utf-8-sig"))
    assert response.status_code == 422
    assert response.json()["code"] == "csv_header_invalid"
    assert "provider_id" in response.json()["message"]
    assert session.get(CatalogResource, "hubei-x") is None


async def test_empty_trailing_columns_of_a_spreadsheet_are_ignored(api):
    csv = HEADER.rstrip("\n") + ",,\n" + "hubei-x,某数据,hubei-police,conditional,,,,甲,每日,,\n"
    response = await import_catalog(api, csv.encode())
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 1


async def test_a_row_with_too_many_values_is_reported(api):
    csv = HEADER + "hubei-x,某数据,hubei-police,conditional,not_open,,,甲,每日,多余\n"
    response = await import_catalog(api, csv.encode())
    assert response.status_code == 200
    assert response.json()["rows"][0]["message"] == "列数多于表头。"


async def test_a_caseworker_may_not_import(api):
    response = await import_catalog(api, HEADER.encode(), "hubei-provider")
    assert response.status_code == 403
