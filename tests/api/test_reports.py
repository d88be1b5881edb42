"""The statistics report: every number of a known set of cases exactly, traceable to its cases,
in the caller's jurisdiction only.

The clock starts on Monday 2026-11-23 09:00 Beijing; the period is that day alone. Hubei's
provider answers within 10 working days (第二十条, deemed consent at 24:00 on 7 December);
a request for data not in the catalog has the same 10 days but only goes overdue (第二十二条).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlmodel import Session
from temporalio.testing import ActivityEnvironment

from activities.yearly_maintenance import OpenYearlyMaintenanceInput, open_yearly_maintenance
from models import Department
from tests.cases import at, done, green_channel_demand, settle, settle_all, settled, submit
from tests.conftest import auth, both_databases
from tests.workflows.test_catalog_update import open_update
from tests.workflows.test_open_data_objection import object_to, suspended
from tests.workflows.test_sharing_delivery import delivered_by

PERIOD = {"from": "2026-11-23", "to": "2026-11-23"}
COLUMNS = ["收到申请", "已办结", "按时答复", "逾期答复", "视为同意", "不予共享（附理由）"]
COLUMNS += ["同意共享", "尚未办结", "当前逾期", "收到校核", "校核按时反馈", "校核逾期"]
COLUMNS += ["收到目录更新", "目录按时更新", "目录更新逾期"]
COLUMNS += ["绿色通道需求", "动态调度需求", "按时提供数据", "数据需求逾期"]
COLUMNS += ["共享告知", "未按时提前告知", "临时调整共享类型"]
COLUMNS += ["开放数据异议", "中止开放", "撤回开放", "恢复或处理后重新开放"]
COLUMNS += ["负面清单申请", "经批准列入负面清单"]
DELIVERY = ["同意后须交付数据", "按期交付数据", "交付逾期"]
DISPUTES = ["对不予共享提出争议", "协商一致同意共享", "申请协调", "报本级人民政府决定"]
COLUMNS += DELIVERY
COLUMNS += ["要求补正", "未补正终止"]
COLUMNS += DISPUTES
MAINTENANCE = "2026年度目录全面维护"
# Hubei's and Lichuan's ordinary departments owe the yearly maintenance (hubei 第十一条).
MAINTAINED = ("hubei-civil", "hubei-police", "lichuan-civil", "lichuan-police")


async def report(api, key: str, **params: str):  # type: ignore[no-untyped-def]
    return await api.get(
        "/api/v1/reports/statistics", params={**PERIOD, **params}, headers=auth(key)
    )


def table(body: str) -> list[list[str]]:
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def numbers(body: str, maintenance: str = MAINTENANCE) -> dict[str, dict[str, Any]]:
    """department id ('' for the total) -> {column: value} of the summary CSV, which holds
    the header, one row per department and the total, nothing else."""
    header, *rows = table(body)
    assert header == ["提供部门编码", "提供部门", *COLUMNS, maintenance]
    assert rows[-1][:2] == ["", "合计"]
    out = {}
    for row in rows:
        values = dict(zip(header, row, strict=True))
        out[row[0]] = {
            "name": row[1],
            **{c: int(values[c]) for c in COLUMNS},
            "maintenance": values[maintenance],
        }
    return out


async def counted_in(api, key: str, **params: str) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    """case id -> the columns of the detail CSV that count the case."""
    detail = await report(api, key, format="csv", detail="1", **params)
    header, *rows = table(detail.text)
    return {
        row[0]: {c for c, v in zip(header[5:], row[5:], strict=True) if v == "1"} for row in rows
    }


def nothing(name: str, maintenance: str = "未启动") -> dict[str, Any]:
    return {"name": name, **dict.fromkeys(COLUMNS, 0), "maintenance": maintenance}


HUBEI_NAMES = {
    "hubei-civil": "湖北省民政厅",
    "hubei-police": "湖北省公安厅",
    "lichuan-civil": "利川市民政局",
    "lichuan-police": "利川市公安局",
}


async def not_in_catalog(api):  # type: ignore[no-untyped-def]
    return await submit(
        api, "hubei-applicant", requested_name="流动人口居住登记信息", provider_id="hubei-police"
    )


async def test_statistics_count_each_case_once_where_it_belongs(api, clock, session: Session):
    police = session.get(Department, "hubei-police")
    assert police is not None
    police.name = "湖北省公安厅<script>alert(1)</script>"
    session.add(police)
    session.commit()

    hukou = {"resource_id": "hubei-hukou", "fields": ["姓名"]}
    on_time = await submit(api, "hubei-applicant", **hukou)
    await done(api, "hubei-provider", on_time, "approve", note="同意")
    refused = await submit(api, "hubei-applicant", **hukou)
    await done(api, "hubei-provider", refused, "reject", reason="不符合共享条件")
    await done(api, "hubei-applicant", refused, "withdraw")  # no coordination asked
    deemed = await submit(api, "hubei-applicant", **hukou)
    late = await not_in_catalog(api)
    overdue = await not_in_catalog(api)
    hebei = await submit(api, "hebei-applicant", resource_id="hebei-hukou", fields=["姓名"])

    await clock.advance_to(at("2026-11-24T09:00:00+08:00"))
    outside = await submit(api, "hubei-applicant", **hukou)  # received after the period

    await clock.advance_to(at("2026-12-08T00:00:05+08:00"))
    assert (await settled(clock, api, "auditor", deemed))["status"] == "closed"
    assert (await settled(clock, api, "auditor", late))["overdue"]
    await done(api, "hubei-provider", late, "approve", note="补办同意")
    assert (await settled(clock, api, "auditor", overdue))["overdue"]
    assert (await settled(clock, api, "auditor", hebei))["overdue"]
    await settle_all(clock, session)  # the report reads the projection

    response = await report(api, "hubei-supervisor", format="csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    expected = {
        "name": "湖北省公安厅<script>alert(1)</script>",
        "收到申请": 5,
        "已办结": 4,
        "按时答复": 2,
        "逾期答复": 1,
        "视为同意": 1,
        "不予共享（附理由）": 1,
        "同意共享": 3,
        "尚未办结": 1,
        "当前逾期": 1,
        **dict.fromkeys(COLUMNS[9:], 0),
        "maintenance": "未启动",
    }
    assert numbers(response.text) == {
        **{d: nothing(name) for d, name in HUBEI_NAMES.items()},
        "hubei-police": expected,
        "": {**expected, "name": "合计", "maintenance": "已完成0/4"},
    }
    assert "尚未上线" not in response.text

    # Each case and the counts it falls in.
    detail = await report(api, "hubei-supervisor", format="csv", detail="1")
    header, *rows = table(detail.text)
    assert header[:5] == ["案件标识", "案件编号", "提供部门编码", "提供部门", "收件时间"]
    falls_in = {
        row[0]: {c for c, v in zip(header[5:], row[5:], strict=True) if v == "1"} for row in rows
    }
    assert falls_in == {
        on_time["case_id"]: {"收到申请", "已办结", "按时答复", "同意共享"},
        refused["case_id"]: {"收到申请", "已办结", "按时答复", "不予共享（附理由）"},
        deemed["case_id"]: {"收到申请", "已办结", "视为同意", "同意共享"},
        late["case_id"]: {"收到申请", "已办结", "逾期答复", "同意共享"},
        overdue["case_id"]: {"收到申请", "尚未办结", "当前逾期"},
    }
    assert outside["case_id"] not in falls_in and hebei["case_id"] not in falls_in
    assert {row[2] for row in rows} == {"hubei-police"}

    # The auditor sees both provinces; the Hebei supervisor Hebei alone.
    everything = numbers((await report(api, "auditor", format="csv")).text)
    assert set(everything) == {*MAINTAINED, "hebei-police", ""}
    assert everything[""]["收到申请"] == 6 and everything[""]["当前逾期"] == 2
    hebei_only = numbers((await report(api, "hebei-supervisor", format="csv")).text)
    assert set(hebei_only) == {"hebei-police", ""}
    assert hebei_only["hebei-police"]["name"] == "河北省公安厅"
    assert hebei_only["hebei-police"]["maintenance"] == "不适用"  # hebei-2022 asks none
    assert (hebei_only[""]["收到申请"], hebei_only[""]["当前逾期"]) == (1, 1)
    assert (hebei_only[""]["按时答复"], hebei_only[""]["已办结"]) == (0, 0)
    by_auditor = await report(api, "auditor", format="csv", jurisdiction="hebei")
    assert numbers(by_auditor.text) == hebei_only

    # The period is inclusive Beijing dates: the next day holds only the case received then.
    next_day = await report(
        api, "auditor", format="csv", **{"from": "2026-11-24", "to": "2026-11-24"}
    )
    assert numbers(next_day.text)[""]["收到申请"] == 1

    page = await report(api, "hubei-supervisor")
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "<script>alert(1)</script>" not in html
    assert "湖北省公安厅&lt;script&gt;alert(1)&lt;/script&gt;" in html
    for article in ("第二十六条", "第三十七条", "第三十八条", "第二十八条"):
        assert article in html
    assert "尚未上线" not in html
    assert "河北省公安厅" not in html
    # The overdue count links to the case list, which gives those very cases.
    link = (
        "/api/v1/cases?process=sharing_application&amp;department=hubei-police"
        "&amp;received_from=2026-11-23&amp;received_to=2026-11-23&amp;overdue=true"
    )
    assert f'<a href="{link}">1</a>' in html
    listed = await api.get(link.replace("&amp;", "&"), headers=auth("hubei-supervisor"))
    assert [c["case_id"] for c in listed.json()["items"]] == [overdue["case_id"]]
    received = await api.get(
        link.replace("&amp;", "&").replace("&overdue=true", ""), headers=auth("hubei-supervisor")
    )
    assert received.json()["total"] == 5


async def test_statistics_count_quality_verification_cases_beside_sharing(api, clock, session):
    doubt = {"process": "quality_verification", "resource_id": "hubei-hukou"}
    raised = []
    for _ in range(3):
        response = await api.post(
            "/api/v1/cases",
            json={**doubt, "description": "地址有误"},
            headers=auth("hubei-applicant"),
        )
        assert response.status_code == 201, response.text
        raised.append(response.json())
    answered, late, silent = raised
    await done(api, "hubei-provider", answered, "explain", reason="数据无误")
    sharing = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    await done(api, "hubei-provider", sharing, "approve")
    # Hubei's 3 working days (第十三条) end at 24:00 on Thursday 26 November.
    await clock.advance_to(at("2026-11-27T00:00:05+08:00"))
    assert (await settled(clock, api, "auditor", silent))["overdue"]
    assert (await settled(clock, api, "auditor", late))["overdue"]
    await done(api, "hubei-provider", late, "repair", note="更正地址")
    await settle_all(clock, session)  # the report reads the projection

    summary = numbers((await report(api, "hubei-supervisor", format="csv")).text)
    police = summary["hubei-police"]
    assert (police["收到校核"], police["校核按时反馈"], police["校核逾期"]) == (3, 1, 2)
    assert (police["收到申请"], police["按时答复"]) == (1, 1)
    falls_in = await counted_in(api, "hubei-supervisor")
    assert falls_in[answered["case_id"]] == {"收到校核", "校核按时反馈"}
    assert falls_in[late["case_id"]] == {"收到校核", "校核逾期"}
    page = (await report(api, "hubei-supervisor")).text
    assert "process=quality_verification&amp;department=hubei-police" in page
    assert "核查办理时长" not in page


async def test_statistics_are_for_supervisors_and_auditors_of_a_valid_period(api):
    for key in ("hubei-provider", "hubei-applicant", "public", "admin"):
        response = await report(api, key)
        assert response.status_code == 403, key
        assert response.json()["code"] == "role_not_allowed"
        assert "统计报表" in response.json()["message"]
    outside = await report(api, "hebei-supervisor", jurisdiction="hubei")
    assert outside.status_code == 403
    assert outside.json()["code"] == "jurisdiction_forbidden"
    backwards = await report(api, "auditor", **{"from": "2026-11-24", "to": "2026-11-23"})
    assert backwards.status_code == 422
    assert backwards.json()["code"] == "period_invalid"
    assert "起始日期" in backwards.json()["message"]
    assert (await api.get("/api/v1/reports/statistics", params=PERIOD)).status_code == 401
    empty = numbers((await report(api, "auditor", format="csv")).text)
    assert empty == {
        **{d: nothing(name) for d, name in HUBEI_NAMES.items()},
        "": nothing("合计", "已完成0/4"),
    }


# -- catalog updates, yearly maintenance, green channel, service changes -------------------


async def catalog_update(api, key: str, trigger_date: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return await open_update(api, key, trigger_date, description="《户口登记条例》修订")


async def test_statistics_count_catalog_updates_and_each_departments_yearly_maintenance(
    api, clock, env, session
):
    # 10 working days from the change (809 第十七条, since 2025-08-01 above Hubei's “及时”);
    # the authority then reviews and publishes within 2.
    timely = await catalog_update(api, "hubei-provider", "2026-11-20")
    await done(api, "hubei-provider", timely, "submit", note="经核查目录无需变更")
    await done(api, "hubei-supervisor", timely, "publish")
    late = await catalog_update(api, "hubei-provider", "2026-11-02")  # ended 16 November
    assert (await settled(clock, api, "auditor", late))["overdue"]
    await done(api, "hubei-provider", late, "submit", note="经核查目录无需变更")
    await done(api, "hubei-supervisor", late, "publish")
    await catalog_update(api, "hebei-provider", "2026-11-20")  # Hebei's: another report
    # What the yearly schedule's run does on 1 January, received at the platform's time now.
    opened = await ActivityEnvironment(client=env.client).run(
        open_yearly_maintenance, OpenYearlyMaintenanceInput(year=2026, received_at=clock())
    )
    assert len(opened) == 4
    for case_id in opened:  # each opened case has reached the projection
        await settle(clock, case_id)
    rows = (await api.get("/api/v1/catalog/maintenance", headers=auth("auditor"))).json()
    assert all(row["case_id"] for row in rows)
    police = {"case_id": next(r["case_id"] for r in rows if r["department_id"] == "hubei-police")}
    assert (await settled(clock, api, "auditor", police))["stage"] == "department_update"
    await done(api, "hubei-provider", police, "submit", note="经全面核查，目录无需变更")
    await settle_all(clock, session)  # the report reads the projection

    catalog = ["收到目录更新", "目录按时更新", "目录更新逾期"]

    def catalog_of(summary: dict[str, dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
        return {d: (*(row[c] for c in catalog), row["maintenance"]) for d, row in summary.items()}

    response = await report(api, "hubei-supervisor", format="csv")
    assert catalog_of(numbers(response.text)) == {
        "hubei-police": (3, 2, 1, "已完成"),
        "hubei-civil": (1, 0, 0, "办理中"),
        "lichuan-civil": (1, 0, 0, "办理中"),
        "lichuan-police": (1, 0, 0, "办理中"),
        "": (6, 2, 1, "已完成1/4"),
    }
    falls_in = await counted_in(api, "hubei-supervisor")
    assert falls_in[timely["case_id"]] == {"收到目录更新", "目录按时更新"}
    assert falls_in[late["case_id"]] == {"收到目录更新", "目录更新逾期"}
    hebei = catalog_of(numbers((await report(api, "hebei-supervisor", format="csv")).text))
    assert hebei == {"hebei-police": (1, 0, 0, "不适用"), "": (1, 0, 0, "不适用")}

    html = (await report(api, "hubei-supervisor")).text
    assert "<h2>目录更新</h2>" in html and "2026年度目录全面维护" in html
    assert '<a href="/api/v1/catalog/maintenance?year=2026&amp;jurisdiction=hubei">办理中</a>' in (
        html
    )
    link = (
        "/api/v1/cases?process=catalog_update&department=hubei-police"
        "&received_from=2026-11-23&received_to=2026-11-23"
    )
    assert link.replace("&", "&amp;") in html
    listed = await api.get(link, headers=auth("hubei-supervisor"))
    assert listed.json()["total"] == 3

    # The year is out: the three undone maintenances are overdue, counted as such.
    await clock.advance_to(at("2027-01-01T00:00:05+08:00"))
    civil = {"case_id": next(r["case_id"] for r in rows if r["department_id"] == "hubei-civil")}
    await settle_all(clock, session)  # the three undone are overdue in the projection too
    assert (await settled(clock, api, "auditor", civil))["overdue"]
    after = catalog_of(numbers((await report(api, "hubei-supervisor", format="csv")).text))
    assert after["hubei-civil"] == (1, 0, 1, "已逾期")
    assert after[""] == (6, 2, 4, "已完成1/4")
    # A report of 2027 shows 2027's maintenance, which nobody has opened yet.
    new_year = await report(
        api, "hubei-supervisor", format="csv", **{"from": "2027-01-01", "to": "2027-01-01"}
    )
    assert numbers(new_year.text, "2027年度目录全面维护") == {
        **{d: nothing(name) for d, name in HUBEI_NAMES.items()},
        "": nothing("合计", "已完成0/4"),
    }


async def test_statistics_count_green_channel_demands_and_service_change_notices(
    api, clock, session
):
    # Wednesday 2026-09-30, Dongying's instrument in force: the green channel's 1 working day
    # ends at 24:00 on 8 October (National Day in between); the ordinary 3 on 10 October.
    await clock.set(at("2026-09-30T10:00:00+08:00"))
    delivered = await submit(api, "dongying-applicant", **green_channel_demand())
    await done(api, "dongying-supervisor", delivered, "approve")
    await done(api, "dongying-provider", delivered, "deliver")
    silent = await submit(api, "dongying-applicant", **green_channel_demand())
    await done(api, "dongying-supervisor", silent, "approve")
    ordinary = await submit(api, "dongying-applicant", **green_channel_demand(track="ordinary"))
    await done(api, "dongying-provider", ordinary, "confirm")
    routed = await submit(api, "dongying-applicant", **green_channel_demand())
    await done(
        api, "dongying-supervisor", routed, "refuse", reason="不属于突发事件", decision="ordinary"
    )
    change = {"process": "service_change", "resource_id": "dongying-hukou", "kind": "upgrade"}
    change["description"] = "户籍核验接口升级"
    timely = await submit(api, "dongying-provider", **change, effective_on="2026-10-21")
    hasty = await submit(api, "dongying-provider", **change, effective_on="2026-10-20")
    reclassified = await submit(
        api,
        "dongying-provider",
        process="emergency_reclassification",
        resource_id="dongying-hukou",
        share_type="unconditional",
        reason="突发洪涝灾害，救援需要核验受灾人员身份",
        until="2026-10-08",
    )
    await clock.advance_to(at("2026-10-09T00:00:05+08:00"))
    await settle_all(clock, session)  # the reclassification ended at midnight too
    assert (await settled(clock, api, "auditor", silent))["overdue"]

    period = {"from": "2026-09-30", "to": "2026-09-30"}
    summary = numbers((await report(api, "dongying-supervisor", format="csv", **period)).text)
    assert set(summary) == {"dongying-police", ""}
    police = summary["dongying-police"]
    assert {c: police[c] for c in COLUMNS[15:22]} == {
        "绿色通道需求": 3,
        "动态调度需求": 1,
        "按时提供数据": 1,
        "数据需求逾期": 1,
        "共享告知": 2,
        "未按时提前告知": 1,
        "临时调整共享类型": 1,
    }
    assert police["收到申请"] == 0 and police["maintenance"] == "不适用"
    assert summary[""]["maintenance"] == "不适用"

    falls_in = await counted_in(api, "dongying-supervisor", **period)
    assert falls_in == {
        delivered["case_id"]: {"绿色通道需求", "按时提供数据"},
        silent["case_id"]: {"绿色通道需求", "数据需求逾期"},
        ordinary["case_id"]: {"动态调度需求"},
        routed["case_id"]: {"绿色通道需求"},  # counted on the track it was filed on
        timely["case_id"]: {"共享告知"},
        hasty["case_id"]: {"共享告知", "未按时提前告知"},
        reclassified["case_id"]: {"临时调整共享类型"},
    }

    html = (await report(api, "dongying-supervisor", **period)).text
    sharing, catalog, green, objections, _listing, _delivery, _supplement, disputes = html.split(
        "<h2>"
    )[1:]
    assert "东营市公安局" not in sharing and "东营市公安局" not in catalog
    assert green.startswith("绿色通道、动态调度、共享告知与临时调整</h2>")
    assert "东营市公安局" in green
    assert "东营市公安局" not in objections and "东营市公安局" not in disputes
    assert "process=green_channel&amp;department=dongying-police" in green
    assert "process=service_change&amp;department=dongying-police" in green


async def test_statistics_count_what_objections_did_to_the_opening_and_not_to_sharing(api, clock):
    await clock.set(at("2026-11-23T09:00:00+08:00"))
    withdrawn = await object_to(api)
    await suspended(api, withdrawn)
    await done(api, "hubei-provider", withdrawn, "close", decision="withdraw", reason="地址有误")
    granted = await submit(api, "hubei-applicant", resource_id="hubei-org", fields=["机构名称"])
    assert granted["outcome"] == "granted"  # sharing ran on (hubei 第三条)

    summary = numbers((await report(api, "hubei-supervisor", format="csv")).text)
    police = summary["hubei-police"]
    assert {c: police[c] for c in COLUMNS[22:26]} == {
        "开放数据异议": 1,
        "中止开放": 1,
        "撤回开放": 1,
        "恢复或处理后重新开放": 0,
    }
    assert (police["收到申请"], police["同意共享"]) == (1, 1)


@both_databases
async def test_statistics_count_deliveries_after_consent_on_time_and_overdue(api, clock, session):
    # 809 第二十二条: a consent on Monday 23 November is due for delivery at 24:00 on 21 December.
    delivered_by(session, "hubei-hukou", "file")
    on_time, late, owed = [
        await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
        for _ in range(3)
    ]
    interface = await submit(api, "hubei-applicant", resource_id="hubei-org", fields=["机构名称"])
    for case in (on_time, late, owed):
        await done(api, "hubei-provider", case, "approve")
    await done(api, "hubei-provider", on_time, "deliver", decision="file", note="文件 1")
    await settle_all(clock, session)
    before = numbers((await report(api, "hubei-supervisor", format="csv")).text)["hubei-police"]
    assert [before[c] for c in DELIVERY] == [3, 1, 0]  # two owed, not yet due
    await clock.advance_to(at("2026-12-22T00:00:05+08:00"))
    await settle_all(clock, session)
    await done(api, "hubei-provider", late, "deliver", decision="batch_exchange", note="批次 2")

    summary = numbers((await report(api, "hubei-supervisor", format="csv")).text)
    police = summary["hubei-police"]
    assert {c: police[c] for c in DELIVERY} == {
        "同意后须交付数据": 3,
        "按期交付数据": 1,
        "交付逾期": 2,
    }
    # Granted once closed: the interface grant, and the delivery on time, unconfirmed after
    # the 5-working-day target; the other two wait for delivery or its confirmation.
    assert (police["收到申请"], police["同意共享"], police["尚未办结"]) == (4, 2, 2)

    detail = await report(api, "hubei-supervisor", format="csv", detail="1")
    header, *lines = table(detail.text)
    falls_in = {row[0]: {c for c in DELIVERY if row[header.index(c)] == "1"} for row in lines}
    assert falls_in == {
        on_time["case_id"]: {"同意后须交付数据", "按期交付数据"},
        late["case_id"]: {"同意后须交付数据", "交付逾期"},
        owed["case_id"]: {"同意后须交付数据", "交付逾期"},
        interface["case_id"]: set(),
    }
    html = (await report(api, "hubei-supervisor")).text
    delivery = html.split("<h2>")[-3]
    assert delivery.startswith("同意共享后的数据交付（《政务数据共享条例》第二十二条）</h2>")
    assert "湖北省公安厅" in delivery


async def test_statistics_count_supplement_requests_and_applications_lapsed_unsupplemented(
    api, clock, session
):
    items = [{"item": "数据安全承诺书", "reason": "有条件共享须提交"}]
    hukou = {"resource_id": "hubei-hukou", "fields": ["姓名"]}
    supplied = await submit(api, "hubei-applicant", **hukou)
    await done(api, "hubei-provider", supplied, "request_supplement", items=items)
    await done(api, "hubei-applicant", supplied, "supplement", note="已补交承诺书")
    await done(api, "hubei-provider", supplied, "approve")
    lapsed = await submit(api, "hubei-applicant", **hukou)
    await done(api, "hubei-provider", lapsed, "request_supplement", items=items)
    plain = await submit(api, "hubei-applicant", **hukou)

    await clock.advance_to(at("2026-12-08T00:00:05+08:00"))  # the 10-day target has passed
    assert (await settled(clock, api, "auditor", lapsed))["outcome"] == "unsupplemented"
    await settle_all(clock, session)

    police = numbers((await report(api, "hubei-supervisor", format="csv")).text)["hubei-police"]
    assert (police["收到申请"], police["要求补正"], police["未补正终止"]) == (3, 2, 1)
    # Neither refused nor declined: the lapse is a count of its own.
    assert (police["不予共享（附理由）"], police["同意共享"]) == (0, 2)  # one by deemed consent
    falls_in = await counted_in(api, "hubei-supervisor")
    assert {"要求补正", "未补正终止"} <= falls_in[lapsed["case_id"]]
    assert "未补正终止" not in falls_in[supplied["case_id"]]
    assert not {"要求补正", "未补正终止"} & falls_in[plain["case_id"]]
    page = (await report(api, "hubei-supervisor")).text
    assert "共享申请补正" in page and "未补正终止" in page


async def test_statistics_count_where_disputes_of_refusals_went(api, clock, session):
    """809 第二十八条: raised, agreed in negotiation, coordinated, referred to the government."""
    hukou = {"resource_id": "hubei-hukou", "fields": ["姓名"]}
    agreed, referred, accepted = [await submit(api, "hubei-applicant", **hukou) for _ in range(3)]
    for case in (agreed, referred, accepted):
        await done(api, "hubei-provider", case, "reject", reason="不符合共享条件")
    await done(api, "hubei-applicant", accepted, "withdraw")  # the refusal is not disputed
    for case in (agreed, referred):
        await done(api, "hubei-applicant", case, "request_negotiation", reason="履职必需")
    await done(api, "hubei-provider", agreed, "record_negotiation", decision="agreed")
    await done(
        api, "hubei-applicant", referred, "record_negotiation", decision="failed", reason="x"
    )
    await done(api, "hubei-applicant", referred, "request_coordination")
    await done(api, "hubei-supervisor", referred, "decide", decision="unresolved", reason="分歧")
    await settle_all(clock, session)

    response = await report(api, "hubei-supervisor", format="csv")
    police = numbers(response.text)["hubei-police"]
    assert (police["收到申请"], police["同意共享"], police["不予共享（附理由）"]) == (3, 1, 1)
    assert [police[c] for c in DISPUTES] == [2, 1, 1, 1]
    falls_in = await counted_in(api, "hubei-supervisor")
    assert falls_in[referred["case_id"]] >= {"对不予共享提出争议", "申请协调", "报本级人民政府决定"}
    assert "协商一致同意共享" in falls_in[agreed["case_id"]]
    assert not falls_in[accepted["case_id"]] & set(DISPUTES)
    page = await report(api, "hubei-supervisor")
    assert "共享争议（协商、协调、本级人民政府决定）" in page.text
