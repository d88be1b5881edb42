"""GET /healthz: can this API reach Temporal and the database, and which years can it count."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Response
from sqlalchemy import text

from api.deps import PlatformDep
from calendars import covered_years
from service import stuck

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(response: Response, platform: PlatformDep) -> dict[str, Any]:
    """200 when Temporal and the database answer; 503 otherwise, saying which does not.
    `stuck_cases` counts the cases that cannot go on by themselves (GET /api/v1/cases/stuck
    lists them): an operator's matter, not this process's readiness, so it never makes 503."""
    checks: dict[str, Any] = {}
    try:
        await platform.run(lambda session: session.exec(text("SELECT 1")))  # type: ignore[call-overload]
        checks["database"] = {"ok": True}
    except Exception as error:
        checks["database"] = {"ok": False, "error": str(error)[:200]}
    try:
        client = await platform.temporal()
        await asyncio.wait_for(client.service_client.check_health(), timeout=3)
        checks["temporal"] = {"ok": True, "namespace": client.namespace}
    except Exception as error:
        checks["temporal"] = {"ok": False, "error": str(error)[:200] or type(error).__name__}
    try:
        if not checks["database"]["ok"]:
            raise RuntimeError("database unavailable")  # not asked twice: a bounded answer
        found = await platform.run(stuck.count)
        reported = None
        if checks["temporal"]["ok"]:
            reported = await asyncio.wait_for(stuck.count_reported(platform), timeout=3)
        checks["stuck_cases"] = {
            "ok": found == 0 and not reported,
            "found_by_workers": found,
            "reported_by_temporal": reported,
        }
    except Exception as error:
        checks["stuck_cases"] = {"ok": False, "error": str(error)[:200] or type(error).__name__}
    years = covered_years(platform.calendar())
    checks["calendar"] = {
        "official_years": [y.year for y in years if y.official],
        "provisional_years": [y.year for y in years if not y.official],
    }
    ok = checks["database"]["ok"] and checks["temporal"]["ok"]
    response.status_code = 200 if ok else 503
    return {"status": "ok" if ok else "degraded", **checks}
