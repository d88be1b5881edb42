"""The workbench in a real browser: Debian's Chromium, headless, driven by Playwright, against
the app on a real port with a worker on the time-skipping server.

`make screenshots` runs these with SHIXIAN_SCREENSHOTS set: each test then saves the pages
it passes through (docs/workbench.md describes them).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from models import CaseRecord
from tests import conftest as fixtures
from tests.attachments import PDF
from tests.web.conftest import needs_chromium, password_of

pytestmark = [pytest.mark.browser, needs_chromium]

YELLOW = "rgb(255, 243, 196)"
RED = "rgb(253, 226, 225)"


async def logged_in(chromium: Any, base: str, key: str) -> Any:
    """A page of a fresh browser context (its own cookies), logged in as `key`."""
    context = await chromium.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    page = await context.new_page()
    await log_in(page, base, key)
    return page


async def log_in(page: Any, base: str, key: str) -> None:
    await page.goto(base + "/login")
    await page.get_by_label("用户名").fill(key)
    await page.get_by_label("密码").fill(password_of(key))
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_load_state()
    assert "/login" not in page.url, await page.content()


async def row_colour(page: Any, number: str) -> tuple[str, str]:
    row = page.locator(f'tr[data-case="{number}"]')
    classes = await row.get_attribute("class") or ""
    cell = row.locator("td").nth(1)
    colour = await cell.evaluate("cell => getComputedStyle(cell).backgroundColor")
    return classes, colour


async def projected(session: Session, number: str, check: Any) -> CaseRecord:
    """The case's projection once `check` holds: activities write it asynchronously."""
    import asyncio

    for _ in range(200):
        session.expire_all()
        record = session.exec(select(CaseRecord).where(CaseRecord.case_number == number)).first()
        if record is not None and check(record):
            return record
        await asyncio.sleep(0.05)
    raise AssertionError(f"projection of {number} never satisfied the check")


async def test_an_application_reaches_the_providers_todo_turns_yellow_then_red_and_its_approval_reaches_the_applicants_inbox(  # noqa: E501
    chromium: Any, live_server: str, clock: fixtures.TestClock, logins, session: Session, shoot
):
    logins("hubei-applicant", "hubei-provider", "hubei-supervisor")
    base = live_server

    # The applicant applies for household data in the catalog, and for data outside it.
    applicant = await logged_in(chromium, base, "hubei-applicant")
    assert applicant.url.endswith("/todo")
    await applicant.goto(base + "/cases/new")
    await applicant.get_by_role("link", name="共享申请").click()
    await applicant.get_by_label("申请的数据资源").select_option("hubei-hukou")
    await applicant.get_by_label("用途").fill("核验低保申请人户籍信息")
    await applicant.get_by_label("应用场景").fill("最低生活保障资格审核")
    await applicant.get_by_label("申请的数据项").fill("姓名、身份证号、户籍地址")
    await shoot(applicant, "03-new-sharing-application")
    await applicant.get_by_role("button", name="提交").click()
    await applicant.wait_for_url("**/cases/HB419-2026-000001?done=submitted")
    assert "提供部门答复" in await applicant.locator("#case-stage").inner_text()
    deadline = await applicant.locator("#deadline").inner_text()
    assert (
        "2026年12月7日24时" in deadline
        and "第二十条" in deadline
        and "剩余 10 个工作日" in deadline
    )
    assert "湖北省公安厅" in await applicant.content()
    await shoot(applicant, "04-case-page-applicant")

    await applicant.goto(base + "/cases/new/sharing_application")
    # A form missing what is required says so beside the field, and keeps what was typed.
    await applicant.get_by_label("目录外数据：所需数据名称").fill("婚姻登记信息")
    await applicant.get_by_role("button", name="提交").click()
    assert "请填写用途" in await applicant.locator("#e-purpose").inner_text()
    assert await applicant.get_by_label("目录外数据：所需数据名称").input_value() == "婚姻登记信息"
    await applicant.get_by_label("目录外数据：提供部门").select_option("hubei-police")
    await applicant.get_by_label("用途").fill("核验婚姻状况")
    await applicant.get_by_label("应用场景").fill("公租房资格审核")
    await applicant.get_by_role("button", name="提交").click()
    await applicant.wait_for_url("**/cases/HB419-2026-000002?done=submitted")

    # The provider finds both in 待办, neither urgent yet.
    for number in ("HB419-2026-000001", "HB419-2026-000002"):
        await projected(session, number, lambda r: r.stage == "provider_review")
    provider = await logged_in(chromium, base, "hubei-provider")
    await provider.goto(base + "/todo")
    for number in ("HB419-2026-000001", "HB419-2026-000002"):
        classes, _ = await row_colour(provider, number)
        assert "due-soon" not in classes and "overdue" not in classes

    # Friday 4 December: both are due by the end of the next working day (Monday 7th). Days
    # have passed: the session has ended, the provider logs in again.
    await clock.advance(timedelta(days=11))
    await provider.goto(base + "/todo")
    assert "/login" in provider.url and "登录已超时" in await provider.content()
    await log_in(provider, base, "hubei-provider")
    await provider.goto(base + "/todo")
    for number in ("HB419-2026-000001", "HB419-2026-000002"):
        classes, colour = await row_colour(provider, number)
        assert "due-soon" in classes and colour == YELLOW
    await shoot(provider, "02-todo-yellow")

    # The provider approves the first from its page.
    await provider.get_by_role("link", name="HB419-2026-000001").click()
    await provider.get_by_label("备注").first.fill("同意共享，按最小够用原则提供")
    await shoot(provider, "05-case-page-provider")
    await provider.get_by_role("button", name="同意共享", exact=True).click()
    await provider.wait_for_url("**/cases/HB419-2026-000001?done=approve")
    assert "已办结：同意共享" in await provider.locator("#case-status").inner_text()
    assert await provider.locator("#form-approve").count() == 0

    # Tuesday 8 December: the second is past its deadline (overdue, still waiting): red.
    await clock.advance(timedelta(days=4))
    await projected(session, "HB419-2026-000002", lambda r: r.overdue)
    await log_in(provider, base, "hubei-provider")
    await provider.goto(base + "/todo")
    classes, colour = await row_colour(provider, "HB419-2026-000002")
    assert "overdue" in classes and colour == RED
    assert "已逾期" in await provider.locator('tr[data-case="HB419-2026-000002"]').inner_text()
    assert await provider.locator('tr[data-case="HB419-2026-000001"]').count() == 0
    await shoot(provider, "02-todo-red")

    # The applicant's inbox has the approval, unread, and marks it read.
    await log_in(applicant, base, "hubei-applicant")
    await applicant.goto(base + "/notices")
    approval = applicant.locator("article.notice", has_text="数据提供部门同意共享")
    await approval.first.wait_for()
    assert "未读" in await approval.first.inner_text()
    badge = int(await applicant.locator("header .badge").inner_text())
    await shoot(applicant, "06-notices")
    await approval.first.get_by_role("button", name="标为已读").click()
    await applicant.wait_for_url("**/notices")
    after = await applicant.locator("header .badge").all_inner_texts()
    assert (int(after[0]) if after else 0) == badge - 1

    # The supervisor's dashboard: one open case, overdue, of the Hubei police.
    supervisor = await logged_in(chromium, base, "hubei-supervisor")
    await supervisor.goto(base + "/dashboard")
    assert await supervisor.locator("#overdue-total").inner_text() == "1"
    workload = await supervisor.locator("#workload").inner_text()
    assert "湖北省公安厅" in workload and "共享申请" in workload
    await shoot(supervisor, "07-dashboard")
    # Its numbers open the case list, a page (not the API's 401).
    await supervisor.locator("#overdue-total").click()
    await supervisor.wait_for_url("**/cases?overdue=true")
    assert await supervisor.locator('tr[data-case="HB419-2026-000002"]').count() == 1

    # The statistics report: every number links to a workbench page.
    await supervisor.goto(base + "/reports/statistics?from=2026-11-01&to=2026-11-30")
    await shoot(supervisor, "08-statistics-report")
    hrefs = await supervisor.locator("a").evaluate_all("links => links.map(a => a.href)")
    assert hrefs and not [h for h in hrefs if "/api/" in h]
    await supervisor.locator("td.n a").first.click()
    await supervisor.wait_for_load_state()
    assert "/cases?" in supervisor.url and "案件列表" in await supervisor.title()


async def test_a_member_of_the_public_registers_and_files_an_objection_with_a_pdf(
    chromium: Any, live_server: str, logins, shoot
):
    base = live_server
    context = await chromium.new_context(locale="zh-CN")
    page = await context.new_page()
    await page.goto(base + "/")
    await shoot(page, "01-login")
    await page.get_by_role("link", name="注册").click()
    await page.get_by_label("手机号或电子邮箱").fill("13900139000")
    await page.get_by_label("姓名或单位名称").fill("王五")
    await page.locator("#f-password").fill("wangwu-2026")
    await page.get_by_label("再次输入密码").fill("wangwu-2026")
    await page.get_by_role("button", name="注册并登录").click()
    await page.wait_for_url("**/mine")

    await page.get_by_role("link", name="开放目录").click()
    catalog = await page.locator("#catalog").inner_text()
    assert "公安机关机构名录" in catalog and "刑事案件侦查信息" not in catalog

    await page.goto(base + "/mine")
    await page.get_by_role("link", name="提出异议").first.click()
    await page.get_by_label("提出异议的开放数据").select_option("hubei-org")
    await page.get_by_label("异议类型").select_option("accuracy")
    await page.get_by_label("异议内容").fill("机构地址已变更，开放数据仍为旧地址")
    await page.get_by_label("联系方式").fill("13900139000")
    await page.get_by_label("证据材料").set_input_files(
        files=[{"name": "地址变更证明.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    await shoot(page, "09-objection-form")
    await page.get_by_role("button", name="提交").click()
    await page.wait_for_url("**?done=submitted")
    assert "提供部门研判" in await page.locator("#case-stage").inner_text()
    evidence = page.get_by_role("link", name="地址变更证明.pdf")
    assert await evidence.count() == 1
    await shoot(page, "10-objection-case")
    number = page.url.rsplit("/", 1)[-1].split("?")[0]

    async with page.expect_download() as download:
        await evidence.click()
    assert (await download.value).suggested_filename == "地址变更证明.pdf"

    await page.goto(base + "/mine")
    assert await page.locator(f'tr[data-case="{number}"]').count() == 1

    # The provider has it in 待办.
    logins("hubei-provider")
    provider = await logged_in(chromium, base, "hubei-provider")
    await provider.goto(base + "/todo")
    assert await provider.locator(f'tr[data-case="{number}"]').count() == 1


async def test_the_openapi_pages_and_the_workbench_load_nothing_from_elsewhere(
    chromium: Any, live_server: str, logins, shoot
):
    logins("auditor")
    base = live_server
    page = await logged_in(chromium, base, "auditor")
    requested: list[str] = []
    blocked: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    # ReDoc's bundle reaches for its logo on a CDN; the page's policy refuses it in the browser.
    page.on(
        "requestfailed",
        lambda request: blocked.append(request.url) if request.failure == "csp" else None,
    )
    await page.goto(base + "/docs")
    await page.locator(".swagger-ui .info .title").wait_for()
    assert "时限" in await page.locator(".swagger-ui .info .title").inner_text()
    await shoot(page, "12-openapi-docs")
    await page.goto(base + "/redoc")
    await page.locator("redoc h1, [role=main] h1, h1").first.wait_for()
    for path in ("/audit", "/cases", "/dashboard", "/catalog"):
        await page.goto(base + path)
        if path == "/audit":
            await shoot(page, "11-audit")
    local = (base, "data:", "blob:")
    outside = [url for url in requested if not url.startswith(local) and url not in blocked]
    assert outside == []
