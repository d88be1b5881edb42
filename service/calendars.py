"""The working-day calendar: which years are official (with the State Council notice's 文号)
and which are provisional estimates; administrators load a year file when a notice appears,
and every open case is asked to re-plan the deadlines whose counted days it changes."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from anyio import to_thread
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import col, select

from calendars import (
    CalendarError,
    CalendarFileError,
    ChinaCalendar,
    HolidayRange,
    YearSchedule,
    covered_years,
    deadline,
    implausibilities,
    load_calendar,
    provisional_marker,
    statutory_holidays,
)
from calendars import parse_year_text as parse_calendar_year
from calendars.schedule import load_schedules
from models import CaseRecord
from service.access import Caller
from service.bounds import FIRST_CALENDAR_YEAR
from service.cases import replan_open_cases
from service.errors import Conflict, DomainError, Invalid, NotFound, Unavailable
from service.platform import Platform
from service.validation import clean_file, private_directory, write_atomically
from workflows.common import Role


class YearOut(BaseModel):
    year: int
    official: bool = Field(description="False: estimated from the statutory festival days.")
    notice_number: str | None = Field(description="文号 of the State Council notice.")
    notice_title: str | None
    origin: str | None = Field(description="packaged or uploaded; null if provisional.")


class NoticeOut(BaseModel):
    # `get_year` gives it the calendar's own `Notice`: the fields are the same by name.
    model_config = ConfigDict(from_attributes=True)

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


def _holiday(holiday: HolidayRange) -> HolidayOut:
    days = (holiday.end - holiday.start).days + 1
    return HolidayOut(name=holiday.name, start=holiday.start, end=holiday.end, days=days)


def list_years(platform: Platform, caller: Caller) -> list[YearOut]:
    """Every year the calendar counts: official (with the notice's 文号) or provisional."""
    return _years(platform.calendar(), str(platform.settings.calendars))


def get_year(platform: Platform, caller: Caller, year: int) -> YearDetailOut:
    """The holidays and adjusted working days of one year, with the notice that sets them;
    for a provisional year, the statutory festival days the estimate counts."""
    calendar = platform.calendar()
    schedule = year_schedule(calendar, year)
    summary = next(y for y in _years(calendar, str(platform.settings.calendars)) if y.year == year)
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
            notice=schedule.notice,
            amendments=list(schedule.amendments),
            holidays=[_holiday(h) for h in schedule.holidays],
            makeup_workdays=list(schedule.makeup_workdays),
        )
    return YearDetailOut.model_validate(detail)


async def upload_year(platform: Platform, caller: Caller, text: str) -> UploadOut:
    """Load a year file (administrators), then ask every open case to re-plan."""
    caller.require(Role.ADMIN)
    if not text.strip():
        raise Invalid("请求体应为年度日历文件的 YAML 文本，当前为空。", "calendar_invalid")
    schedule, replaced = await to_thread.run_sync(
        lambda: save_calendar_year(directory=platform.settings.calendars, text=text)
    )
    try:
        asked = await replan_open_cases(platform, reason=f"{schedule.year}年日历更新")
    except DomainError as error:
        raise Unavailable(
            f"{schedule.year}年日历已保存，但未能通知全部在办案件重新计算期限"
            f"（{error.message}）；请稍后重新上传同一文件以重试。",
            "replan_failed",
        ) from error
    # Reads and parses the year files again (the calendar changed): not on the event loop.
    years = await to_thread.run_sync(
        lambda: _years(platform.calendar(), str(platform.settings.calendars))
    )
    summary = next(y for y in years if y.year == schedule.year)
    return UploadOut(**summary.model_dump(), replaced=replaced, replanned_cases=asked)


def check_calendar_year(
    *, directory: Path, text: str
) -> tuple[YearSchedule, ChinaCalendar, str, bool]:
    """Validate the YAML text of a year file, alone, as a notice (each statutory festival at
    rest, working days moved onto weekends beside a break: calendars/plausibility.py), and
    together with every other year. Returns the schedule, the calendar it would make, the
    cleaned text and whether it would replace a file in `directory`. Writes nothing."""
    text = clean_file(text, "日历文件", "calendar_invalid")
    try:
        schedule = parse_calendar_year(text, "上传的日历文件")
        if schedule.year < FIRST_CALENDAR_YEAR:
            raise Invalid(
                f"工作日历自{FIRST_CALENDAR_YEAR}年起收录，不接受{schedule.year}年的文件。",
                "calendar_invalid",
            )
        implausible = implausibilities(schedule)
        if implausible:
            raise Invalid(
                f"{schedule.year}年日历文件不像国务院放假安排通知，未作为正式日历："
                + "；".join(implausible)
                + "。请核对通知原文。",
                "calendar_implausible",
            )
        operator_files = load_schedules(directory) if _has_year_files(directory) else {}
        same_year = operator_files.get(schedule.year)
        target = directory / f"{schedule.year}.yaml"
        if same_year is not None and Path(same_year.source_name).name != target.name:
            raise Conflict(
                f"{schedule.year}年已由 {Path(same_year.source_name).name} 定义；"
                f"请先移除该文件，或改名为 {target.name}。",
                "calendar_file_clash",
            )
        dirs = [directory] if operator_files else []
        # Cross-year conflicts (December reach-backs) are found here.
        calendar = load_calendar(*dirs, extra=[schedule])
    except CalendarFileError as error:
        where = f"第{error.line}行：" if error.line is not None else ""
        source = "" if error.source == "上传的日历文件" else f"（{error.source}）"
        raise Invalid(f"日历文件无效{source}：{where}{error.detail}", "calendar_invalid") from error
    return schedule, calendar, text, target.exists()


def save_calendar_year(*, directory: Path, text: str) -> tuple[YearSchedule, bool]:
    """Check a year file (`check_calendar_year`) and save it as `<directory>/<year>.yaml`.
    Returns the schedule and whether it replaced a file in `directory`. Running cases learn
    of it only when asked to re-plan."""
    schedule, _, text, replaced = check_calendar_year(directory=directory, text=text)
    private_directory(directory)
    write_atomically(directory / f"{schedule.year}.yaml", text)
    return schedule, replaced


# -- a dry run -------------------------------------------------------------------------------


class MoveOut(BaseModel):
    """An open case's current deadline, as it stands and as the file would make it."""

    case_id: str
    case_number: str
    process: str
    stage: str
    cite: str
    last_day: date
    new_last_day: date
    provisional: bool
    new_provisional: bool


class PreviewOut(BaseModel):
    year: int
    notice_number: str
    replaces: bool = Field(description="It would replace an uploaded file for this year.")
    open_cases: int = Field(description="Open cases whose current deadline was recounted.")
    moves: list[MoveOut] = Field(
        description="The current deadlines that would move or lose their provisional flag; "
        "a re-plan recounts each case's other pending limits of its stage alike."
    )


async def preview_year(platform: Platform, caller: Caller, text: str) -> PreviewOut:
    """What loading a year file would do (administrators), without doing it: the file is
    checked as an upload is, and every open case's current deadline recounted with it."""
    caller.require(Role.ADMIN)
    if not text.strip():
        raise Invalid("请求体应为年度日历文件的 YAML 文本，当前为空。", "calendar_invalid")
    schedule, calendar, _, replaces = await to_thread.run_sync(
        lambda: check_calendar_year(directory=platform.settings.calendars, text=text)
    )
    rows = await platform.run(
        lambda session: session.exec(
            select(CaseRecord).where(
                CaseRecord.status == "open", col(CaseRecord.last_day).is_not(None)
            )
        ).all()
    )
    moves = []
    counted = 0
    for row in rows:
        planned = (row.state or {}).get("deadline") or {}
        working_days = int(planned.get("working_days") or 0)
        if working_days < 1 or row.counted_from is None or row.last_day is None:
            continue  # a calendar date (the end of the year), not working days
        counted += 1
        try:
            new = deadline(row.counted_from, working_days, calendar)
        except CalendarError:
            continue
        if (new.last_day, new.provisional) == (row.last_day, row.provisional):
            continue
        moves.append(
            MoveOut(
                case_id=row.case_id,
                case_number=row.case_number,
                process=row.process,
                stage=row.stage,
                cite=str(planned.get("cite", "")),
                last_day=row.last_day,
                new_last_day=new.last_day,
                provisional=row.provisional,
                new_provisional=new.provisional,
            )
        )
    return PreviewOut(
        year=schedule.year,
        notice_number=schedule.notice.number,
        replaces=replaces,
        open_cases=counted,
        moves=moves,
    )


def _has_year_files(directory: Path) -> bool:
    return directory.is_dir() and any(
        p.suffix in (".yaml", ".yml") for p in directory.iterdir() if p.is_file()
    )


def year_schedule(calendar: ChinaCalendar, year: int) -> YearSchedule | None:
    """The official schedule of `year`, None if the year is provisional; 404 if not covered."""
    if not calendar.first_day.year <= year <= calendar.last_day.year:
        raise NotFound(
            f"工作日历不包含{year}年（收录{calendar.first_day.year}年至"
            f"{calendar.last_day.year}年）。",
            "calendar_year_not_found",
        )
    return calendar.schedules.get(year)
