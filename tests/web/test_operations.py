"""The workbench shows operators what cannot go on by itself: the administrators' operations
page (with a retry of a failed effect) and the auditors' audit page."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, select

from models import CaseSubmission, StuckCase
from service import register
from tests.cases import submit
from tests.web.conftest import Browser, password_of


async def test_operators_see_stuck_cases_and_voided_numbers_and_retry_from_the_workbench(
    api, staff: Browser, logins, session: Session
):
    stuck = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    gone = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    session.add(
        StuckCase(
            case_id=stuck["case_id"],
            kind="effect",
            activity="send_notice",
            error_type="DataError",
            message="DataError: PostgreSQL text fields cannot contain NUL (0x00) bytes",
            since=datetime(2026, 11, 23, 1, 5, tzinfo=UTC),
        )
    )
    session.commit()
    # A number whose workflow never started (here: its record, as a sweep would leave it).
    submission = session.exec(
        select(CaseSubmission).where(CaseSubmission.case_id == gone["case_id"])
    ).one()
    submission.started_at = None
    session.add(submission)
    session.commit()
    assert register.void(
        session, case_id=gone["case_id"], reason=register.INTERRUPTED, at=datetime.now(UTC)
    )

    logins("admin", "auditor")
    await staff.log_in("auditor", password_of("auditor"))
    audit = await staff.page("/audit")
    assert audit.status_code == 200
    assert stuck["case_number"] in audit.text and "NUL" in audit.text
    assert gone["case_number"] in audit.text and "提交过程中断" in audit.text
    assert "/admin/operations/retry" not in audit.text  # auditors read, never act

    await staff.client.post("/logout", data={"csrf_token": await staff.token("/audit")})
    await staff.log_in("admin", password_of("admin"))
    operations = await staff.page("/admin/operations")
    assert operations.status_code == 200
    assert stuck["case_number"] in operations.text and "处理步骤失败" in operations.text
    assert gone["case_number"] in operations.text
    retried = await staff.submit(
        "/admin/operations/retry",
        {"case_id": stuck["case_id"]},
        form_page="/admin/operations",
    )
    assert retried.status_code == 200
    assert f"已重试案件 {stuck['case_number']}" in retried.text
    assert "没有待运维处理的案件" in retried.text


async def test_an_administrator_previews_a_calendar_year_before_loading_it(
    api, staff: Browser, logins, settings, clock
):
    from tests.api.test_rulesets_calendars import YEAR_2027

    await clock.set(datetime(2026, 12, 24, 10, tzinfo=UTC))
    case = await submit(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    logins("admin")
    await staff.log_in("admin", password_of("admin"))
    token = await staff.token("/admin/calendars")
    shown = await staff.client.post(
        "/admin/calendars",
        data={"csrf_token": token, "dry_run": "1"},
        files={"file": ("2027.yaml", YEAR_2027.encode(), "application/yaml")},
    )
    assert shown.status_code == 200
    assert "预览：2027年日历" in shown.text and "尚未载入任何内容" in shown.text
    assert case["case_number"] in shown.text and "2027年1月11日" in shown.text
    assert not (settings.calendars / "2027.yaml").exists()
