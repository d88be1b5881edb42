"""Auditing a case: its history exported, replayed (endpoint and `shixian replay`), and read as
a timeline; who may do each."""

from __future__ import annotations

import asyncio
import json
import re

from temporalio.client import WorkflowHistory

from shixian.cli import main
from shixian.replay import replay
from tests.cases import at, done, green_channel_demand, settled, submit
from tests.conftest import auth
from tests.replay.test_replay import HISTORIES, tampered
from tests.workflows.test_catalog_update import open_update

LICHUAN_20 = "《利川市政务信息资源共享管理办法》第二十条"


async def _hubei_case(api):  # type: ignore[no-untyped-def]
    return await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])


async def timeline_page(api, case, key: str = "auditor") -> str:  # type: ignore[no-untyped-def]
    response = await api.get(f"/api/v1/cases/{case['case_id']}/timeline", headers=auth(key))
    assert response.status_code == 200, response.text
    return response.text


# -- history -------------------------------------------------------------------------------


async def test_auditor_exports_a_history_the_replayer_loads_and_replays(api):
    case = await _hubei_case(api)
    await done(api, "hubei-provider", case, "approve", note="同意")
    response = await api.get(f"/api/v1/cases/{case['case_id']}/history", headers=auth("auditor"))
    assert response.status_code == 200, response.text
    exported = response.json()
    assert list(exported) == ["events"]
    assert exported["events"][0]["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"
    assert exported["events"][-1]["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED"
    [outcome] = await replay([WorkflowHistory.from_json(case["case_id"], exported)])
    assert outcome.ok, outcome.problem


async def test_history_by_case_number_alone_for_the_jurisdictions_supervisor(api):
    case = await _hubei_case(api)
    response = await api.get(
        f"/api/v1/cases/{case['case_number']}/history", headers=auth("hubei-supervisor")
    )
    assert response.status_code == 200, response.text
    assert response.json()["events"]


async def test_history_is_refused_to_parties_other_jurisdictions_and_the_public(api):
    case = await _hubei_case(api)
    for key in ("hubei-applicant", "hubei-provider", "public", "admin"):
        response = await api.get(f"/api/v1/cases/{case['case_id']}/history", headers=auth(key))
        assert response.status_code == 403, key
        assert response.json()["code"] == "role_not_allowed"
    other = await api.get(
        f"/api/v1/cases/{case['case_id']}/history", headers=auth("hebei-supervisor")
    )
    assert other.status_code == 403
    assert other.json()["code"] == "case_forbidden"
    assert "无权" in other.json()["message"]


async def test_history_of_an_unknown_case_is_404(api):
    response = await api.get(
        "/api/v1/cases/sharing-application/HB419-2026-999999/history", headers=auth("auditor")
    )
    assert response.status_code == 404
    assert response.json()["code"] == "case_not_found"
    assert "不存在" in response.json()["message"]


# -- replay ----------------------------------------------------------------------------------


async def test_replay_endpoint_reports_a_case_that_replays(api):
    case = await _hubei_case(api)
    await done(api, "hubei-provider", case, "reject", reason="不符合共享条件")
    response = await api.get(
        f"/api/v1/cases/{case['case_number']}/replay", headers=auth("hubei-supervisor")
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"case_id": case["case_id"], "ok": True, "problem": ""}
    refused = await api.get(
        f"/api/v1/cases/{case['case_id']}/replay", headers=auth("hubei-applicant")
    )
    assert refused.status_code == 403


def test_replay_command_replays_every_recorded_history_file(capsys):
    assert main(["replay", "--file", *map(str, HISTORIES)]) == 0
    lines = capsys.readouterr().out.splitlines()
    ok = [line for line in lines if line.startswith("OK ")]
    assert len(ok) == len(HISTORIES)
    assert any(line.startswith("OK sharing-application/HB419-2026-") for line in ok)


def test_replay_command_reports_a_tampered_history_and_fails(tmp_path, capsys):
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(tampered(HISTORIES[0])))
    assert main(["replay", "--file", str(HISTORIES[1]), str(path)]) == 1
    lines = [
        line for line in capsys.readouterr().out.splitlines() if line.startswith(("OK", "NON"))
    ]
    assert lines[0].startswith("OK ")
    assert re.match(r"NONDETERMINISTIC [a-z-]+/\S+ \(.*tampered\.json\): ", lines[1])
    assert "an_activity_that_no_longer_exists" in lines[1]


def test_replay_command_refuses_a_file_that_is_not_a_history(tmp_path, capsys):
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"case": 1}')
    assert main(["replay", "--file", str(wrong)]) == 1
    assert "events" in capsys.readouterr().err


async def test_replay_command_fetches_cases_from_temporal(api, env, monkeypatch, capsys):
    first = await _hubei_case(api)
    second = await submit(api, "hebei-applicant", resource_id="hebei-hukou", fields=["姓名"])
    monkeypatch.setenv("TEMPORAL_ADDRESS", env.client.service_client.config.target_host)
    import shixian.settings

    shixian.settings.get_settings.cache_clear()
    code = await asyncio.to_thread(main, ["replay", first["case_number"], second["case_id"]])
    assert code == 0
    out = capsys.readouterr().out
    assert f"OK {first['case_id']}" in out and f"OK {second['case_id']}" in out

    code = await asyncio.to_thread(main, ["replay", "--all", "--ruleset", "hebei-2022"])
    out = capsys.readouterr().out
    assert code == 0
    assert f"OK {second['case_id']}" in out and first["case_id"] not in out

    code = await asyncio.to_thread(main, ["replay", "sharing-application/HB419-2026-999999"])
    assert code == 1
    assert "ERROR sharing-application/HB419-2026-999999" in capsys.readouterr().out


# -- timeline --------------------------------------------------------------------------------


async def test_timeline_shows_each_step_against_its_deadline_and_a_late_one_by_working_days(
    api, clock
):
    case = await submit(api, "lichuan-applicant", resource_id="lichuan-hukou", fields=["姓名"])
    await done(api, "lichuan-centre", case, "accept")  # Monday 2026-11-23 09:00
    # 第二十条's 2 working days end at 24:00 on Wednesday 25 November; Friday is 2 days late.
    await clock.advance_to(at("2026-11-27T10:00:00+08:00"))
    await done(api, "lichuan-provider", case, "approve", note="同意共享")

    response = await api.get(f"/api/v1/cases/{case['case_id']}/timeline", headers=auth("auditor"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert case["case_number"] in page and "共享申请" in page
    # The rules by their title, never by the ruleset's id.
    assert "lichuan-2020" not in page and "《利川市政务信息资源共享管理办法》" in page
    for department in ("利川市民政局", "利川市公安局", "利川市智慧城市建设服务中心"):
        assert department in page
    assert "2026年11月23日 09:00:00（北京时间）" in page  # received
    assert "已办结：同意共享（已授权）（提供部门同意）" in page
    assert "利川公安经办人 · 利川市公安局 · 经办人" in page
    assert re.search(r"2026年11月27日 (09:59:5\d|10:00:0\d)", page)  # the approval
    assert f"至2025年11月25日24时（{LICHUAN_20}）" not in page
    assert f"至2026年11月25日24时（{LICHUAN_20}）" in page
    assert "逾期2个工作日" in page
    assert "按时" in page  # the centre's acceptance within 第十九条's 2 days
    assert "@media print" in page
    assert "国办发明电〔2025〕7号" in page  # the 2026 calendar the deadlines were counted by
    assert "已发送通知" in page and "利川市公安局" in page


async def test_timeline_escapes_what_users_wrote(api):
    case = await _hubei_case(api)
    await done(api, "hubei-provider", case, "reject", reason="<script>alert('x')</script>")
    page = await timeline_page(api, case, "hubei-supervisor")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "不同意共享" in page


async def test_timeline_is_refused_to_caseworkers_and_other_jurisdictions(api):
    case = await _hubei_case(api)
    url = f"/api/v1/cases/{case['case_id']}/timeline"
    assert (await api.get(url, headers=auth("hubei-applicant"))).status_code == 403
    assert (await api.get(url, headers=auth("hebei-supervisor"))).status_code == 403
    missing = await api.get(
        "/api/v1/cases/sharing-application/HB419-2026-999999/timeline", headers=auth("auditor")
    )
    assert missing.status_code == 404


async def test_timeline_of_a_quality_verification_reads_in_its_own_words(api):
    case = await submit(
        api,
        "hubei-applicant",
        process="quality_verification",
        resource_id="hubei-hukou",
        description="户籍地址与不动产登记不一致。",
    )
    await done(api, "hubei-provider", case, "reject", reason="与源系统一致")
    await done(api, "hubei-applicant", case, "dispute", reason="源系统本身有误")
    await done(api, "hubei-supervisor", case, "decide", decision="uphold", reason="核查无误")

    page = await timeline_page(api, case)
    for words in (
        "收到疑义或错误数据",
        "提供部门校核",
        "<td>疑义不成立</td>",
        "对校核结果提出异议",
        "作出异议处理决定",
        "决定：维持校核结果",
        "已办结：疑义不成立",
    ):
        assert words in page, words
    # The sharing application's words for the same identifiers.
    assert "不同意共享" not in page and "维持不予共享" not in page and "收到申请" not in page


async def test_timeline_of_green_channel_catalog_update_and_service_change(api, clock):
    await clock.set(at("2026-09-30T10:00:00+08:00"))
    demand = await submit(
        api,
        "dongying-applicant",
        **green_channel_demand(grounds="special_business", justification="专项行动需要"),
    )
    await done(
        api, "dongying-supervisor", demand, "refuse", reason="非紧急事项", decision="ordinary"
    )
    page = await timeline_page(api, demand)
    for words in ("收到数据需求", "绿色通道审核", "不批准绿色通道", "后续办理：转入动态调度"):
        assert words in page, words
    assert "办理中，当前环节：提供部门答复" in page

    change = await submit(
        api,
        "dongying-provider",
        process="service_change",
        resource_id="dongying-hukou",
        kind="stop",
        effective_on="2026-10-20",  # the 10 working days end on 20 October: late
        description="旧接口停用",
        reason="旧接口停止维护",
    )
    page = await timeline_page(api, change)
    for words in ("收到共享告知", "未按规定提前告知", "已告知使用部门", "已告知，待生效"):
        assert words in page, words

    await clock.set(at("2026-11-23T09:00:00+08:00"))
    # Hebei's 10 working days ended on 16 November.
    update = await open_update(
        api, "hebei-provider", "2026-11-02", description="《户口登记条例》修订"
    )
    assert (await settled(clock, api, "auditor", update))["overdue"]
    page = await timeline_page(api, update)
    for words in ("登记目录更新事由", "部门更新目录", "逾期情形：登记时已逾期"):
        assert words in page, words
    assert "，已逾期" in page
