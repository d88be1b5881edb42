"""The provider's delivery after its consent (政务数据共享条例 第二十二条): within 20 working days
of the consenting reply, by interface, batch exchange or file, where the catalog entry says
the platform's grant does not deliver the data (batch exchange, file).

The clock starts on Monday 2026-11-23 09:00 Beijing. A consent on that day is due for
delivery at 24:00 of Monday 2026-12-21: 20 working days, 24 November – 21 December.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlmodel import Session

from tests.cases import act, at, done, kinds, settled, submit, view
from tests.conftest import auth, both_databases
from tests.histories import keep_history
from tests.records import change_resource, grants, notices, recipients

N809_22 = "《政务数据共享条例》第二十二条"
HUKOU = {"resource_id": "hubei-hukou", "fields": ["姓名"]}
DELIVERED = {"decision": "file", "note": "文件编号 HB-2026-118"}


def delivered_by(session: Session, resource_id: str, method: str) -> None:
    """The catalog entry says how its data is shared once the provider consents."""
    change_resource(session, resource_id, delivery_method=method)


async def consented(
    api: httpx.AsyncClient, session: Session, method: str = "file"
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A Hubei hukou application and the provider's consent, its data shared by `method`."""
    delivered_by(session, "hubei-hukou", method)
    case = await submit(api, "hubei-applicant", **HUKOU)
    return case, await done(api, "hubei-provider", case, "approve")


@both_databases
async def test_consent_to_file_data_grants_now_and_awaits_delivery_for_20_working_days(
    api, session, clock
):
    case, state = await consented(api, session)
    assert (state["status"], state["stage"]) == ("open", "delivery")
    deadline = state["deadline"]
    assert (deadline["due"], deadline["last_day"]) == ("2026-12-22T00:00:00+08:00", "2026-12-21")
    assert (deadline["working_days"], deadline["cite"], deadline["on_timeout"]) == (
        20,
        N809_22,
        "overdue",
    )
    assert deadline["instrument"] == "national-809"
    assert state["actions"] == ["deliver"]  # as the provider sees it
    assert (await view(api, "hubei-applicant", case))["actions"] == []

    # The use is authorized at the consent, and the applicant is told the data is still to come.
    [grant] = grants(session, case["case_id"])
    assert grant.granted_by == "provider"
    approved = next(e for e in state["events"] if e["kind"] == "approve")
    assert abs(at(approved["at"]) - grant.granted_at) < timedelta(seconds=1)
    notice = notices(session, case["case_id"], "granted")[0]
    assert notice.title.endswith("数据共享已授权，数据待交付")
    assert "数据尚未交付" in notice.body and "文件" in notice.body
    assert "2026年12月21日24时" in notice.body and N809_22 in notice.body
    details = (await settled(clock, api, "hubei-applicant", case))["details"]
    assert details["delivery"]["due"] == "2026-12-22T00:00:00+08:00"
    assert details["delivery"]["delivered_at"] is None


@both_databases
async def test_a_delivery_at_235959_of_the_last_day_is_on_time(api, clock, session, env):
    case, _ = await consented(api, session)
    await clock.advance_to(at("2026-12-21T23:59:59+08:00"))
    state = await done(api, "hubei-provider", case, "deliver", **DELIVERED)
    assert (state["stage"], state["overdue"]) == ("confirmation", False)
    delivery = state["details"]["delivery"]
    assert (delivery["method"], delivery["reference"], delivery["on_time"]) == (
        "file",
        "文件编号 HB-2026-118",
        True,
    )
    assert delivery["delivered_at"].startswith("2026-12-21T23:59:59")
    event = next(e for e in state["events"] if e["kind"] == "deliver")
    assert event["limit"]["on_time"] is True and event["detail"]["decision"] == "file"
    [told] = {n.body for n in notices(session, case["case_id"], "data_delivered")}
    assert "以文件方式交付" in told and "文件编号 HB-2026-118" in told and "已逾期" not in told

    state = await done(api, "hubei-applicant", case, "confirm_receipt")
    assert (state["status"], state["outcome"]) == ("closed", "granted")
    assert state["details"]["delivery"]["confirmed_at"] is not None
    assert state["events"][-1]["detail"]["delivery_method"] == "file"
    assert len(grants(session, case["case_id"])) == 1  # granted once, at the consent


@both_databases
async def test_a_delivery_at_midnight_after_the_last_day_is_overdue_and_listed(
    api, clock, session, env
):
    case, _ = await consented(api, session, "batch_exchange")
    await clock.advance_to(at("2026-12-21T00:00:01+08:00"))
    await settled(clock, api, "hubei-supervisor", case)
    [reminder] = notices(session, case["case_id"], "reminder")
    assert reminder.recipient_department_id == "hubei-police" and N809_22 in reminder.body
    await clock.advance_to(at("2026-12-22T00:00:00+08:00"))
    state = await settled(clock, api, "hubei-supervisor", case)
    assert (state["stage"], state["overdue"]) == ("delivery", True)
    told = recipients(notices(session, case["case_id"], "overdue"))
    assert told == {"hubei-police", "hubei-bigdata"}
    [overdue] = notices(session, case["case_id"], "overdue")[:1]
    assert N809_22 in overdue.body
    listed = await api.get("/api/v1/cases?overdue=true", headers=auth("hubei-supervisor"))
    assert case["case_id"] in {c["case_id"] for c in listed.json()["items"]}

    state = await done(
        api, "hubei-provider", case, "deliver", decision="batch_exchange", note="批次 20261222-01"
    )
    assert state["stage"] == "confirmation"
    assert state["details"]["delivery"]["on_time"] is False
    event = next(e for e in state["events"] if e["kind"] == "deliver")
    assert event["limit"]["on_time"] is False
    [told_late] = {n.body for n in notices(session, case["case_id"], "data_delivered")}
    assert "已逾期" in told_late

    # The applicant does not confirm: the operator's target closes the case, delivered.
    await clock.advance(timedelta(days=10))
    state = await settled(clock, api, "hubei-applicant", case)
    assert (state["status"], state["outcome"]) == ("closed", "granted")
    assert "delivery_unconfirmed" in kinds(state)
    assert state["details"]["delivery"]["confirmed_at"] is None
    await keep_history(env.client, case, "hubei-delivery-overdue")


async def test_spring_festival_inside_the_20_working_days_moves_the_due_day(api, clock, session):
    await clock.set(at("2026-02-03T10:00:00+08:00"))  # Tuesday
    case, state = await consented(api, session)
    # 4–14 Feb (Sat 14 a working day) 9, the festival off 15–23, 24 Feb – 9 Mar
    # (Sat 28 a working day) 11: the last day is Monday 9 March, not Tuesday 3 March.
    assert state["deadline"]["last_day"] == "2026-03-09"
    assert state["deadline"]["due"] == "2026-03-10T00:00:00+08:00"


async def test_only_the_provider_delivers_and_only_by_a_known_method(api, session, clock):
    case, _ = await consented(api, session)
    before = await settled(clock, api, "hubei-provider", case)

    wrong_actor = await act(api, "hubei-applicant", case, "deliver", **DELIVERED)
    assert wrong_actor.status_code == 403
    assert "数据提供部门" in wrong_actor.json()["message"]
    supervisor = await act(api, "hubei-supervisor", case, "deliver", **DELIVERED)
    assert supervisor.status_code == 403

    invalid = await act(api, "hubei-provider", case, "deliver", decision="email", note="邮件")
    assert invalid.status_code == 422
    assert invalid.json()["message"] == (
        "交付方式（decision）须为 interface（接口）、batch_exchange（批量交换）或 file（文件）。"
    )
    no_reference = await act(api, "hubei-provider", case, "deliver", decision="file")
    assert no_reference.status_code == 422
    assert "交付凭据" in no_reference.json()["message"]
    early = await act(api, "hubei-applicant", case, "confirm_receipt")
    assert early.status_code == 409
    late_withdrawal = await act(api, "hubei-applicant", case, "withdraw")
    assert late_withdrawal.status_code == 409  # consented and granted: nothing to withdraw

    after = await view(api, "hubei-provider", case)
    assert (after["stage"], after["events"]) == ("delivery", before["events"])
    assert after["details"]["delivery"]["delivered_at"] is None
    assert notices(session, case["case_id"], "data_delivered") == []


async def test_deemed_consent_is_the_delivery_even_for_file_data(api, clock, session):
    delivered_by(session, "hubei-hukou", "file")
    case = await submit(api, "hubei-applicant", **HUKOU)
    await clock.advance_to(at("2026-12-08T00:00:01+08:00"))
    state = await settled(clock, api, "hubei-applicant", case)
    assert (state["status"], state["outcome"]) == ("closed", "granted")
    assert state["details"]["granted_by"] == "deemed_consent"
    assert state["details"]["delivery"] is None
    assert "delivery" not in {e["stage"] for e in state["events"]}


async def test_interface_data_is_delivered_by_the_grant_at_once(api, session):
    case = await submit(api, "hubei-applicant", **HUKOU)  # the catalog's default: interface
    state = await done(api, "hubei-provider", case, "approve")
    assert (state["status"], state["outcome"]) == ("closed", "granted")
    assert state["details"]["delivery"] is None


async def test_hebeis_authority_provision_is_the_delivery(api, session):
    delivered_by(session, "hebei-hukou", "file")
    case = await submit(api, "hebei-applicant", resource_id="hebei-hukou", fields=["姓名"])
    await done(api, "hebei-supervisor", case, "accept")
    state = await done(api, "hebei-provider", case, "approve")
    assert state["stage"] == "authority_provide"
    state = await done(api, "hebei-supervisor", case, "provide")
    assert (state["status"], state["details"]["granted_by"]) == ("closed", "authority")
    assert state["details"]["delivery"] is None


async def test_a_case_received_before_809_closes_on_consent_as_before(api, clock, session):
    delivered_by(session, "dongying-hukou", "file")
    await clock.set(at("2024-05-06T10:00:00+08:00"))
    case = await submit(api, "dongying-applicant", resource_id="dongying-hukou", fields=["姓名"])
    assert case["governed_by"] == ["dongying-2021-26"]
    state = await done(api, "dongying-provider", case, "approve")
    assert (state["status"], state["outcome"]) == ("closed", "granted")
    assert state["details"]["delivery"] is None
    notice = notices(session, case["case_id"], "granted")[0]
    assert "尚未交付" not in notice.body


async def test_a_dongying_case_under_809_is_delivered_by_file(api, clock, session, env):
    delivered_by(session, "dongying-hukou", "file")
    case = await submit(api, "dongying-applicant", resource_id="dongying-hukou", fields=["姓名"])
    assert case["governed_by"] == ["national-809"]
    await clock.advance_to(at("2026-11-24T10:00:00+08:00"))
    state = await done(api, "dongying-provider", case, "approve")
    # 25 November – 22 December.
    assert (state["stage"], state["deadline"]["last_day"]) == ("delivery", "2026-12-22")
    await clock.advance_to(at("2026-12-01T15:00:00+08:00"))
    state = await done(api, "dongying-provider", case, "deliver", **DELIVERED)
    assert state["details"]["delivery"]["on_time"] is True
    state = await done(api, "dongying-applicant", case, "confirm_receipt", note="已收到并核对")
    assert (state["status"], state["outcome"]) == ("closed", "granted")
    told = recipients(notices(session, case["case_id"], "data_delivered"))
    assert told == {"dongying-civil", "dongying-police"}
    await keep_history(env.client, case, "dongying-delivered-by-file")


async def test_loading_next_years_calendar_moves_a_delivery_still_owed(api, clock, session):
    from tests.api.test_rulesets_calendars import YEAR_2027, yaml_headers

    await clock.set(at("2026-12-14T10:00:00+08:00"))  # Monday
    case, state = await consented(api, session)
    # 15–31 December 13, 2027 estimated (元旦 only): 4–12 January 7 more.
    assert (state["deadline"]["last_day"], state["deadline"]["provisional"]) == ("2027-01-12", True)
    loaded = await api.post("/api/v1/calendars", content=YEAR_2027, headers=yaml_headers("admin"))
    assert loaded.status_code == 201, loaded.text
    # The notice makes Monday 4 January a holiday: one working day later.
    state = await settled(clock, api, "hubei-provider", case)
    assert state["deadline"]["last_day"] == "2027-01-13"
    assert state["details"]["delivery"]["due"] == "2027-01-14T00:00:00+08:00"
    await clock.advance_to(at("2027-01-13T16:00:00+08:00"))
    state = await done(api, "hubei-provider", case, "deliver", **DELIVERED)
    assert state["details"]["delivery"]["on_time"] is True
    assert next(e for e in state["events"] if e["kind"] == "deliver")["limit"]["on_time"] is True
