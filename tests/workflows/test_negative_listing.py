"""The negative list (不予共享负面清单) as a process: a Hubei provider proposes with the legal
basis and its rank (809 第十四条), the authority reviews (hubei 第二十三条, an operator target)
and records the provincial government's approval; only then is the resource not-shared, and
later refusals cite the approval. Catalog edits and imports can no longer make a resource
not-shared; the marks made before the process are listed for operators to regularize.

Filed on Tuesday 2026-12-01: the authority's 10-working-day review target ends at 24:00 of
Tuesday 15 December.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
from sqlmodel import Session, select

from models import CaseSubmission
from tests.api.test_catalog import HEADER, import_catalog
from tests.cases import act, at, done, kinds, post_case, settle_all, settled, submit
from tests.conftest import TestClock, auth, both_databases
from tests.histories import keep_history
from tests.records import notices, recipients, resource

N809_14 = "《政务数据共享条例》第十四条"
HB23 = "《湖北省政务数据资源应用与管理办法》第二十三条"


def proposal(**body: Any) -> dict[str, Any]:
    return {
        "process": "negative_listing",
        "resource_id": "hubei-hukou",
        "basis_rank": "law",
        "legal_basis": "《中华人民共和国居民身份证法》第十九条",
        "reasons": "涉及公民个人身份信息，法律明确规定不得向其他部门提供。",
        **body,
    }


async def propose(api: httpx.AsyncClient, clock: TestClock, **body: Any) -> dict[str, Any]:
    await clock.set(at("2026-12-01T10:00:00+08:00"))
    return await submit(api, "hubei-provider", **proposal(**body))


def case_count(session: Session) -> int:
    session.expire_all()
    return len(session.exec(select(CaseSubmission.case_id)).all())


@both_databases
async def test_a_basis_below_national_rank_is_refused_and_nothing_is_written(api, clock, session):
    await clock.set(at("2026-12-01T10:00:00+08:00"))
    response = await post_case(
        api,
        "hubei-provider",
        **proposal(basis_rank="local_regulation", legal_basis="《湖北省某某条例》第八条"),
    )
    assert (response.status_code, response.json()["code"]) == (422, "basis_rank_insufficient")
    assert N809_14 in response.json()["message"] and "地方性法规" in response.json()["message"]
    unknown = await post_case(api, "hubei-provider", **proposal(basis_rank="memo"))
    assert unknown.status_code == 422
    foreign = await post_case(api, "hubei-provider", **proposal(resource_id="hebei-hukou"))
    assert (foreign.status_code, foreign.json()["code"]) == (403, "not_provider")
    # 809 sets the rank, not a procedure: where no local instrument defines the review and
    # the approval, the platform cannot run it.
    dongying = await post_case(api, "dongying-provider", **proposal(resource_id="dongying-hukou"))
    assert dongying.status_code == 422, dongying.text
    assert "未规定不予共享负面清单的审核、批准程序" in dongying.json()["message"]
    assert case_count(session) == 0
    entry = resource(session, "hubei-hukou")
    assert entry is not None and entry.share_type == "conditional"


async def test_approved_listing_makes_the_resource_not_shared_and_refusals_cite_it(
    api, clock, session, env
):
    case = await propose(api, clock)
    assert case["case_id"].startswith("negative-listing/")
    state = await settled(clock, api, "hubei-supervisor", case)
    assert state["stage"] == "review"
    deadline = state["deadline"]
    assert (deadline["basis"], deadline["due"]) == ("target", "2026-12-16T00:00:00+08:00")
    assert "第二十三条" in deadline["cite"]
    assert state["details"]["basis_rank"] == "law"
    assert state["actions"] == ["forward", "reject"]
    # Under review the resource is shared as before.
    entry = resource(session, "hubei-hukou")
    assert entry is not None and entry.share_type == "conditional"
    assert (await act(api, "hubei-provider", case, "forward")).status_code == 403

    await clock.advance_to(at("2026-12-03T09:00:00+08:00"))
    state = await done(api, "hubei-supervisor", case, "forward", note="依据充分，报省政府批准")
    assert state["stage"] == "approval"
    assert set(state["actions"]) == {"record_approval", "record_refusal"}
    entry = resource(session, "hubei-hukou")
    assert entry is not None and entry.share_type == "conditional"

    # The approving document's number and date are required, the date a real one, neither
    # before the forwarding nor in the future.
    for body, words in (
        ({"decision": "2026-12-08"}, "文号"),
        ({"note": "鄂政函〔2026〕88号", "decision": "十二月八日"}, "日期"),
        ({"note": "鄂政函〔2026〕88号", "decision": "2026-12-02"}, "早于"),
        ({"note": "鄂政函〔2026〕88号", "decision": "2026-12-09"}, "晚于"),
    ):
        await clock.advance_to(at("2026-12-08T15:00:00+08:00"))
        refused = await act(api, "hubei-supervisor", case, "record_approval", **body)
        assert refused.status_code == 422 and words in refused.json()["message"], body
    entry = resource(session, "hubei-hukou")
    assert entry is not None and entry.share_type == "conditional"

    state = await done(
        api,
        "hubei-supervisor",
        case,
        "record_approval",
        note="鄂政函〔2026〕88号",
        decision="2026-12-08",
    )
    assert (state["status"], state["outcome"]) == ("closed", "listed")
    assert state["details"]["document_number"] == "鄂政函〔2026〕88号"
    assert state["details"]["approved_on"] == "2026-12-08"
    assert "listed" in kinds(state)
    entry = resource(session, "hubei-hukou")
    assert entry is not None and entry.share_type == "not_shared"
    assert entry.negative_list_case == case["case_number"]
    assert "鄂政函〔2026〕88号" in entry.negative_list_approval
    assert "《中华人民共和国居民身份证法》第十九条" in entry.share_type_reason
    told = notices(session, case["case_id"], "negative_listing_decided")
    assert recipients(told) == {"hubei-police", "hubei-bigdata"}
    assert any("鄂政函〔2026〕88号" in n.body for n in told)

    refusal = await post_case(
        api,
        "hubei-applicant",
        process="sharing_application",
        resource_id="hubei-hukou",
        purpose="x",
        scenario="y",
    )
    assert (refusal.status_code, refusal.json()["code"]) == (422, "not_shared")
    assert "鄂政函〔2026〕88号" in refusal.json()["message"]
    assert HB23 in refusal.json()["message"]
    again = await post_case(api, "hubei-provider", **proposal())
    assert (again.status_code, again.json()["code"]) == (409, "already_listed")

    await settle_all(clock, session)
    report = await api.get(
        "/api/v1/reports/statistics",
        params={"from": "2026-12-01", "to": "2026-12-08", "format": "csv"},
        headers=auth("hubei-supervisor"),
    )
    header, *rows = csv.reader(io.StringIO(report.text.removeprefix("\ufeff")))
    police = next(dict(zip(header, row, strict=True)) for row in rows if row[0] == "hubei-police")
    assert (police["负面清单申请"], police["经批准列入负面清单"]) == ("1", "1")
    await keep_history(env.client, case, "hubei-negative-listed")


async def test_rejected_refused_and_withdrawn_proposals_change_nothing(api, clock, session):
    rejected = await propose(api, clock)
    assert (await act(api, "hubei-supervisor", rejected, "reject")).status_code == 422
    state = await done(api, "hubei-supervisor", rejected, "reject", reason="依据不属于法律明确规定")
    assert (state["status"], state["outcome"]) == ("closed", "rejected")

    refused = await submit(api, "hubei-provider", **proposal())
    await done(api, "hubei-supervisor", refused, "forward")
    state = await done(api, "hubei-supervisor", refused, "record_refusal", reason="省政府不予批准")
    assert state["outcome"] == "not_approved"

    withdrawn = await submit(api, "hubei-provider", **proposal())
    await done(api, "hubei-supervisor", withdrawn, "forward")
    assert (await act(api, "hubei-applicant", withdrawn, "withdraw", reason="x")).status_code in (
        403,
        404,
    )
    state = await done(api, "hubei-provider", withdrawn, "withdraw", reason="改为有条件共享")
    assert state["outcome"] == "withdrawn"
    entry = resource(session, "hubei-hukou")
    assert entry is not None and entry.share_type == "conditional"
    assert entry.negative_list_case is None


async def test_an_unapproved_mark_is_listed_for_operators_until_regularized(api, clock, session):
    listed = await api.get("/api/v1/catalog/not-shared-unapproved", headers=auth("admin"))
    assert listed.status_code == 200
    assert {r["id"] for r in listed.json()["items"]} >= {"hubei-case", "hebei-case"}
    mine = await api.get("/api/v1/catalog/not-shared-unapproved", headers=auth("hubei-supervisor"))
    assert "hubei-case" in {r["id"] for r in mine.json()["items"]}
    assert "hebei-case" not in {r["id"] for r in mine.json()["items"]}
    forbidden = await api.get(
        "/api/v1/catalog/not-shared-unapproved", headers=auth("hubei-provider")
    )
    assert forbidden.status_code == 403

    # The provider regularizes the old mark through the process.
    case = await propose(
        api, clock, resource_id="hubei-case", legal_basis="《中华人民共和国刑事诉讼法》"
    )
    await done(api, "hubei-supervisor", case, "forward")
    await done(
        api,
        "hubei-supervisor",
        case,
        "record_approval",
        note="鄂政函〔2026〕90号",
        decision="2026-12-01",
    )
    mine = await api.get("/api/v1/catalog/not-shared-unapproved", headers=auth("hubei-supervisor"))
    assert "hubei-case" not in {r["id"] for r in mine.json()["items"]}


@both_databases
async def test_catalog_edits_and_imports_cannot_make_a_resource_not_shared(api, session):
    patched = await api.patch(
        "/api/v1/catalog/hubei-org", json={"share_type": "not_shared"}, headers=auth("admin")
    )
    assert (patched.status_code, patched.json()["code"]) == (422, "negative_listing_required")
    assert "negative_listing" in patched.json()["message"]
    created = await api.post(
        "/api/v1/catalog",
        json={
            "id": "hubei-secret",
            "name": "秘密数据",
            "provider_id": "hubei-police",
            "share_type": "not_shared",
        },
        headers=auth("admin"),
    )
    assert (created.status_code, created.json()["code"]) == (422, "negative_listing_required")
    csv = HEADER + (
        "hubei-org,公安机关机构名录,hubei-police,not_shared,unconditional,,,"
        "机构名称;统一社会信用代码;地址,每月\n"
        # An old mark restated as it is stays.
        "hubei-case,刑事案件侦查信息,hubei-police,not_shared,not_open,"
        "《中华人民共和国刑事诉讼法》,,案件编号;案由,实时\n"
    )
    imported = await import_catalog(api, csv.encode())
    report = imported.json()
    assert (report["failed"], report["unchanged"]) == (1, 1), report
    assert "负面清单" in report["rows"][0]["message"]
    entry = resource(session, "hubei-org")
    assert entry is not None and entry.share_type == "unconditional"
    assert entry.version == 1


async def test_in_hebei_the_review_and_approval_are_hebeis_under_809s_rank(api, clock):
    await clock.set(at("2026-12-01T10:00:00+08:00"))
    low = await post_case(
        api, "hebei-provider", **proposal(resource_id="hebei-hukou", basis_rank="other")
    )
    assert (low.status_code, low.json()["code"]) == (422, "basis_rank_insufficient")
    case = await submit(api, "hebei-provider", **proposal(resource_id="hebei-hukou"))
    assert case["governed_by"] == ["hebei-2022", "national-809"]
    assert case["stage"] == "review"
    assert (case["deadline"]["basis"], case["deadline"]["cite"]) == (
        "target",
        "运营目标（第十一条未规定时限）：主管部门审核负面清单申请",
    )
    state = await done(api, "hebei-supervisor", case, "forward")
    assert state["stage"] == "approval" and state["deadline"] is None


@both_databases
async def test_a_second_proposal_for_a_resource_waits_until_the_first_is_closed(
    api, clock, session
):
    first = await propose(api, clock)
    second = await post_case(api, "hubei-provider", **proposal())
    assert (second.status_code, second.json()["code"]) == (409, "listing_pending"), second.text
    assert first["case_number"] in second.json()["message"]
    assert case_count(session) == 1
    # Another resource of the same department is not held up.
    other = await submit(api, "hubei-provider", **proposal(resource_id="hubei-org"))
    assert other["stage"] == first["stage"]

    await done(api, "hubei-supervisor", first, "reject", reason="依据不属于法律明确规定")
    again = await submit(api, "hubei-provider", **proposal())
    assert again["case_number"] != first["case_number"]
    assert case_count(session) == 3
