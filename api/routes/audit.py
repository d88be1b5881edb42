"""Auditing a case: GET /cases/{case_id}/history, /replay and /timeline.

Registered before the cases router: its `{case_id:path}` would otherwise take these paths.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from api.deps import CallerDep, PlatformDep
from api.schemas import ERRORS
from service import audit

router = APIRouter(prefix="/api/v1/cases", tags=["audit"])


class ReplayOut(BaseModel):
    case_id: str
    ok: bool
    problem: str  # empty when the history replays; else the nondeterminism found


@router.get("/{case_id:path}/history", response_model=dict[str, Any], responses=ERRORS)
async def case_history(case_id: str, platform: PlatformDep, caller: CallerDep) -> dict[str, Any]:
    """The case's full Temporal event history, `{"events": [...]}` as Temporal's CLI and Web UI
    export it: `WorkflowHistory.from_json(case_id, body)` loads it into the Replayer. Auditors,
    and supervisors of the case's jurisdiction. `case_id` may be the case number alone."""
    return await audit.history(platform, caller, case_id)


@router.get("/{case_id:path}/replay", response_model=ReplayOut, responses=ERRORS)
async def replay_case(case_id: str, platform: PlatformDep, caller: CallerDep) -> ReplayOut:
    """Replay the case's history against the workflow code this server runs: `ok` false and
    the nondeterminism in `problem` if the code no longer reproduces what happened. Auditors,
    and supervisors of the case's jurisdiction."""
    outcome = await audit.replay_case(platform, caller, case_id)
    return ReplayOut(case_id=outcome.workflow_id, ok=outcome.ok, problem=outcome.problem)


@router.get(
    "/{case_id:path}/timeline",
    response_class=HTMLResponse,
    responses={**ERRORS, 200: {"content": {"text/html": {}}}},
)
async def case_timeline(case_id: str, platform: PlatformDep, caller: CallerDep) -> HTMLResponse:
    """A printable audit timeline in Chinese (HTML): each step, who acted (user, department,
    role), when (Beijing time), the deadline that applied with its article, met or missed by
    how many working days, the notices sent, and the ruleset and the State Council calendar
    notices the deadlines were counted by. Auditors, and supervisors of the jurisdiction."""
    timeline = await audit.timeline(platform, caller, case_id)
    return HTMLResponse(audit.render_timeline(timeline))
