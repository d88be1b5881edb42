"""The working-day calendar: /calendars, /calendars/{year}.

Every authenticated user reads which years are official (with the State Council notice's 文号)
and which are provisional estimates; administrators load a year file when a notice appears,
and every open case is asked to re-plan the deadlines whose counted days it changes.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from api.deps import AdminDep, CallerDep, PlatformDep
from api.schemas import ERRORS, yaml_file_body
from service import calendars
from service.calendars import PreviewOut, UploadOut, YearDetailOut, YearOut
from service.validation import decode_text

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


@router.get("", response_model=list[YearOut], responses=ERRORS)
def list_years(platform: PlatformDep, caller: CallerDep) -> list[YearOut]:
    """Every year the calendar counts: official (with the notice's 文号) or provisional; any
    authenticated user."""
    return calendars.list_years(platform, caller)


@router.get("/{year}", response_model=YearDetailOut, responses=ERRORS)
def get_year(
    platform: PlatformDep, caller: CallerDep, year: Annotated[int, Path(ge=1900, le=2200)]
) -> YearDetailOut:
    """The holidays and adjusted working days of one year, with the notice that sets them;
    for a provisional year, the statutory festival days the estimate counts. Any
    authenticated user; 404 for a year the calendar does not cover."""
    return calendars.get_year(platform, caller, year)


@router.post(
    "",
    status_code=201,
    response_model=UploadOut | PreviewOut,
    responses={
        **ERRORS,
        200: {"description": "Replaced an uploaded file for this year; or a dry run."},
        413: ERRORS[422],
    },
    openapi_extra=yaml_file_body(MAX_UPLOAD, EXAMPLE_YEAR),
)
async def upload_year(
    request: Request,
    response: Response,
    platform: PlatformDep,
    admin: AdminDep,
    dry_run: Annotated[
        bool,
        Query(
            description="Check the file and show which open deadlines would move; load "
            "nothing (200, the moves)."
        ),
    ] = False,
) -> UploadOut | PreviewOut:
    """Load a year file (administrators): the YAML text of `calendars/data/YYYY.yaml`'s
    format, from the State Council notice. It is validated alone and with every other year
    (422 names the line), saved as `<calendar dir>/<year>.yaml`, and every open case is asked
    to re-plan: a deadline whose counted days changed moves, and says so
    (`deadline.replanned_from`); one that counted the year as provisional loses the flag.

    A file unlike a State Council notice is refused before it is loaded (422
    `calendar_implausible`): a statutory festival day not at rest, an adjusted working day far
    from any break. `?dry_run=true` checks the file alike and answers 200 with the open
    deadlines it would move, loading nothing.

    201 for a new file, 200 when it replaces an uploaded one (a correction, an amendment);
    413 past 256 KB."""
    text = decode_text(await request.body(), "日历文件")
    if dry_run:
        response.status_code = 200
        return await calendars.preview_year(platform, admin, text)
    uploaded = await calendars.upload_year(platform, admin, text)
    if uploaded.replaced:
        response.status_code = 200
    return uploaded
