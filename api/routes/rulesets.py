"""Rulesets (the instruments as data): /rulesets, /rulesets/{id}.

Every authenticated user reads them; administrators upload a successor instrument (or a
predecessor given its end date). A running case keeps the ruleset it started with.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from api.deps import AdminDep, CallerDep, PlatformDep
from api.schemas import ERRORS, yaml_file_body
from service import rulesets
from service.rulesets import RulesetDetailOut, RulesetOut
from service.validation import decode_text

router = APIRouter(prefix="/api/v1/rulesets", tags=["rulesets"])

MAX_UPLOAD = 1024 * 1024


@router.get("", response_model=list[RulesetOut], responses=ERRORS)
def list_rulesets(platform: PlatformDep, caller: CallerDep) -> list[RulesetOut]:
    """Every loaded ruleset, by id, with whether it is in force today (Beijing time); any
    authenticated user."""
    return rulesets.list_rulesets(platform, caller)


@router.get("/{ruleset_id}", response_model=RulesetDetailOut, responses=ERRORS)
def get_ruleset(ruleset_id: str, platform: PlatformDep, caller: CallerDep) -> RulesetDetailOut:
    """One ruleset with its stage plans; any authenticated user."""
    return rulesets.get_ruleset(platform, caller, ruleset_id)


@router.post(
    "",
    status_code=201,
    response_model=RulesetDetailOut,
    responses={
        **ERRORS,
        200: {"description": "Replaced the ruleset with the same id."},
        413: ERRORS[422],
    },
    openapi_extra=yaml_file_body(MAX_UPLOAD),
)
async def upload_ruleset(
    request: Request, response: Response, platform: PlatformDep, admin: AdminDep
) -> RulesetDetailOut:
    """Add a ruleset from the YAML text of its file (administrators), in the format of
    `regulations/data/*.yaml`. It is validated against the loaded ones (parent, cited
    instruments), saved as `<data_dir>/regulations/<id>.yaml` and loaded at once: 201 for a
    new id, 200 when it replaces one (to give a predecessor its `in_force.until`).

    422 names the file and the field (or the line of a character the text rule refuses); 409
    if it would be in force in the same jurisdiction for the same process on a day another
    instrument is (end the predecessor first); 413 past 1 MB."""
    text = decode_text(await request.body(), "规则集文件")
    ruleset, replaced = await run_in_threadpool(rulesets.upload_ruleset, platform, admin, text)
    if replaced:
        response.status_code = 200
    return ruleset
