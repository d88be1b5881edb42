"""What people read instead of identifiers (service/labels.py): jurisdictions by name, a case's
parties once each, allowed values with their labels, recorded days written one way."""

from __future__ import annotations

from service.labels import detail_value, jurisdiction_name, listing, party_rows


def test_a_jurisdiction_is_named_from_the_outermost_level_in():
    assert jurisdiction_name("hubei") == "湖北省"
    assert jurisdiction_name("hubei.lichuan") == "湖北省利川市"
    assert jurisdiction_name("hunan.changsha.yuhua") == "湖南省长沙市雨花区"
    assert jurisdiction_name("shandong.dongying") == "山东省东营市"
    # An operator's new code is shown as it is, rather than half-named.
    assert jurisdiction_name("hubei.wuhan") == "hubei.wuhan"


def test_a_department_with_two_parts_is_listed_once_as_the_provider_of_its_data():
    names = {"hubei-police": "湖北省公安厅", "hubei-bigdata": "湖北省政务服务和大数据管理局"}
    catalog_update = {
        "applicant": "hubei-police",
        "provider": "hubei-police",
        "authority": "hubei-bigdata",
    }
    assert party_rows(catalog_update, names) == [
        ("数据提供部门", "湖北省公安厅"),
        ("政务数据主管部门", "湖北省政务服务和大数据管理局"),
    ]
    sharing = {"applicant": "hubei-civil", "provider": "hubei-police", "authority": None}
    assert party_rows(sharing, {**names, "hubei-civil": "湖北省民政厅"}) == [
        ("申请部门", "湖北省民政厅"),
        ("数据提供部门", "湖北省公安厅"),
    ]


def test_allowed_values_come_with_their_labels():
    assert (
        listing([("review", "审核"), ("closed", "已办结"), ("x", "")])
        == "review（审核）、closed（已办结）、x"
    )


def test_a_recorded_day_or_instant_is_written_in_chinese():
    assert detail_value("service_change", "earliest", "2026-10-21") == "2026年10月21日"
    assert detail_value("open_data_objection", "at", "2026-11-23T01:00:00+00:00") == (
        "2026年11月23日 09:00（北京时间）"
    )
    assert detail_value("sharing_application", "decision", "uphold") == "维持不予共享"
