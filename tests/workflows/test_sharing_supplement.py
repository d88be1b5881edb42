"""Supplement (补正) of an incomplete sharing application, wherever 809 governs (cases received
from 2025-08-01): the reviewer or the provider tells the applicant once everything missing
(809 第二十一条第二款), the stage's limits stop, and the supplement restarts the stage's period
from the platform's recorded time of it (by analogy with 行政许可法 第三十二条). Unsupplemented,
the application lapses at the operator's target."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.attachments import uploaded
from tests.cases import act, at, done, settled, submit, view
from tests.conftest import auth
from tests.histories import keep_history
from tests.records import grants, notices, notices_to, recipients

ITEMS = [
    {
        "item": "应用场景的政策依据文件",
        "reason": "申请未附最低生活保障审核的依据文件，无法判断用途是否相符",
    },
    {"item": "数据安全承诺书", "reason": "有条件共享数据须提交加盖公章的安全承诺书"},
]
TARGET = "运营目标（第二十一条第二款未规定补正期限）：补正期限10个工作日，逾期未补正的申请终止"


async def _hebei_case(api):  # type: ignore[no-untyped-def]
    case = await submit(api, "hebei-applicant", resource_id="hebei-hukou", fields=["姓名"])
    assert case["stage"] == "review"
    assert case["deadline"]["last_day"] == "2026-11-26"  # hebei 第十五条: 3 working days
    return case


async def test_hebei_review_asks_once_for_everything_missing_and_the_supplement_restarts_the_period(
    api, clock, session, env
):
    case = await _hebei_case(api)
    assert (await view(api, "hebei-supervisor", case))["actions"] == [
        "accept",
        "decline",
        "request_supplement",
    ]
    await clock.advance_to(at("2026-11-24T10:00:00+08:00"))
    state = await done(api, "hebei-supervisor", case, "request_supplement", items=ITEMS)
    assert state["stage"] == "supplement"
    # The review's 3 days no longer run; the operator's target does: 10 working days.
    assert [(d["stage"], d["basis"], d["last_day"]) for d in state["deadlines"]] == [
        ("supplement", "target", "2026-12-08")
    ]
    assert state["deadline"]["cite"] == TARGET
    asked = state["details"]["supplement"]
    assert (asked["status"], asked["stage"]) == ("requested", "review")
    assert [i["item"] for i in asked["items"]] == [i["item"] for i in ITEMS]
    [step] = [e for e in state["events"] if e["kind"] == "request_supplement"]
    assert "1. 应用场景的政策依据文件" in step["detail"]["items"]
    # The applicant is told once, everything missing in one notice.
    [told] = notices_to(session, case["case_id"], "supplement_requested", "hebei-hrss")
    assert "共2项" in told.body and "数据安全承诺书" in told.body and "安全承诺书" in told.body
    assert "《中华人民共和国行政许可法》第三十二条" in told.body
    assert "《政务数据共享条例》第二十一条第二款" in told.body
    assert "2026年12月8日24时" in told.body
    assert (await view(api, "hebei-applicant", case))["actions"] == ["supplement", "withdraw"]

    # The applicant supplements, with an attachment of its own, at 23:59:59 on Wednesday.
    evidence = await uploaded(api, "hebei-applicant", name="安全承诺书.pdf")
    await clock.advance_to(at("2026-11-25T23:59:59+08:00"))
    state = await done(
        api,
        "hebei-applicant",
        case,
        "supplement",
        note="已补充政策依据文件和安全承诺书",
        attachment_ids=[evidence],
    )
    # The review starts again, counted from the supplement: Thu 26, Fri 27, Mon 30.
    assert state["stage"] == "review"
    # The platform's recorded time (the test clock moves on by the milliseconds the call takes).
    assert state["deadline"]["counted_from"].startswith("2026-11-25T23:59:59")
    assert state["deadline"]["last_day"] == "2026-11-30"
    supplied = state["details"]["supplement"]
    assert supplied["status"] == "supplied"
    assert supplied["supplied_at"] == state["deadline"]["counted_from"]
    assert supplied["attachments"] == [evidence]
    # Cited by the case, the attachment is the reviewer's to read.
    read = await api.get(f"/api/v1/attachments/{evidence}", headers=auth("hebei-supervisor"))
    assert read.status_code == 200
    [restart] = notices_to(session, case["case_id"], "supplemented", "hebei-data")
    assert "办理期限自平台记录的补正时间起重新计算" in restart.body

    # Once per case: a second request is refused and changes nothing.
    assert "request_supplement" not in (await view(api, "hebei-supervisor", case))["actions"]
    again = await act(api, "hebei-supervisor", case, "request_supplement", items=ITEMS[:1])
    assert again.status_code == 409
    assert again.json()["code"] == "supplement_already_requested"
    assert "一次性告知" in again.json()["message"]
    after = await view(api, "hebei-supervisor", case)
    assert (after["stage"], after["deadline"]["last_day"]) == ("review", "2026-11-30")
    assert after["events"] == state["events"]

    state = await done(api, "hebei-supervisor", case, "accept")
    assert state["stage"] == "provider_review"
    assert "request_supplement" not in (await view(api, "hebei-provider", case))["actions"]
    await done(api, "hebei-provider", case, "approve")
    state = await done(api, "hebei-supervisor", case, "provide")
    assert state["outcome"] == "granted"
    await keep_history(env.client, case, "hebei-supplement-requested-supplied")


@pytest.mark.parametrize(
    ("supplied_at", "last_day"),
    [
        # The day of the supplement is not counted: 26, 27, 30 November.
        ("2026-11-25T23:59:59+08:00", "2026-11-30"),
        # A second later it is the 26th: 27, 30 November, 1 December.
        ("2026-11-26T00:00:00+08:00", "2026-12-01"),
    ],
)
async def test_the_restarted_period_counts_from_the_beijing_day_after_the_supplement(
    api, clock, supplied_at, last_day
):
    case = await _hebei_case(api)
    await done(api, "hebei-supervisor", case, "request_supplement", items=ITEMS)
    await clock.advance_to(at(supplied_at))
    state = await done(api, "hebei-applicant", case, "supplement", note="已补正")
    assert (state["stage"], state["deadline"]["last_day"]) == ("review", last_day)


async def test_only_the_stages_actor_asks_and_only_the_applicant_supplements(api, session):
    case = await _hebei_case(api)
    for key in ("hebei-provider", "hebei-applicant"):
        refused = await act(api, key, case, "request_supplement", items=ITEMS)
        assert refused.status_code == 403, key
        assert "政务数据主管部门" in refused.json()["message"]
    await done(api, "hebei-supervisor", case, "request_supplement", items=ITEMS)
    for key in ("hebei-supervisor", "hebei-provider"):
        refused = await act(api, key, case, "supplement", note="代为补正")
        assert refused.status_code == 403, key
        assert "申请部门" in refused.json()["message"]
    state = await view(api, "hebei-applicant", case)
    assert (state["stage"], state["details"]["supplement"]["status"]) == ("supplement", "requested")
    assert notices(session, case["case_id"], "supplemented") == []


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({}, "列明需要补充的每一项材料"),
        ({"items": []}, "列明需要补充的每一项材料"),
        ({"items": [{"item": "承诺书", "reason": ""}]}, "需补正的理由"),
        ({"items": [{"item": "承诺书", "reason": "   "}]}, "第1项补正材料须写明"),
        ({"items": [{"item": "承诺书", "reason": "理" * 501}]}, "需补正的理由"),
        ({"items": [{"item": "件" * 201, "reason": "缺"}]}, "需补正的材料"),
        ({"items": [{"item": f"材料{n}", "reason": "缺"} for n in range(21)]}, "需补正的材料"),
        ({"items": ITEMS, "attachment_ids": [1]}, "只有“补正材料”可以引用附件"),
        ({"items": [{"item": "承诺\x00书", "reason": "缺"}]}, "空字符（NUL）"),
        ({"items": [{"item": "承诺书", "reason": "缺\u202e少"}]}, "双向文字控制符"),
    ],
)
async def test_an_unfit_supplement_request_is_refused_in_chinese_and_changes_nothing(
    api, session, body, said
):
    case = await _hebei_case(api)
    before = await view(api, "hebei-supervisor", case)
    refused = await act(api, "hebei-supervisor", case, "request_supplement", **body)
    assert refused.status_code == 422, refused.text
    assert said in refused.text
    after = await view(api, "hebei-supervisor", case)
    assert (after["stage"], after["deadline"], after["events"]) == (
        before["stage"],
        before["deadline"],
        before["events"],
    )
    assert after["details"]["supplement"] is None
    assert notices(session, case["case_id"], "supplement_requested") == []


async def test_a_supplement_needs_its_text_and_cites_only_ones_own_uploads(api):
    case = await _hebei_case(api)
    await done(api, "hebei-supervisor", case, "request_supplement", items=ITEMS)
    without_text = await act(api, "hebei-applicant", case, "supplement")
    assert without_text.status_code == 422
    assert "补正说明" in without_text.json()["message"]
    theirs = await uploaded(api, "hebei-supervisor")
    foreign = await act(
        api, "hebei-applicant", case, "supplement", note="已补正", attachment_ids=[theirs]
    )
    assert foreign.status_code == 422
    assert "不是本人上传的" in foreign.json()["message"]
    state = await view(api, "hebei-applicant", case)
    assert (state["stage"], state["details"]["supplement"]["status"]) == ("supplement", "requested")


async def test_an_unsupplemented_application_lapses_at_the_target_without_deemed_consent(
    api, clock, session, env
):
    """Lichuan's provider asks (under Lichuan, Hubei and 809): its 2 days and Hubei's deemed
    consent at 10 stop meanwhile; 10 working days on, the application lapses."""
    case = await submit(api, "lichuan-applicant", resource_id="lichuan-hukou", fields=["姓名"])
    await done(api, "lichuan-centre", case, "accept")
    assert (await view(api, "lichuan-provider", case))["actions"] == [
        "approve",
        "reject",
        "request_extension",
        "request_supplement",
    ]
    state = await done(api, "lichuan-provider", case, "request_supplement", items=ITEMS[1:])
    assert (state["stage"], state["deadline"]["last_day"]) == ("supplement", "2026-12-07")
    told = notices(session, case["case_id"], "supplement_requested")
    assert recipients(told) == {"lichuan-civil", "lichuan-police"}

    await clock.advance_to(at("2026-12-07T23:59:58+08:00"))
    state = await settled(clock, api, "lichuan-applicant", case)
    assert (state["status"], state["stage"]) == ("open", "supplement")
    await clock.advance(timedelta(seconds=3))
    state = await settled(clock, api, "lichuan-applicant", case)
    assert (state["status"], state["outcome"]) == ("closed", "unsupplemented")
    assert state["details"]["supplement"]["status"] == "lapsed"
    assert grants(session, case["case_id"]) == []
    [closed] = [e for e in state["events"] if e["kind"] == "closed"]
    assert closed["detail"]["cite"] == TARGET
    lapsed = notices(session, case["case_id"], "supplement_lapsed")
    assert recipients(lapsed) == {"lichuan-civil", "lichuan-police"}
    assert "本申请终止" in lapsed[0].body
    late = await act(api, "lichuan-applicant", case, "supplement", note="迟到的补正")
    assert late.status_code == 409
    await keep_history(env.client, case, "lichuan-supplement-lapsed")


async def test_a_decline_where_809_governs_says_the_application_is_outside_the_remit(api, session):
    case = await _hebei_case(api)
    without_reason = await act(api, "hebei-supervisor", case, "decline")
    assert without_reason.status_code == 422
    assert "不属于共享平台受理范围" in without_reason.json()["message"]
    assert "一次性告知补正" in without_reason.json()["message"]
    state = await done(
        api, "hebei-supervisor", case, "decline", reason="申请的是企业登记数据，不属于政务数据共享"
    )
    assert state["outcome"] == "declined"
    [told] = notices_to(session, case["case_id"], "declined", "hebei-hrss")
    assert "不属于共享平台受理范围" in told.body


async def test_a_case_received_before_809_has_no_supplement_and_declines_as_before(
    api, clock, session
):
    await clock.set(at("2025-07-31T10:00:00+08:00"))  # Lichuan and Hubei, not yet 809
    case = await submit(api, "lichuan-applicant", resource_id="lichuan-hukou", fields=["姓名"])
    assert case["governed_by"] == ["lichuan-2020", "hubei-419"]
    assert (await view(api, "lichuan-centre", case))["actions"] == ["accept", "decline"]
    refused = await act(api, "lichuan-centre", case, "request_supplement", items=ITEMS)
    assert refused.status_code == 409
    assert refused.json()["code"] == "wrong_stage"
    without_reason = await act(api, "lichuan-centre", case, "decline")
    assert without_reason.status_code == 422
    assert without_reason.json()["message"] == "不予受理，必须说明理由。"
    state = await done(api, "lichuan-centre", case, "decline", reason="申请材料不全")
    assert state["outcome"] == "declined"
    [told] = notices_to(session, case["case_id"], "declined", "lichuan-civil")
    assert "未通过规范性检查" in told.body
    assert "supplement" not in {e["kind"] for e in state["events"]}


async def test_after_an_extension_the_supplement_restarts_the_plans_own_period(api, clock):
    """Hubei's provider (Hubei and 809): an extension granted was of the former period; the
    supplement restarts the reply at the plan's 10 working days, deemed consent with it, and
    no second extension may be asked."""
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    await done(api, "hubei-provider", case, "request_extension", working_days=5, reason="需核查")
    # While the authority considers the extension the provider answers, or waits: no request.
    asked = await act(api, "hubei-provider", case, "request_supplement", items=ITEMS)
    assert asked.status_code == 409 and asked.json()["code"] == "wrong_stage"
    state = await done(api, "hubei-supervisor", case, "grant_extension", reason="同意")
    assert state["deadline"]["last_day"] == "2026-12-14"  # 10 + 5 working days
    await done(api, "hubei-provider", case, "request_supplement", items=ITEMS)
    await clock.advance_to(at("2026-11-30T10:00:00+08:00"))
    state = await done(api, "hubei-applicant", case, "supplement", note="已补正")
    assert state["stage"] == "provider_review"
    # 10 working days from Monday 30 November: 1–4, 7–11, 14 December.
    assert [(d["on_timeout"], d["last_day"]) for d in state["deadlines"]] == [
        ("deemed_consent", "2026-12-14")
    ]
    provider = await view(api, "hubei-provider", case)
    assert provider["actions"] == ["approve", "reject"]


async def test_the_applicant_may_withdraw_instead_of_supplementing(api, session):
    case = await _hebei_case(api)
    await done(api, "hebei-supervisor", case, "request_supplement", items=ITEMS)
    state = await done(api, "hebei-applicant", case, "withdraw", reason="不再需要")
    assert (state["status"], state["outcome"]) == ("closed", "withdrawn")
    assert state["details"]["supplement"]["status"] == "requested"
    assert notices(session, case["case_id"], "supplemented") == []


async def test_a_supplement_in_the_last_second_of_the_target_is_taken(api, clock):
    case = await _hebei_case(api)
    await done(api, "hebei-supervisor", case, "request_supplement", items=ITEMS)
    await clock.advance_to(at("2026-12-07T23:59:59+08:00"))  # the target's last second
    state = await done(api, "hebei-applicant", case, "supplement", note="已补正")
    # The review restarts: 8, 9, 10 December.
    assert (state["status"], state["stage"]) == ("open", "review")
    assert state["deadline"]["last_day"] == "2026-12-10"
