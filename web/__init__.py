"""The workbench (工作台): Chinese pages for people, over the service layer.

Server-rendered (Jinja2, autoescaped, templates/web/), one local stylesheet and no script of its
own; logins by username and password in a server-side session (service/sessions.py), CSRF
tokens on every form. Pages call `service/` only, never the JSON routes.

- `session`: the cookie, the viewer, the CSRF check, role checks.
- `routing`: errors answered as pages.
- `routes/`: `account` (/, login, logout, register, password), `work` (待办, 已办, 我的申请,
  the case list, notices), `cases` (a case, its actions, new cases, evidence, audit views),
  `supervision` (dashboard, statistics report, yearly maintenance, audit search), `catalog`,
  `admin`.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from web.routes import account, admin, cases, catalog, supervision, work

STATIC = Path(__file__).resolve().parent / "static"


def install(app: FastAPI) -> None:
    """Add the workbench's pages and its stylesheet to `app` (which has `state.platform`)."""
    app.mount("/static/workbench", StaticFiles(directory=STATIC), name="workbench-static")
    # cases before work: /cases/new and /cases/{number} are more specific than /cases.
    for module in (account, cases, work, supervision, catalog, admin):
        app.include_router(module.router)
