"""Rulesets and calendar years through the API: reading them, and loading new ones.

The 2027 year file and the successor to 湖北省人民政府令第419号 below are test data, not
official texts: they are shaped like the real ones so that the validation they pass is real.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from calendars import BEIJING
from regulations.loader import PACKAGED
from tests.cases import settled, submit, view
from tests.conftest import auth

HUBEI_20 = "《湖北省政务数据资源应用与管理办法》第二十条"

# Not an official notice: 2027 as one might set it, with 元旦 running into Monday 4 January
# (and every statutory festival at rest, as a notice has them).
YEAR_2027 = """\
year: 2027
notice:
  title: 国务院办公厅关于2027年部分节假日安排的通知
  number: 国办发明电〔2026〕99号
  signed: 2026-11-20
  published: 2026-11-20
  url: https://www.gov.cn/zhengce/test-2027
holidays:
  - [2027-01-01, 2027-01-04, 元旦]
  - [2027-02-05, 2027-02-13, 春节]
  - [2027-04-03, 2027-04-05, 清明节]
  - [2027-05-01, 2027-05-05, 劳动节]
  - [2027-06-09, 2027-06-09, 端午节]
  - [2027-09-15, 2027-09-15, 中秋节]
  - [2027-10-01, 2027-10-07, 国庆节]
makeup_workdays:
  - 2027-02-20
"""

# Not a real instrument: a successor to Hubei's order 419 from 2027, with five working days.
SUCCESSOR = """\
id: hubei-2027
title: 湖北省政务数据共享管理办法
number: 湖北省人民政府令第999号
level: province
jurisdiction: hubei
parent: null
in_force: {from: 2027-01-01, until: null}
case_prefix: HB27
processes:
  sharing_application:
    not_shared: {article: 第十条}
    refusal: {article: 第十一条}
    tracks:
      unconditional: {article: 第九条, stages: []}
      conditional:
        article: 第九条
        stages:
          - stage: provider_review
            actor: provider
            article: 第十二条
            time_limits:
              - {working_days: 5, on_timeout: deemed_consent, article: 第十二条}
"""


def yaml_headers(key: str) -> dict[str, str]:
    return {**auth(key), "Content-Type": "application/yaml"}


# -- rulesets ------------------------------------------------------------------------------


async def test_rulesets_say_whether_they_are_in_force_on_the_beijing_date(api, clock):
    # 23:59 in Beijing on 2026-11-20, the last day of Dongying's instrument (15:59 UTC).
    await clock.set(datetime.fromisoformat("2026-11-20T15:59:00+00:00"))
    listed = await api.get("/api/v1/rulesets", headers=auth("hubei-applicant"))
    assert listed.status_code == 200, listed.text
    by_id = {r["id"]: r for r in listed.json()}
    assert set(by_id) == {p.stem for p in PACKAGED.glob("*.yaml")}
    assert by_id["dongying-2021-26"]["status"] == "in_force"
    assert by_id["yuhua-2021-9"]["status"] == "ended"
    hubei = by_id["hubei-419"]
    assert hubei["in_force"] == {"from": "2021-04-01", "until": None}
    assert hubei["in_force_text"] == "自2021年4月1日起施行"
    assert by_id["dongying-2021-26"]["in_force_text"] == "2021年11月21日至2026年11月20日"
    assert (hubei["number"], hubei["case_prefix"], hubei["level"]) == (
        "湖北省人民政府令第419号",
        "HB419",
        "province",
    )
    assert hubei["processes"] == [
        "catalog_update",
        "negative_listing",
        "open_data_objection",
        "quality_verification",
        "sharing_application",
    ]
    assert hubei["origin"] == "packaged"
    assert by_id["lichuan-2020"]["parent"] == "hubei-419"

    # Two minutes later it is 2026-11-21 in Beijing, though still the 20th in UTC.
    await clock.set(datetime.fromisoformat("2026-11-20T16:01:00+00:00"))
    listed = await api.get("/api/v1/rulesets", headers=auth("hubei-applicant"))
    assert {r["id"]: r["status"] for r in listed.json()}["dongying-2021-26"] == "ended"


async def test_a_ruleset_shows_its_stage_plans(api):
    response = await api.get("/api/v1/rulesets/hubei-419", headers=auth("auditor"))
    assert response.status_code == 200, response.text
    plan = response.json()["plans"]["sharing_application"]
    conditional = plan["tracks"]["conditional"]
    assert conditional["stages"] == [
        {
            "stage": "provider_review",
            "actor": "provider",
            "cite": HUBEI_20,
            "time_limits": [
                {
                    "working_days": 10,
                    "on_timeout": "deemed_consent",
                    "cite": HUBEI_20,
                    "basis": "statute",
                    # Whose limit it is; what it beat is composed per case, not in the file.
                    "instrument": "hubei-419",
                    "prevails_over": [],
                }
            ],
        }
    ]
    assert plan["tracks"]["unconditional"]["stages"] == []
    assert plan["coordination"]["actor"] == "authority"


async def test_an_unknown_ruleset_is_not_found(api):
    response = await api.get("/api/v1/rulesets/atlantis", headers=auth("auditor"))
    assert response.status_code == 404
    assert response.json()["code"] == "ruleset_not_found"


async def test_a_successor_instrument_governs_cases_received_once_it_is_in_force(
    api, clock, settings
):
    # While order 419 has no end date, a successor for the same process would overlap it.
    response = await api.post("/api/v1/rulesets", content=SUCCESSOR, headers=yaml_headers("admin"))
    assert response.status_code == 409
    assert response.json()["code"] == "ruleset_overlaps"
    assert "hubei-419" in response.json()["message"]

    ended = (PACKAGED / "hubei-419.yaml").read_text(encoding="utf-8")
    ended = ended.replace("until: null", "until: 2026-12-31")
    response = await api.post("/api/v1/rulesets", content=ended, headers=yaml_headers("admin"))
    assert response.status_code == 200, response.text
    assert response.json()["in_force"]["until"] == "2026-12-31"
    assert response.json()["origin"] == "uploaded"

    response = await api.post("/api/v1/rulesets", content=SUCCESSOR, headers=yaml_headers("admin"))
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "not_yet"
    assert (settings.data_dir / "regulations" / "hubei-2027.yaml").read_text() == SUCCESSOR
    listed = await api.get("/api/v1/rulesets", headers=auth("hubei-applicant"))
    assert "hubei-2027" in [r["id"] for r in listed.json()]

    # A case received in 2026 runs under order 419; one received in 2027 under its successor.
    old = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    assert old["ruleset"] == "hubei-419"
    await clock.set(datetime(2027, 1, 5, 10, tzinfo=BEIJING))
    new = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    assert new["ruleset"] == "hubei-2027"
    assert new["case_number"] == "HB27-2027-000001"
    assert new["deadline"]["working_days"] == 5
    assert new["deadline"]["cite"] == "《湖北省政务数据共享管理办法》第十二条"


async def test_an_invalid_ruleset_is_refused_naming_the_file_and_the_field(api, settings):
    broken = SUCCESSOR.replace("working_days: 5", "working_days: 0")
    response = await api.post("/api/v1/rulesets", content=broken, headers=yaml_headers("admin"))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "ruleset_invalid"
    assert body["message"].startswith("规则集文件无效：hubei-2027.yaml")
    assert "time_limits.0.working_days：应不小于 1" in body["message"]
    assert "Input should" not in body["message"]

    orphan = SUCCESSOR.replace("parent: null", "parent: atlantis")
    response = await api.post("/api/v1/rulesets", content=orphan, headers=yaml_headers("admin"))
    assert response.status_code == 422
    assert "parent" in response.json()["message"]

    for text in ("", "id: [unclosed"):
        response = await api.post("/api/v1/rulesets", content=text, headers=yaml_headers("admin"))
        assert (response.status_code, response.json()["code"]) == (422, "ruleset_invalid")
    assert "不是有效的 YAML（第1行" in response.json()["message"]
    assert "not valid" not in response.json()["message"]
    assert not (settings.data_dir / "regulations").exists()


async def test_a_ruleset_its_workflow_cannot_run_is_refused_naming_the_field(api, settings):
    # The catalog update only marks overdue: accepted, `close` failed the case at its deadline.
    hebei = (PACKAGED / "hebei-2022.yaml").read_text(encoding="utf-8")
    closing = hebei.replace(
        "- {working_days: 10, on_timeout: overdue, article: 第九条}\n    extension:",
        "- {working_days: 10, on_timeout: close, article: 第九条}\n    extension:",
    )
    assert closing != hebei
    response = await api.post("/api/v1/rulesets", content=closing, headers=yaml_headers("admin"))
    assert (response.status_code, response.json()["code"]) == (422, "ruleset_invalid")
    message = response.json()["message"]
    assert message.startswith("规则集文件无效：hebei-2022.yaml")
    assert "processes.catalog_update.update.time_limits.0.on_timeout" in message
    assert not (settings.data_dir / "regulations").exists()


async def test_a_ruleset_may_not_take_another_rulesets_case_prefix(api):
    # Numbers are counted per ruleset: a shared prefix would number two cases alike.
    clash = SUCCESSOR.replace("jurisdiction: hubei", "jurisdiction: shanxi").replace(
        "case_prefix: HB27", "case_prefix: HB419"
    )
    response = await api.post("/api/v1/rulesets", content=clash, headers=yaml_headers("admin"))
    assert response.status_code == 409
    assert response.json()["code"] == "case_prefix_taken"


async def test_a_caseworker_may_not_upload_a_ruleset(api):
    response = await api.post(
        "/api/v1/rulesets", content=SUCCESSOR, headers=yaml_headers("hubei-provider")
    )
    assert response.status_code == 403
    assert response.json()["code"] == "role_not_allowed"


# -- calendars -----------------------------------------------------------------------------


async def test_calendar_years_are_official_with_their_notice_or_provisional(api):
    response = await api.get("/api/v1/calendars", headers=auth("public"))
    assert response.status_code == 200, response.text
    years = {y["year"]: y for y in response.json()}
    assert min(years) == 2018
    assert years[2026]["official"] is True
    assert years[2026]["notice_number"] == "国办发明电〔2025〕7号"
    assert years[2026]["origin"] == "packaged"
    assert years[2027]["official"] is False
    assert years[2027]["notice_number"] is None


async def test_a_year_shows_its_holidays_and_adjusted_working_days(api):
    response = await api.get("/api/v1/calendars/2026", headers=auth("hubei-applicant"))
    assert response.status_code == 200, response.text
    year = response.json()
    spring = next(h for h in year["holidays"] if h["name"] == "春节")
    assert (spring["start"], spring["end"], spring["days"]) == ("2026-02-15", "2026-02-23", 9)
    assert "2026-02-14" in year["makeup_workdays"]
    assert year["notice"]["title"] == "国务院办公厅关于2026年部分节假日安排的通知"

    response = await api.get("/api/v1/calendars/2027", headers=auth("hubei-applicant"))
    provisional = response.json()
    assert provisional["official"] is False and provisional["notice"] is None
    assert "暂估" in provisional["note"]
    assert provisional["holidays"][0] == {
        "name": "元旦",
        "start": "2027-01-01",
        "end": "2027-01-01",
        "days": 1,
    }


async def test_a_year_outside_the_calendar_is_not_found(api):
    for year in (2017, 2031):
        response = await api.get(f"/api/v1/calendars/{year}", headers=auth("auditor"))
        assert response.status_code == 404
        assert response.json()["code"] == "calendar_year_not_found"


async def test_an_invalid_year_file_is_refused_naming_the_line(api, settings):
    # Tuesday 5 January cannot be an adjusted working day: it is on line 17.
    broken = YEAR_2027.replace("  - 2027-02-20", "  - 2027-01-05")
    assert broken.splitlines()[16] == "  - 2027-01-05"
    response = await api.post("/api/v1/calendars", content=broken, headers=yaml_headers("admin"))
    assert response.status_code == 422
    assert response.json()["code"] == "calendar_invalid"
    assert "第17行" in response.json()["message"]
    assert "不是周末" in response.json()["message"]
    assert not (settings.calendars / "2027.yaml").exists()


async def test_only_an_admin_may_load_a_calendar(api, settings):
    response = await api.post(
        "/api/v1/calendars", content=YEAR_2027, headers=yaml_headers("hubei-provider")
    )
    assert response.status_code == 403
    response = await api.post(
        "/api/v1/calendars", content=YEAR_2027, headers={"Content-Type": "application/yaml"}
    )
    assert response.status_code == 401
    assert not (settings.calendars / "2027.yaml").exists()


async def test_loading_the_2027_notice_replans_a_running_case_over_new_year(api, clock, settings):
    # Received Thursday 2026-12-24: ten working days run into 2027, which is still an estimate
    # (元旦 on Friday 1 January only), so the last day is Friday 8 January, provisionally.
    await clock.set(datetime(2026, 12, 24, 10, tzinfo=BEIJING))
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    assert case["deadline"]["last_day"] == "2027-01-08"
    assert case["deadline"]["provisional"] is True
    assert case["deadline"]["replanned_from"] is None

    response = await api.post("/api/v1/calendars", content=YEAR_2027, headers=yaml_headers("admin"))
    assert response.status_code == 201, response.text
    loaded = response.json()
    assert (loaded["year"], loaded["official"], loaded["replaced"]) == (2027, True, False)
    assert loaded["notice_number"] == "国办发明电〔2026〕99号"
    assert loaded["replanned_cases"] == 1
    assert Path(settings.calendars / "2027.yaml").read_text(encoding="utf-8") == YEAR_2027

    # The notice makes Monday 4 January a holiday: the period ends one working day later.
    state = await settled(clock, api, "hubei-applicant", case)
    deadline = state["deadline"]
    assert deadline["replanned_from"] == "2027-01-09T00:00:00+08:00"
    assert (deadline["last_day"], deadline["due"]) == ("2027-01-11", "2027-01-12T00:00:00+08:00")
    assert deadline["provisional"] is False
    assert "国办发明电〔2026〕99号" in deadline["notices"]
    replanned = [e for e in state["events"] if e["kind"] == "replanned"]
    assert replanned[0]["detail"]["reason"] == "2027年日历更新"

    years = {
        y["year"]: y for y in (await api.get("/api/v1/calendars", headers=auth("auditor"))).json()
    }
    assert (years[2027]["official"], years[2027]["origin"]) == (True, "uploaded")
    assert years[2028]["official"] is False

    again = await api.post("/api/v1/calendars", content=YEAR_2027, headers=yaml_headers("admin"))
    assert again.status_code == 200
    assert again.json()["replaced"] is True


async def test_a_year_unlike_a_notice_is_refused_before_it_is_official(api, clock, settings):
    """Only New Year's Day: well formed, and unlike any notice. It would have re-planned
    every open case against a year without a Spring Festival."""
    await clock.set(datetime(2026, 12, 24, 10, tzinfo=BEIJING))
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    only_new_year = YEAR_2027.split("  - [2027-02-05")[0] + "makeup_workdays: []\n"
    response = await api.post(
        "/api/v1/calendars", content=only_new_year, headers=yaml_headers("admin")
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "calendar_implausible"
    for festival in ("春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"):
        assert f"“{festival}”" in body["message"]
    assert "元旦" not in body["message"]  # it is there
    assert not (settings.calendars / "2027.yaml").exists()
    state = await view(api, "hubei-applicant", case)
    assert state["deadline"]["provisional"] is True  # nothing re-planned

    far = YEAR_2027.replace("  - 2027-02-20", "  - 2027-03-13")  # a Saturday, no break near
    response = await api.post("/api/v1/calendars", content=far, headers=yaml_headers("admin"))
    assert (response.status_code, response.json()["code"]) == (422, "calendar_implausible")
    assert "2027-03-13" in response.json()["message"]


async def test_a_dry_run_shows_which_open_deadlines_would_move_and_loads_nothing(
    api, clock, settings
):
    await clock.set(datetime(2026, 12, 24, 10, tzinfo=BEIJING))
    over_new_year = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    await clock.set(datetime(2026, 11, 23, 10, tzinfo=BEIJING))
    in_2026 = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    await settled(clock, api, "hubei-applicant", over_new_year)
    await settled(clock, api, "hubei-applicant", in_2026)

    refused = await api.post(
        "/api/v1/calendars?dry_run=true", content=YEAR_2027, headers=yaml_headers("hubei-provider")
    )
    assert refused.status_code == 403
    preview = await api.post(
        "/api/v1/calendars?dry_run=true", content=YEAR_2027, headers=yaml_headers("admin")
    )
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert (body["year"], body["notice_number"], body["replaces"]) == (
        2027,
        "国办发明电〔2026〕99号",
        False,
    )
    assert body["open_cases"] == 2
    [move] = body["moves"]
    assert move["case_id"] == over_new_year["case_id"]
    assert (move["last_day"], move["new_last_day"]) == ("2027-01-08", "2027-01-11")
    assert (move["provisional"], move["new_provisional"]) == (True, False)
    assert not (settings.calendars / "2027.yaml").exists()
    state = await view(api, "hubei-applicant", over_new_year)
    assert state["deadline"]["last_day"] == "2027-01-08"  # nothing re-planned

    implausible = await api.post(
        "/api/v1/calendars?dry_run=true",
        content=YEAR_2027.replace("  - [2027-10-01, 2027-10-07, 国庆节]\n", ""),
        headers=yaml_headers("admin"),
    )
    assert (implausible.status_code, implausible.json()["code"]) == (422, "calendar_implausible")
