"""Pages: one Jinja2 environment over templates/web (autoescaped), the filters every page uses
(Beijing time, Chinese labels), and the response that renders a template."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from calendars import BEIJING
from service.labels import label
from service.submissions import PROCESSES
from web.session import Viewer
from workflows.common import (
    DEPARTMENT_KIND_LABELS,
    OPEN_STATUS_LABELS,
    OPEN_TYPE_LABELS,
    RESOURCE_STATUS_LABELS,
    ROLE_LABELS,
    SHARE_TYPE_LABELS,
)

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "web"

environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"], default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def beijing_time(moment: datetime | None, seconds: bool = False) -> str:
    if moment is None:
        return ""
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M" + (":%S" if seconds else ""))


def due_text(due: datetime | None) -> str:
    """A due instant is 24:00 of its last day (00:00 of the next): said as the law says it."""
    if due is None:
        return ""
    local = due.astimezone(BEIJING)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return f"{(local - timedelta(days=1)).date().isoformat()} 24:00"
    return local.strftime("%Y-%m-%d %H:%M")


def day_text(day: date | None) -> str:
    return day.isoformat() if day else ""


def process_title(name: str) -> str:
    process = PROCESSES.get(name)
    return process.title if process else name


def enum_name(table: dict[Any, str], value: object) -> str:
    return next((name for key, name in table.items() if str(key) == str(value)), str(value))


environment.filters.update(
    bj=beijing_time,
    due=due_text,
    day=day_text,
    process_title=process_title,
    role_name=lambda role: enum_name(dict(ROLE_LABELS), role),
    kind_name=lambda kind: enum_name(dict(DEPARTMENT_KIND_LABELS), kind),
    share_type_name=lambda share: enum_name(dict(SHARE_TYPE_LABELS), share),
    open_type_name=lambda kind: enum_name(dict(OPEN_TYPE_LABELS), kind),
    resource_status=lambda status: enum_name(dict(RESOURCE_STATUS_LABELS), status),
    open_status_name=lambda status: enum_name(dict(OPEN_STATUS_LABELS), status),
)
environment.globals.update(label=label)


def render(template: str, **context: Any) -> str:
    return environment.get_template(template).render(**context)


def page(
    viewer: Viewer | None, template: str, *, status: int = 200, **context: Any
) -> HTMLResponse:
    """A page of the workbench, with the viewer's navigation."""
    return HTMLResponse(render(template, viewer=viewer, **context), status_code=status)
