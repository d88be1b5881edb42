"""The HTTP application: the JSON API's thin routes over the service layer, its OpenAPI pages
served locally, and the workbench (web/), the second skin over the same service layer."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from fastapi import Depends, FastAPI
from sqlmodel import Session
from temporalio.client import Client

import web as workbench
from api import docs, errors, guard
from api.deps import known_parameters
from api.routes import (
    attachments,
    audit,
    cases,
    catalog,
    catalog_updates,
    dashboard,
    health,
    notices,
    reference,
    reports,
    rulesets,
)
from api.routes import calendars as calendar_routes
from models.db import migrate
from service.platform import Platform, lazy_client, now_utc, use_threads
from shixian.bootstrap import bootstrap_admin
from shixian.settings import Settings, get_settings

log = logging.getLogger(__name__)

DESCRIPTION = """
时限 (Shixian) runs the statutory processes of government data sharing as durable workflows
whose deadlines count Chinese working days.

Authenticate with `Authorization: Bearer <token>`. Errors are `{"code", "message"}`, the message
in Chinese. Times are shown in Beijing time (+08:00).
"""


def create_app(
    settings: Settings | None = None,
    *,
    temporal: Callable[[], Awaitable[Client]] | None = None,
    clock: Callable[[], datetime] = now_utc,
) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        use_threads(settings)
        platform: Platform = app.state.platform

        def prepare(session: Session) -> None:
            migrate(settings.database)
            bootstrap_admin(session, settings.bootstrap_admin_token)

        await platform.run(prepare)
        yield

    app = FastAPI(
        title="时限 Shixian",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.platform = Platform(settings, temporal or lazy_client(settings), clock)
    errors.install(app)
    # Each one added wraps the ones before: the security headers go on every answer (a 500
    # too), and the last resort catches what the guards might raise.
    app.add_middleware(guard.BodyLimit, default=settings.max_json_bytes)
    app.add_middleware(guard.RequestText)
    app.add_middleware(errors.LastResort)
    app.add_middleware(guard.SecurityHeaders)
    # audit before cases: the cases routes' {case_id:path} would take /cases/{id}/history.
    routers = (
        health,
        audit,
        dashboard,
        reports,
        cases,
        reference,
        catalog_updates,
        catalog,
        rulesets,
        calendar_routes,
        attachments,
    )
    for module in (*routers, notices):
        app.include_router(module.router, dependencies=[Depends(known_parameters)])
    docs.install(app)
    # The second skin: the workbench's pages at /, over the same platform.
    workbench.install(app)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            cases.describe_case_requests(generate())
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]
    return app
