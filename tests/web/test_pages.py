"""Workbench pages over plain HTTP: tokens that expire and are revoked one by one, the inbox's
read state per person and its deadlines, forms that say what is wrong beside the field, the
report's links, the OpenAPI pages' assets, administration."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import httpx
from sqlmodel import Session, select

from calendars import BEIJING
from models import ApiToken, Notice, User
from service.accounts import hash_password
from tests.attachments import PDF
from tests.cases import done, submit
from tests.conftest import auth
from tests.web.conftest import Browser, ManualClock, give_passwords, password_of
from tests.workflows.test_open_data_objection import object_to, suspended
from workflows.common import Role

# -- tokens ----------------------------------------------------------------------------------


async def test_an_issued_api_token_expires_after_its_lifetime(
    browser: Browser, manual_clock: ManualClock, settings
):
    api = browser.client
    me = (await api.get("/api/v1/users/me", headers=auth("hubei-applicant"))).json()
    issued = await api.post(f"/api/v1/users/{me['id']}/tokens", headers=auth("admin"))
    assert issued.status_code == 201, issued.text
    token = {"Authorization": f"Bearer {issued.json()['token']}"}
    assert (await api.get("/api/v1/users/me", headers=token)).status_code == 200
    manual_clock.advance(timedelta(days=settings.token_lifetime_days, seconds=1))
    expired = await api.get("/api/v1/users/me", headers=token)
    assert expired.status_code == 401 and expired.json()["code"] == "token_expired"


async def test_an_administrator_revokes_one_token_and_the_others_still_answer(
    browser: Browser, logins, session: Session
):
    logins("admin")
    api = browser.client
    user = session.exec(select(User).where(User.username == "hubei-applicant")).one()
    second = (await api.post(f"/api/v1/users/{user.id}/tokens", headers=auth("admin"))).json()
    await browser.log_in("admin", password_of("admin"))
    page = await browser.page(f"/admin/users/{user.id}")
    assert second["prefix"] in page.text and second["token"] not in page.text
    row = session.exec(select(ApiToken).where(ApiToken.prefix == second["prefix"])).one()
    revoked = await browser.submit(
        f"/admin/tokens/{row.id}/revoke", {}, form_page=f"/admin/users/{user.id}"
    )
    assert revoked.status_code == 200 and "已吊销" in revoked.text
    gone = await api.get("/api/v1/users/me", headers={"Authorization": f"Bearer {second['token']}"})
    assert gone.status_code == 401
    assert (await api.get("/api/v1/users/me", headers=auth("hubei-applicant"))).status_code == 200


# -- administration ----------------------------------------------------------------------------


async def test_an_administrator_creates_a_login_and_deactivating_it_ends_its_session(
    browser: Browser, logins
):
    logins("admin")
    admin = browser
    await admin.log_in("admin", password_of("admin"))
    made = await admin.submit(
        "/admin/users",
        {
            "name": "湖北公安经办人二",
            "role": "caseworker",
            "department_id": "hubei-police",
            "username": "hubei-police-2",
            "password": "police-2-pass",
        },
        form_page="/admin/users",
    )
    assert made.status_code == 201 and "只显示这一次" in made.text
    user_id = re.search(r"编号 (\d+)", made.text).group(1)  # type: ignore[union-attr]

    other = Browser(
        httpx.AsyncClient(transport=admin.client._transport, base_url="http://shixian.test")
    )
    async with other.client:
        assert (await other.log_in("hubei-police-2", "police-2-pass")).status_code == 303
        assert (await other.page("/todo")).status_code == 200
        off = await admin.submit(
            f"/admin/users/{user_id}/active", {"active": "0"}, form_page=f"/admin/users/{user_id}"
        )
        assert "已停用" in off.text
        assert (await other.page("/todo")).status_code == 303
        again = await other.log_in("hubei-police-2", "police-2-pass")
        assert again.status_code == 401 and "已停用" in again.text


async def test_only_administrators_open_the_administration_pages(browser: Browser, logins):
    logins("hubei-supervisor")
    await browser.log_in("hubei-supervisor", password_of("hubei-supervisor"))
    for path in ("/admin/users", "/admin/departments", "/admin/catalog", "/admin/rulesets"):
        response = await browser.page(path)
        assert response.status_code == 403 and "无权" in response.text


# -- notices ---------------------------------------------------------------------------------


async def test_read_state_is_per_person_and_a_notice_can_be_addressed_to_one_person(
    browser: Browser, logins, session: Session
):
    logins("hubei-provider")
    colleague = User(
        name="湖北公安经办人二",
        role=Role.CASEWORKER,
        department_id="hubei-police",
        username="hubei-police-2",
        password_hash=hash_password("police-2-pass"),
    )
    provider = session.exec(select(User).where(User.username == "hubei-provider")).one()
    session.add(colleague)
    session.add(
        Notice(case_id="x/HB419-2026-000009", key="1-a", kind="overdue",
               recipient_department_id="hubei-police", title="致部门的通知", body="部门")
    )  # fmt: skip
    session.add(
        Notice(case_id="x/HB419-2026-000009", key="1-b", kind="overdue",
               recipient_user_id=provider.id, title="致本人的通知", body="本人")
    )  # fmt: skip
    session.commit()

    await browser.log_in("hubei-provider", password_of("hubei-provider"))
    inbox = await browser.page("/notices")
    assert "致部门的通知" in inbox.text and "致本人的通知" in inbox.text
    assert 'aria-label="2条未读"' in inbox.text
    marked = await browser.submit("/notices/read", {}, form_page="/notices")
    assert marked.status_code == 303
    assert "条未读" not in (await browser.page("/notices")).text

    browser.client.cookies.clear()
    await browser.log_in("hubei-police-2", "police-2-pass")
    theirs = await browser.page("/notices")
    assert "致部门的通知" in theirs.text and "致本人的通知" not in theirs.text
    assert 'aria-label="1条未读"' in theirs.text


async def test_a_hand_over_notice_shows_the_cases_current_deadline(
    api: httpx.AsyncClient, staff: Browser, session: Session, clock
):
    give_passwords(session, "hubei-provider")
    await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    await staff.log_in("hubei-provider", password_of("hubei-provider"))
    inbox = await staff.page("/notices")
    assert "已受理登记" in inbox.text
    assert "案件当前办理期限：<strong>2026年12月7日24时</strong>" in inbox.text
    assert "剩余 <strong>10</strong> 个工作日" in inbox.text


# -- forms -----------------------------------------------------------------------------------


async def test_a_refusal_without_reasons_is_said_beside_the_field_and_changes_nothing(
    api: httpx.AsyncClient, staff: Browser, session: Session
):
    give_passwords(session, "hubei-provider")
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    number = case["case_number"]
    await staff.log_in("hubei-provider", password_of("hubei-provider"))
    refused = await staff.act(f"/cases/{number}", "reject", {"reason": ""})
    assert refused.status_code == 422
    assert re.search(r'id="e-reason" role="alert">请填写不同意共享的理由。', refused.text)
    state = (await api.get(f"/api/v1/cases/{case['case_id']}", headers=auth("auditor"))).json()
    assert state["stage"] == "provider_review"
    # An action of another party's is refused with the workflow's own words.
    foreign = await staff.act(f"/cases/{number}", "withdraw", {})
    assert foreign.status_code == 403 and "“撤回申请”只能由本案的申请部门经办人办理" in foreign.text


async def test_the_supplement_forms_take_items_one_a_line_and_the_supplement_text(
    api: httpx.AsyncClient, staff: Browser, session: Session
):
    give_passwords(session, "hubei-provider", "hubei-applicant")
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    number = case["case_number"]
    await staff.log_in("hubei-provider", password_of("hubei-provider"))
    page = await staff.page(f"/cases/{number}")
    assert 'id="form-request_supplement"' in page.text and "每行一项" in page.text
    unfit = await staff.act(f"/cases/{number}", "request_supplement", {"items": "数据安全承诺书"})
    assert unfit.status_code == 422
    assert re.search(r'id="e-items" role="alert">第1行须写明材料名称和需要补充的理由', unfit.text)
    too_long = await staff.act(
        f"/cases/{number}", "request_supplement", {"items": "承诺书：" + "理" * 501}
    )
    assert too_long.status_code == 422 and 'id="e-items" role="alert">' in too_long.text
    state = (await api.get(f"/api/v1/cases/{case['case_id']}", headers=auth("auditor"))).json()
    assert (state["stage"], state["details"]["supplement"]) == ("provider_review", None)

    asked = await staff.act(
        f"/cases/{number}",
        "request_supplement",
        {"items": "数据安全承诺书：有条件共享须提交\n依据文件: 未附审核依据"},
    )
    assert asked.status_code == 303, asked.text
    state = (await api.get(f"/api/v1/cases/{case['case_id']}", headers=auth("auditor"))).json()
    assert state["stage"] == "supplement"
    assert state["details"]["supplement"]["items"] == [
        {"item": "数据安全承诺书", "reason": "有条件共享须提交"},
        {"item": "依据文件", "reason": "未附审核依据"},
    ]
    await staff.submit("/logout", {}, form_page=f"/cases/{number}")
    await staff.log_in("hubei-applicant", password_of("hubei-applicant"))
    page = await staff.page(f"/cases/{number}")
    assert 'id="form-supplement" enctype="multipart/form-data"' in page.text
    token = await staff.token(f"/cases/{number}")
    supplied = await staff.client.post(
        f"/cases/{number}/actions/supplement",
        data={"note": "已补交承诺书和依据文件", "csrf_token": token},
        files={"attachments": ("承诺书.pdf", PDF, "application/pdf")},
    )
    assert supplied.status_code == 303, supplied.text
    state = (await api.get(f"/api/v1/cases/{case['case_id']}", headers=auth("auditor"))).json()
    assert (state["stage"], state["details"]["supplement"]["text"]) == (
        "provider_review",
        "已补交承诺书和依据文件",
    )
    [evidence] = state["details"]["supplement"]["attachments"]
    await staff.submit("/logout", {}, form_page=f"/cases/{number}")
    await staff.log_in("hubei-provider", password_of("hubei-provider"))
    page = await staff.page(f"/cases/{number}")
    assert f'href="/attachments/{evidence}">承诺书.pdf</a>' in page.text


async def test_a_new_case_form_names_the_field_pydantic_refused(
    api: httpx.AsyncClient, staff: Browser, session: Session
):
    give_passwords(session, "hubei-applicant")
    await staff.log_in("hubei-applicant", password_of("hubei-applicant"))
    response = await staff.submit(
        "/cases/new/sharing_application",
        {"resource_id": "hubei-hukou", "purpose": "用途" * 1001, "scenario": "审核"},
        form_page="/cases/new/sharing_application",
    )
    assert response.status_code == 422
    assert re.search(r'id="e-purpose" role="alert">过长（最多 2000 个字符）', response.text)


async def test_the_catalog_page_shows_an_objection_suspends_the_opening_not_the_sharing(
    api: httpx.AsyncClient, staff: Browser, session: Session
):
    await suspended(api, await object_to(api))
    give_passwords(session, "hubei-applicant", "public")
    await staff.log_in("hubei-applicant", password_of("hubei-applicant"))
    page = await staff.page("/catalog")
    assert "共享状态" in page.text and "开放状态" in page.text
    [row] = [r for r in page.text.split("<tr>") if "<td>hubei-org</td>" in r]
    assert "<td>有效</td>" in row and "中止开放（核实中）" in row
    staff.client.cookies.clear()  # a second person, in another browser
    await staff.log_in("public", password_of("public"))
    opened = await staff.page("/catalog")
    assert opened.status_code == 200 and "hubei-org" not in opened.text


async def test_a_provider_files_a_service_stop_with_reason_and_consultation_in_the_workbench(
    api: httpx.AsyncClient, staff: Browser, session: Session
):
    """After Dongying's instrument ended (2026-11-20), 809 第二十七条 governs its service changes:
    the form asks the good reason and the consultation; a day before the filing day is refused
    in Chinese and files nothing."""
    give_passwords(session, "dongying-provider")
    await staff.log_in("dongying-provider", password_of("dongying-provider"))
    form = await staff.page("/cases/new/service_change")
    assert "正当理由" in form.text and "与需求部门协商情况" in form.text
    body = {
        "resource_id": "dongying-hukou",
        "kind": "stop",
        "description": "旧户籍核验接口停用",
        "reason": "旧接口存在安全漏洞",
        "consultation": "已与使用部门召开协调会",
    }
    refused = await staff.submit(
        "/cases/new/service_change",
        {**body, "effective_on": "2026-11-22"},
        form_page="/cases/new/service_change",
    )
    assert refused.status_code == 422 and "早于告知之日" in refused.text
    listed = await api.get("/api/v1/cases", headers=auth("dongying-provider"))
    assert listed.json()["items"] == []
    filed = await staff.submit(
        "/cases/new/service_change",
        {**body, "effective_on": "2026-12-31"},
        form_page="/cases/new/service_change",
    )
    assert filed.status_code in (200, 303), filed.text
    [case] = (await api.get("/api/v1/cases", headers=auth("dongying-provider"))).json()["items"]
    page = await staff.page(f"/cases/{case['case_number']}")
    for words in ("已征求使用部门意见", "已报主管部门备案", "已与使用部门召开协调会", "第二十七条"):
        assert words in page.text, words


async def test_the_dispute_ladder_is_worked_from_the_case_page(
    api: httpx.AsyncClient, staff: Browser, session: Session
):
    """809 第二十八条 in the workbench: the provider records a failed negotiation (without
    reasons said beside the field), and the authority records the government's decision with
    its document number and date, which the case page then shows."""
    give_passwords(session, "hubei-provider", "hubei-supervisor")
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    number = case["case_number"]
    await done(api, "hubei-provider", case, "reject", reason="涉及个人隐私")
    await done(api, "hubei-applicant", case, "request_negotiation", reason="履职必需")
    await staff.log_in("hubei-provider", password_of("hubei-provider"))
    page = await staff.page(f"/cases/{number}")
    for words in ("登记协商结果", "协商一致，同意共享", "协商不成", "协商情况"):
        assert words in page.text, words
    bare = await staff.act(
        f"/cases/{number}", "record_negotiation", {"decision": "failed", "reason": ""}
    )
    assert bare.status_code == 422 and "协商不成，必须说明理由。" in bare.text
    failed = await staff.act(
        f"/cases/{number}", "record_negotiation", {"decision": "failed", "reason": "法律禁止"}
    )
    assert failed.status_code in (200, 303), failed.text
    await done(api, "hubei-applicant", case, "request_coordination")
    await done(api, "hubei-supervisor", case, "decide", decision="unresolved", reason="未能一致")

    staff.client.cookies.clear()  # another person at the same desk
    await staff.log_in("hubei-supervisor", password_of("hubei-supervisor"))
    page = await staff.page(f"/cases/{number}")
    assert "登记本级人民政府决定（同意共享）" in page.text and "决定文件文号" in page.text
    recorded = await staff.act(
        f"/cases/{number}",
        "record_government_grant",
        {"note": "鄂政函〔2026〕95号", "decision": "2026-11-23"},
    )
    assert recorded.status_code in (200, 303), recorded.text
    page = await staff.page(f"/cases/{number}")
    for words in ("本级人民政府决定文号", "鄂政函〔2026〕95号", "2026年11月23日"):
        assert words in page.text, words


# -- supervision -----------------------------------------------------------------------------


async def test_the_statistics_report_links_to_workbench_pages(
    api: httpx.AsyncClient, staff: Browser, session: Session
):
    give_passwords(session, "hubei-supervisor")
    await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    await staff.log_in("hubei-supervisor", password_of("hubei-supervisor"))
    report = await staff.page("/reports/statistics?from=2026-11-01&to=2026-11-30")
    assert report.status_code == 200
    links = re.findall(r'href="([^"]+)"', report.text)
    assert links and not [link for link in links if "/api/" in link]
    assert "/cases?process=sharing_application&amp;department=hubei-police" in report.text
    listed = await staff.page("/cases?process=sharing_application&department=hubei-police")
    assert listed.status_code == 200 and "HB419-2026-000001" in listed.text
    csv = await staff.page("/reports/statistics?from=2026-11-01&to=2026-11-30&format=csv")
    assert csv.headers["content-type"].startswith("text/csv")


async def test_the_openapi_pages_name_only_local_assets(browser: Browser):
    for path in ("/docs", "/redoc"):
        response = await browser.page(path)
        assert response.status_code == 200
        assert not re.findall(r'(?:src|href)="https?://', response.text), path
        assert "default-src 'self'" in response.headers["content-security-policy"]
    asset = await browser.page("/static/openapi/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.content) > 100_000


async def test_supervision_pages_name_jurisdictions_and_rules_not_their_codes(
    api: httpx.AsyncClient, staff: Browser, session: Session
):
    give_passwords(session, "hubei-supervisor")
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    await staff.log_in("hubei-supervisor", password_of("hubei-supervisor"))
    report = await staff.page("/reports/statistics?from=2026-11-01&to=2026-11-30")
    assert "<dd>湖北省及下级辖区</dd>" in report.text and "hubei 及下级辖区" not in report.text
    assert "2026年11月1日至2026年11月30日（北京时间，按收件日期，含首尾两日）" in report.text
    dashboard = await staff.page("/dashboard")
    assert "辖区概况：湖北省及下级辖区" in dashboard.text
    page = await staff.page(f"/cases/{case['case_number']}")
    chain = 'id="case-chain">《湖北省政务数据资源应用与管理办法》 → 《政务数据共享条例》'
    assert chain in page.text
    assert "hubei-419" not in page.text


async def test_the_rulesets_page_says_when_an_instrument_is_in_force_in_words(
    staff: Browser, session: Session
):
    give_passwords(session, "admin")
    await staff.log_in("admin", password_of("admin"))
    page = await staff.page("/admin/rulesets")
    assert "<td>自2023年1月1日起施行</td>" in page.text and "无终止日期" not in page.text
    assert "<td>2021年11月21日至2026年11月20日</td>" in page.text
    assert "<td>湖北省利川市（hubei.lichuan）</td>" in page.text


async def test_a_provider_proposes_a_negative_listing_and_the_authority_records_the_approval(
    api: httpx.AsyncClient, staff: Browser, session: Session, clock
):
    await clock.set(datetime(2026, 12, 1, 10, tzinfo=BEIJING))
    give_passwords(session, "hubei-provider", "hubei-supervisor")
    await staff.log_in("hubei-provider", password_of("hubei-provider"))
    form = await staff.page("/cases/new")
    assert "/cases/new/negative_listing" in form.text
    page = "/cases/new/negative_listing"
    proposal = {
        "resource_id": "hubei-hukou",
        "basis_rank": "rule",
        "legal_basis": "《湖北省某某办法》第八条",
        "reasons": "涉及个人信息",
    }
    low = await staff.submit(page, proposal, form_page=page)
    assert low.status_code == 422 and "不能作为不予共享的依据" in low.text
    filed = await staff.submit(
        page,
        {**proposal, "basis_rank": "law", "legal_basis": "《中华人民共和国居民身份证法》第十九条"},
        form_page=page,
    )
    assert filed.status_code == 303, filed.text
    number = filed.headers["location"].split("/")[2].split("?")[0]

    staff.client.cookies.clear()
    await staff.log_in("hubei-supervisor", password_of("hubei-supervisor"))
    case_page = f"/cases/{number}"
    forwarded = await staff.act(case_page, "forward", {})
    assert forwarded.status_code == 303, forwarded.text
    shown = await staff.page(case_page)
    assert "批准文件文号" in shown.text and "批准日期" in shown.text
    missing = await staff.act(case_page, "record_approval", {"decision": "2026-12-01"})
    assert missing.status_code == 422 and "请填写批准文件文号" in missing.text
    approved = await staff.act(
        case_page, "record_approval", {"note": "鄂政函〔2026〕88号", "decision": "2026-12-01"}
    )
    assert approved.status_code == 303, approved.text
    state = (await api.get(f"/api/v1/cases/{number}", headers=auth("auditor"))).json()
    assert (state["status"], state["outcome"]) == ("closed", "listed")

    # Administrators see the marks still to regularize; the approved one is not among them.
    give_passwords(session, "admin")
    staff.client.cookies.clear()
    await staff.log_in("admin", password_of("admin"))
    shown = await staff.page("/admin/catalog")
    section = shown.text.split('id="unapproved"')[1].split("</table>")[0]
    assert "hubei-case" in section and "hebei-case" in section
    assert "hubei-hukou" not in section


async def test_a_provider_delivers_after_consent_choosing_the_method_in_the_workbench(
    api: httpx.AsyncClient, staff: Browser, session: Session
):
    from tests.cases import done
    from tests.workflows.test_sharing_delivery import delivered_by

    delivered_by(session, "hubei-hukou", "file")
    give_passwords(session, "hubei-provider")
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    await done(api, "hubei-provider", case, "approve")
    number = case["case_number"]
    case_page = f"/cases/{number}"
    await staff.log_in("hubei-provider", password_of("hubei-provider"))
    shown = await staff.page(case_page)
    form = shown.text.split('action="' + case_page + '/actions/deliver"')[1].split("</form>")[0]
    assert re.search(r'<select[^>]*name="decision"', form)
    assert [label for label in ("接口", "批量交换", "文件") if f">{label}</option>" in form] == [
        "接口",
        "批量交换",
        "文件",
    ]
    assert "交付凭据" in form
    assert re.search(
        r"<dt>数据交付</dt><dd>待数据提供部门交付，期限至2026年12月21日24时", shown.text
    )
    missing = await staff.act(case_page, "deliver", {"decision": "file"})
    assert missing.status_code == 422 and "请填写交付凭据" in missing.text
    delivered = await staff.act(case_page, "deliver", {"decision": "file", "note": "文件编号 HB-7"})
    assert delivered.status_code == 303, delivered.text
    state = (await api.get(f"/api/v1/cases/{case['case_id']}", headers=auth("auditor"))).json()
    assert state["stage"] == "confirmation"
    assert state["details"]["delivery"]["reference"] == "文件编号 HB-7"
    shown = await staff.page(case_page)
    assert re.search(r"<dt>数据交付</dt><dd>[^<]*以文件方式交付，按期</dd>", shown.text)
    assert "<dt>交付凭据</dt><dd>文件编号 HB-7</dd>" in shown.text


async def test_an_administrator_sets_a_resources_delivery_method_in_the_workbench(
    api: httpx.AsyncClient, staff: Browser, session: Session
):
    give_passwords(session, "admin")
    await staff.log_in("admin", password_of("admin"))
    shown = await staff.page("/admin/catalog")
    assert '<th scope="col">交付方式</th>' in shown.text
    assert re.search(r'<select id="c-delivery" name="delivery_method"', shown.text)
    saved = await staff.submit(
        "/admin/catalog",
        {"id": "hubei-hukou", "delivery_method": "file"},
        form_page="/admin/catalog",
    )
    assert saved.status_code == 200 and "已更新" in saved.text, saved.text
    row = saved.text.split("<td>hubei-hukou</td>")[1].split("</tr>")[0]
    assert "<td>文件</td>" in row
    resource = (await api.get("/api/v1/catalog/hubei-hukou", headers=auth("auditor"))).json()
    assert (resource["delivery_method"], resource["version"]) == ("file", 2)
    # Staff reading the catalog see how the data comes after a consent.
    listed = (await staff.page("/catalog")).text
    assert '<th scope="col">同意后交付方式</th>' in listed
    assert "<td>文件</td>" in listed.split("<td>hubei-hukou</td>")[1].split("</tr>")[0]
