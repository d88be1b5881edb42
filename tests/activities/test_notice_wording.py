"""Notices are written for the one who reads them (activities/notices.py): each recipient's text
says what concerns it and names the other parties; actions are named by their labels, never by
their identifiers; days and deadlines are written the one way (calendars/formatting.py)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from activities.notices import Reader, party_labels, render_notice

TEMPLATES = sorted((Path(__file__).parents[2] / "templates" / "notices").glob("*.txt"))
NAMES = {
    **party_labels(),
    "applicant": "利川市民政局",
    "provider": "利川市公安局",
    "service_centre": "利川市智慧城市建设服务中心",
}


def body(kind: str, reader: str, names: dict[str, str] | None = None, /, **context: Any) -> str:
    title, text = render_notice(
        kind, {"case_number": "LC20-2026-000001", **context}, Reader(reader, names or NAMES)
    )
    return f"{title}\n{text}"


def test_no_notice_names_an_action_or_a_value_by_its_identifier():
    identifier = re.compile(r"[（(“][a-z]+(_[a-z]+)*[）)”]")
    for path in TEMPLATES:
        text = path.read_text(encoding="utf-8")
        assert not identifier.search(text), path.name
    rejected = body("rejected", "applicant", resource="", reason="无法律依据", legal_basis="")
    assert "在本案中办理“申请协调”" in rejected and "request_coordination" not in rejected


def test_days_and_deadlines_in_notices_are_written_one_way():
    reclassified = body(
        "reclassified",
        "provider",
        resource="户籍人口基本信息",
        share_type_before="conditional",
        share_type="unconditional",
        until="2030-01-01",
        reason="防汛",
        cite="第二十条",
    )
    assert "至2030年1月1日24时（北京时间）止" in reclassified
    change = body(
        "service_change",
        "applicant",
        resource="户籍人口基本信息",
        change="stop",
        effective_on="2026-12-20",
        description="系统迁移",
        late=True,
        working_days=10,
        earliest="2027-01-04",
        cite="第二十九条",
        filing_cite="",
    )
    assert "将于2026年12月20日起停用" in change and "最早应于2027年1月4日起生效" in change
    assert not re.search(r"\d{4}-\d{2}-\d{2}", reclassified + change)


VERIFICATION = {"resource": "户籍人口基本信息", "description": "地址有误", "cite": "第二十三条"}


def test_a_verification_request_tells_the_raiser_it_is_received_and_the_provider_to_verify():
    raiser = body("verification_raised", "applicant", **VERIFICATION)
    assert raiser.startswith("LC20-2026-000001 数据质量校核申请已登记")
    assert "本部门对利川市公安局数据资源“户籍人口基本信息”提出的疑义或错误" in raiser
    assert "请予校核" not in raiser
    provider = body("verification_raised", "provider", **VERIFICATION)
    assert "利川市民政局对本部门数据资源“户籍人口基本信息”的数据提出疑义或错误" in provider
    assert "请予校核，释明或修复" in provider
    forwarding = body("verification_raised", "authority", **VERIFICATION)
    assert "请转送利川市公安局校核" in forwarding


def test_a_dispute_asks_the_decider_to_decide_and_tells_the_provider_who_decides():
    context = {"reason": "不服", "cite": "第十七条", "decider": "service_centre"}
    decider = body("dispute_raised", "service_centre", **context)
    assert "利川市民政局对利川市公安局的校核结果" in decider and "请决定维持结果" in decider
    provider = body("dispute_raised", "provider", **context)
    assert "利川市民政局对本部门的校核结果" in provider
    assert "由利川市智慧城市建设服务中心决定" in provider and "请决定" not in provider


def test_a_lichuan_result_says_the_service_centre_decides_a_dispute():
    result = body(
        "verification_result",
        "applicant",
        outcome="explained",
        reason="数据无误",
        note="",
        final=False,
        decider="service_centre",
        **VERIFICATION,
    )
    assert "已有利川市公安局的校核结果" in result
    assert "可提出异议一次，由利川市智慧城市建设服务中心决定" in result
    assert "主管部门" not in result


def test_a_joint_verification_names_both_departments_and_what_each_does():
    names = {**NAMES, "second_provider": "利川市卫生健康局"}
    context = {"resource": "户籍人口基本信息", "other": "户籍人口基本信息", "cite": "第十七条"}
    centre = body("joint_verification", "service_centre", names, **context)
    assert (
        "利川市公安局的数据资源“户籍人口基本信息”与利川市卫生健康局的数据资源“户籍人口基本信息”"
        "数据不一致" in centre
    )
    assert "请会同利川市公安局、利川市卫生健康局核实" in centre
    second = body("joint_verification", "second_provider", names, **context)
    assert "请配合利川市智慧城市建设服务中心核实" in second


def test_the_objecting_organisation_is_told_it_is_received_not_the_providers_duty():
    context = {"resource": "企业登记信息", "grounds": "accuracy", "cite": "第二十八条"}
    objector = body("objection_received", "applicant", **context)
    assert objector.startswith("LC20-2026-000001 开放数据异议已登记")
    assert (
        "本单位对利川市公安局开放的数据资源“企业登记信息”提出的异议（数据有误）已登记" in objector
    )
    assert "应当立即中止开放" not in objector
    provider = body("objection_received", "provider", **context)
    assert "开放平台收到利川市民政局对本部门数据资源“企业登记信息”的异议" in provider
    assert "应当立即中止开放（在本案中办理“暂停开放并核实”）" in provider
    public = body("objection_received", "public", **context)
    assert public.startswith("LC20-2026-000001 开放数据异议已登记")
    assert "您对利川市公安局开放的数据资源" in public


def test_a_refusal_under_809_names_negotiation_as_the_first_step_of_a_dispute():
    rejected = body("rejected", "applicant", resource="", reason="x", legal_basis="", dispute=True)
    assert "“申请协商”" in rejected and "第二十八条" in rejected and "“申请协调”" not in rejected
    lapsed = body(
        "negotiation_recorded",
        "applicant",
        decision="failed",
        lapsed=True,
        reason="",
        cite="运营目标",
        due="2026-12-08T00:00:00+08:00",
    )
    assert "2026年12月7日24时" in lapsed and "视为协商不成" in lapsed and "“申请协调”" in lapsed
    upheld = body(
        "government_decided",
        "applicant",
        granted=False,
        document="鄂政函〔2026〕95号",
        decided_on="2026-12-15",
        reason="法律禁止",
        cite="《政务数据共享条例》第二十八条",
    )
    assert "维持不予共享" in upheld and "鄂政函〔2026〕95号（2026年12月15日）" in upheld
