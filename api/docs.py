"""/docs (Swagger UI) and /redoc (ReDoc) with every asset served from this server: government
intranets reach no CDN, and FastAPI's own pages load their scripts from one.

The files come from the fastapi-offline package, which ships Swagger UI 5 and ReDoc 2 (the
swagger-ui-bundle package ships Swagger UI 4, which cannot show FastAPI's OpenAPI 3.1
documents). Only its static files are used, not its FastAPI subclass."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"
PREFIX = "/static/openapi"
# ReDoc's bundle shows a "by Redocly" logo from its CDN; this policy keeps the browser from
# fetching anything but this server's files (the logo then hides itself).
LOCAL_ONLY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'"
)


def local_only(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = LOCAL_ONLY
    return page


def install(app: FastAPI) -> None:
    """Serve the OpenAPI pages locally; `app` must be made with docs_url=redoc_url=None."""
    app.mount(PREFIX, StaticFiles(directory=ASSETS), name="openapi-static")
    openapi_url = app.openapi_url or "/openapi.json"
    redirect_url = "/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=redirect_url,
            swagger_js_url=f"{PREFIX}/swagger-ui-bundle.js",
            swagger_css_url=f"{PREFIX}/swagger-ui.css",
            swagger_favicon_url=f"{PREFIX}/favicon.png",
            # The validator badge would call validator.swagger.io.
            swagger_ui_parameters={"validatorUrl": None},
        )
        return local_only(page)

    @app.get(redirect_url, include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        page = get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{PREFIX}/redoc.standalone.js",
            redoc_favicon_url=f"{PREFIX}/favicon.png",
            with_google_fonts=False,
        )
        return local_only(page)
