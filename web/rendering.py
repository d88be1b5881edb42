"""Pages: one Jinja2 environment over templates/web (autoescaped), the filters every page uses
(days and instants as calendars/formatting.py writes them, Chinese labels), and the response
that renders a template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from service import labels
from service.submissions import PROCESSES
from web.session import Viewer
from workflows.common import (
    DELIVERY_METHOD_LABELS,
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


def process_title(name: str) -> str:
    process = PROCESSES.get(name)
    return process.title if process else name


def enum_name(table: dict[Any, str], value: object) -> str:
    return next((name for key, name in table.items() if str(key) == str(value)), str(value))


labels.install(environment)
environment.filters.update(
    process_title=process_title,
    role_name=lambda role: enum_name(dict(ROLE_LABELS), role),
    kind_name=lambda kind: enum_name(dict(DEPARTMENT_KIND_LABELS), kind),
    share_type_name=lambda share: enum_name(dict(SHARE_TYPE_LABELS), share),
    open_type_name=lambda kind: enum_name(dict(OPEN_TYPE_LABELS), kind),
    resource_status=lambda status: enum_name(dict(RESOURCE_STATUS_LABELS), status),
    open_status_name=lambda status: enum_name(dict(OPEN_STATUS_LABELS), status),
    delivery_method_name=lambda method: enum_name(dict(DELIVERY_METHOD_LABELS), method),
)


def render(template: str, **context: Any) -> str:
    return environment.get_template(template).render(**context)


def page(
    viewer: Viewer | None, template: str, *, status: int = 200, **context: Any
) -> HTMLResponse:
    """A page of the workbench, with the viewer's navigation."""
    return HTMLResponse(render(template, viewer=viewer, **context), status_code=status)
