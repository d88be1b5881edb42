"""Logging in and out, sessions that expire, CSRF, lockout, the public's registration: plain
HTTP against the app, as a browser would send it (no Chromium needed)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from models import User, WebSession
from tests.web.conftest import Browser, ManualClock, password_of


async def test_the_entry_is_the_login_page_and_a_login_goes_home(browser: Browser, logins):
    logins("hubei-applicant")
    entry = await browser.page("/")
    assert entry.status_code == 200
    assert "登录" in entry.text and 'name="password"' in entry.text
    response = await browser.log_in("hubei-applicant", password_of("hubei-applicant"))
    assert response.status_code == 303 and response.headers["location"] == "/todo"
    cookie = response.headers["set-cookie"]
    assert "shixian_session=" in cookie
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    home = await browser.page("/")
    assert home.status_code == 303 and home.headers["location"] == "/todo"
    todo = await browser.page("/todo")
    assert todo.status_code == 200 and "待办" in todo.text and "湖北民政经办人" in todo.text


async def test_each_role_has_its_own_home(browser: Browser, logins):
    homes = {"admin": "/admin", "auditor": "/audit", "hubei-supervisor": "/todo"}
    logins(*homes)
    for key, home in homes.items():
        response = await browser.log_in(key, password_of(key))
        assert response.headers["location"] == home
        browser.client.cookies.clear()


async def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(browser: Browser, logins):
    logins("hubei-provider")
    wrong = await browser.log_in("hubei-provider", "not-the-password1")
    unknown = await browser.log_in("nobody", "not-the-password1")
    assert wrong.status_code == unknown.status_code == 401
    assert "用户名或密码错误" in wrong.text
    assert wrong.text.count("用户名或密码错误") == unknown.text.count("用户名或密码错误")
    assert "shixian_session=" not in wrong.headers.get("set-cookie", "")


async def test_repeated_failures_lock_the_account_for_the_lockout_period(
    browser: Browser, logins, manual_clock: ManualClock, settings
):
    logins("hubei-provider")
    for _ in range(settings.login_max_failures - 1):
        assert (await browser.log_in("hubei-provider", "wrong-password1")).status_code == 401
    locked = await browser.log_in("hubei-provider", "wrong-password1")
    assert "账户已锁定" in locked.text
    # Locked: even the right password is refused, until the period ends.
    right = await browser.log_in("hubei-provider", password_of("hubei-provider"))
    assert right.status_code == 401 and "账户已锁定" in right.text
    manual_clock.advance(timedelta(minutes=settings.login_lockout_minutes, seconds=1))
    again = await browser.log_in("hubei-provider", password_of("hubei-provider"))
    assert again.status_code == 303


async def test_a_success_resets_the_failure_count(browser: Browser, logins, settings):
    logins("hubei-provider")
    right = password_of("hubei-provider")
    for _ in range(settings.login_max_failures - 1):
        await browser.log_in("hubei-provider", "wrong-password1")
    assert (await browser.log_in("hubei-provider", right)).status_code == 303
    browser.client.cookies.clear()
    for _ in range(settings.login_max_failures - 1):
        await browser.log_in("hubei-provider", "wrong-password1")
    assert (await browser.log_in("hubei-provider", right)).status_code == 303


async def test_a_form_without_its_csrf_token_is_refused(browser: Browser, logins):
    logins("hubei-applicant")
    # Before logging in: the login form itself.
    refused = await browser.client.post(
        "/login", data={"username": "hubei-applicant", "password": password_of("hubei-applicant")}
    )
    assert refused.status_code == 403 and "安全校验码" in refused.text
    await browser.log_in("hubei-applicant", password_of("hubei-applicant"))
    # Logged in: a form posted without the session's token, or with another, changes nothing.
    for data in ({}, {"csrf_token": "forged"}):
        response = await browser.client.post("/notices/read", data=data)
        assert response.status_code == 403 and "安全校验码" in response.text
        logout = await browser.client.post("/logout", data=data)
        assert logout.status_code == 403
    assert (await browser.page("/todo")).status_code == 200


async def test_logging_out_ends_the_session_on_the_server(
    browser: Browser, logins, session: Session
):
    logins("hubei-applicant")
    await browser.log_in("hubei-applicant", password_of("hubei-applicant"))
    cookie = browser.client.cookies.get("shixian_session")
    out = await browser.submit("/logout", {}, form_page="/todo")
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert session.exec(select(WebSession)).all() == []
    # The old cookie, replayed, opens nothing.
    browser.client.cookies.set("shixian_session", cookie or "")
    again = await browser.page("/todo")
    assert again.status_code == 303 and again.headers["location"].startswith("/login")


async def test_a_session_expires_after_idling(
    browser: Browser, logins, manual_clock: ManualClock, settings
):
    logins("hubei-applicant")
    await browser.log_in("hubei-applicant", password_of("hubei-applicant"))
    manual_clock.advance(timedelta(minutes=settings.session_idle_minutes - 1))
    assert (await browser.page("/todo")).status_code == 200  # used: the idle clock restarts
    manual_clock.advance(timedelta(minutes=settings.session_idle_minutes - 1))
    assert (await browser.page("/todo")).status_code == 200
    manual_clock.advance(timedelta(minutes=settings.session_idle_minutes + 1))
    expired = await browser.page("/todo")
    assert expired.status_code == 303
    assert expired.headers["location"] == "/login?next=/todo&expired=1"
    shown = await browser.page(expired.headers["location"])
    assert "登录已超时" in shown.text


async def test_a_session_ends_at_its_absolute_age_however_busy(
    browser: Browser, logins, manual_clock: ManualClock, settings
):
    logins("hubei-applicant")
    await browser.log_in("hubei-applicant", password_of("hubei-applicant"))
    step = timedelta(minutes=settings.session_idle_minutes - 1)
    used = timedelta(0)
    while used + step < timedelta(hours=settings.session_max_hours):
        manual_clock.advance(step)
        used += step
        assert (await browser.page("/todo")).status_code == 200
    manual_clock.advance(step)
    assert (await browser.page("/todo")).status_code == 303


async def test_after_logging_in_the_page_asked_for_opens(browser: Browser, logins):
    logins("hubei-supervisor")
    first = await browser.page("/dashboard")
    assert first.headers["location"] == "/login?next=/dashboard"
    response = await browser.log_in(
        "hubei-supervisor",
        password_of("hubei-supervisor"),
        then="/dashboard",
        form_page="/login?next=/dashboard",
    )
    assert response.headers["location"] == "/dashboard"
    # Never to another site.
    browser.client.cookies.delete("shixian_session")
    elsewhere = await browser.log_in(
        "hubei-supervisor", password_of("hubei-supervisor"), then="//evil.example/"
    )
    assert elsewhere.headers["location"] == "/todo"


async def test_the_public_register_with_a_phone_number_and_see_only_the_open_catalog(
    browser: Browser, session: Session
):
    token = await browser.token("/register")
    response = await browser.client.post(
        "/register",
        data={
            "username": "13800138000",
            "name": "张三",
            "password": "zhangsan-2026",
            "password_again": "zhangsan-2026",
            "csrf_token": token,
        },
    )
    assert response.status_code == 303 and response.headers["location"] == "/mine"
    user = session.exec(select(User).where(User.username == "13800138000")).one()
    assert user.role == "public" and user.password_hash and "zhangsan" not in user.password_hash
    catalog = await browser.page("/catalog")
    assert "公安机关机构名录" in catalog.text
    assert "刑事案件侦查信息" not in catalog.text and "户籍人口基本信息" not in catalog.text
    for staff_page in ("/todo", "/dashboard", "/admin/users", "/cases/new/sharing_application"):
        assert (await browser.page(staff_page)).status_code in (403, 404)


async def test_registration_refuses_a_bad_username_a_taken_one_and_a_weak_password(
    browser: Browser, logins
):
    async def register(username: str, password: str) -> str:
        token = await browser.token("/register")
        response = await browser.client.post(
            "/register",
            data={
                "username": username,
                "name": "李四",
                "password": password,
                "password_again": password,
                "csrf_token": token,
            },
        )
        assert response.status_code in (409, 422), response.status_code
        return response.text

    assert "手机号码或有效的电子邮箱" in await register("lisi", "lisi-pass-1")
    assert "不能全为数字" in await register("lisi@example.cn", "12345678")
    token = await browser.token("/register")
    await browser.client.post(
        "/register",
        data={
            "username": "lisi@example.cn",
            "name": "李四",
            "password": "lisi-pass-1",
            "password_again": "lisi-pass-1",
            "csrf_token": token,
        },
    )
    browser.client.cookies.delete("shixian_session")
    assert "已注册" in await register("LISI@example.cn", "lisi-pass-2")
