"""The working-day calendar: /calendars, /calendars/{year}.

Every authenticated user reads which years are official (with the State Council notice's 文号)
and which are provisional estimates; administrators load a year file when a notice appears,
and every open case is asked to re-plan the deadlines whose counted days it changes.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field

from api import crud
from api.cases import replan_open_cases
from api.deps import AdminDep, CallerDep, SessionDep, SettingsDep, TemporalDep
from api.errors import DomainError, Invalid, Unavailable
from api.schemas import ERRORS
from calendars import (
    ChinaCalendar,
    HolidayRange,
    Notice,
    covered_years,
    provisional_marker,
    statutory_holidays,
)

router = APIRouter(prefix="/api/v1/calendars", tags=["calendars"])

MAX_UPLOAD = 256 * 1024
EXAMPLE_YEAR = """\
year: 2027
notice:
  title: 国务院办公厅关于2027年部分节假日安排的通知
  number: 国办发明电〔2026〕N号
  signed: 2026-11-01
  published: 2026-11-01
  url: https://www.gov.cn/...
holidays:
  - [2027-01-01, 2027-01-03, 元旦]
makeup_workdays: []
"""


class YearOut(BaseModel):
    year: int
    official: bool = Field(description="False: estimated from the statutory festival days.")
    notice_number: str | None = Field(description="文号 of the State Council notice.")
    notice_title: str | None
    origin: str | None = Field(description="packaged or uploaded; null if provisional.")


class NoticeOut(BaseModel):
    title: str
    number: str
    signed: date
    published: date
    url: str | None
    effect: str | None = None
    affects: list[date] | None = None


class HolidayOut(BaseModel):
    name: str
    start: date
    end: date
    days: int


class YearDetailOut(YearOut):
    notice: NoticeOut | None
    amendments: list[NoticeOut]
    holidays: list[HolidayOut] = Field(
        description="Rest days (放假) as the notice sets them, weekends inside a range "
        "included; a notice may reach back into December of the year before."
    )
    makeup_workdays: list[date] = Field(description="Weekend days worked (调休上班).")
    note: str | None = None


class UploadOut(YearOut):
    replaced: bool = Field(description="An uploaded file for this year was replaced.")
    replanned_cases: int = Field(description="Open cases asked to re-plan their deadlines.")


def calendar_of(request: Request) -> ChinaCalendar:
    return request.app.state.calendar()  # type: ignore[no-any-return]


def _origin(calendar: ChinaCalendar, year: int, settings_dir: str) -> str | None:
    schedule = calendar.schedules.get(year)
    if schedule is None:
        return None
    return "uploaded" if schedule.source_name.startswith(settings_dir) else "packaged"


def _years(calendar: ChinaCalendar, operator_dir: str) -> list[YearOut]:
    schedules = calendar.schedules
    return [
        YearOut(
            year=status.year,
            official=status.official,
            notice_number=status.notice_number,
            notice_title=schedules[status.year].notice.title if status.official else None,
            origin=_origin(calendar, status.year, operator_dir),
        )
        for status in covered_years(calendar)
    ]


def _notice(notice: Notice) -> NoticeOut:
    return NoticeOut(
        title=notice.title,
        number=notice.number,
        signed=notice.signed,
        published=notice.published,
        url=notice.url,
        effect=notice.effect,
        affects=list(notice.affects) if notice.affects else None,
    )


def _holiday(holiday: HolidayRange) -> HolidayOut:
    days = (holiday.end - holiday.start).days + 1
    return HolidayOut(name=holiday.name, start=holiday.start, end=holiday.end, days=days)


@router.get("", response_model=list[YearOut], responses=ERRORS)
def list_years(request: Request, caller: CallerDep, settings: SettingsDep) -> list[YearOut]:
    """Every year the calendar counts: official (with the notice's 文号) or provisional; any
    authenticated user."""
    return _years(calendar_of(request), str(settings.calendars))


@router.get("/{year}", response_model=YearDetailOut, responses=ERRORS)
def get_year(
    request: Request,
    caller: CallerDep,
    settings: SettingsDep,
    year: Annotated[int, Path(ge=1900, le=2200)],
) -> YearDetailOut:
    """The holidays and adjusted working days of one year, with the notice that sets them;
    for a provisional year, the statutory festival days the estimate counts. Any
    authenticated user; 404 for a year the calendar does not cover."""
    calendar = calendar_of(request)
    schedule = crud.year_schedule(calendar, year)
    summary = next(y for y in _years(calendar, str(settings.calendars)) if y.year == year)
    detail: dict[str, Any] = summary.model_dump()
    if schedule is None:
        detail.update(
            notice=None,
            amendments=[],
            holidays=[_holiday(h) for h in statutory_holidays(year)],
            makeup_workdays=[],
            note=f"{provisional_marker(year)}：按《全国年节及纪念日放假办法》估算，"
            "不含调休；通知发布后请上传该年日历文件。",
        )
    else:
        detail.update(
            notice=_notice(schedule.notice),
            amendments=[_notice(a) for a in schedule.amendments],
            holidays=[_holiday(h) for h in schedule.holidays],
            makeup_workdays=list(schedule.makeup_workdays),
        )
    return YearDetailOut.model_validate(detail)


@router.post(
    "",
    status_code=201,
    response_model=UploadOut,
    responses={**ERRORS, 200: {"description": "Replaced an uploaded file for this year."}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/yaml": {"schema": {"type": "string"}, "example": EXAMPLE_YEAR}
            },
        }
    },
)
async def upload_year(
    request: Request,
    response: Response,
    admin: AdminDep,
    session: SessionDep,
    settings: SettingsDep,
    temporal: TemporalDep,
) -> UploadOut:
    """Load a year file (administrators): the YAML text of `calendars/data/YYYY.yaml`'s
    format, from the State Council notice. It is validated alone and with every other year
    (422 names the line), saved as `<calendar dir>/<year>.yaml`, and every open case is asked
    to re-plan: a deadline whose counted days changed moves, and says so
    (`deadline.replanned_from`); one that counted the year as provisional loses the flag.

    201 for a new file, 200 when it replaces an uploaded one (a correction, an amendment)."""
    data = await request.body()
    if len(data) > MAX_UPLOAD:
        raise Invalid("日历文件过大：不能超过 256 KB。", "upload_too_large")
    text = crud.decode_text(data, "日历文件")
    if not text.strip():
        raise Invalid("请求体应为年度日历文件的 YAML 文本，当前为空。", "calendar_invalid")
    schedule, replaced = crud.save_calendar_year(directory=settings.calendars, text=text)
    try:
        asked = await replan_open_cases(
            session=session, temporal=temporal, reason=f"{schedule.year}年日历更新"
        )
    except DomainError as error:
        raise Unavailable(
            f"{schedule.year}年日历已保存，但未能通知全部在办案件重新计算期限"
            f"（{error.message}）；请稍后重新上传同一文件以重试。",
            "replan_failed",
        ) from error
    if replaced:
        response.status_code = 200
    summary = next(
        y for y in _years(calendar_of(request), str(settings.calendars)) if y.year == schedule.year
    )
    return UploadOut(**summary.model_dump(), replaced=replaced, replanned_cases=asked)
