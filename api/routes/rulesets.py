"""Rulesets (the instruments as data): /rulesets, /rulesets/{id}.

Every authenticated user reads them; administrators upload a successor instrument (or a
predecessor given its end date). A running case keeps the ruleset it started with.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from api import crud
from api.deps import AdminDep, CallerDep, ClockDep, RulesetsDep, SettingsDep
from api.errors import Invalid, NotFound
from api.schemas import ERRORS
from calendars import BEIJING
from regulations import Ruleset
from regulations.loader import PACKAGED

router = APIRouter(prefix="/api/v1/rulesets", tags=["rulesets"])

MAX_UPLOAD = 1024 * 1024


class InForceOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: date = Field(alias="from")
    until: date | None = Field(description="Inclusive; null while no end is set.")


class RulesetOut(BaseModel):
    id: str
    title: str
    number: str = Field(description="文号 of the instrument.")
    level: str
    jurisdiction: str
    parent: str | None
    in_force: InForceOut
    in_force_text: str
    status: str = Field(description="Today in Beijing time: in_force, ended or not_yet.")
    case_prefix: str
    processes: list[str]
    origin: str = Field(description="packaged (shipped with Shixian) or uploaded.")


class RulesetDetailOut(RulesetOut):
    plans: dict[str, Any] = Field(
        description="Per process, the plan its workflow runs: per track the stages, who acts, "
        "the working days, what happens when time runs out, and the article cited."
    )


def _out(ruleset: Ruleset, today: date) -> dict[str, Any]:
    spec = ruleset.spec
    return {
        "id": spec.id,
        "title": spec.title,
        "number": spec.number,
        "level": spec.level,
        "jurisdiction": spec.jurisdiction,
        "parent": spec.parent,
        "in_force": {"from": spec.in_force.from_, "until": spec.in_force.until},
        "in_force_text": ruleset.window_text(),
        "status": ruleset.status_on(today),
        "case_prefix": spec.case_prefix,
        "processes": crud.defined_processes(ruleset),
        "origin": "packaged" if ruleset.source.startswith(str(PACKAGED)) else "uploaded",
    }


def _detail(ruleset: Ruleset, today: date) -> RulesetDetailOut:
    plans = {}
    for process in crud.defined_processes(ruleset):
        plan = ruleset.plan_for(process)
        plans[process] = TypeAdapter(type(plan)).dump_python(plan, mode="json")
    return RulesetDetailOut.model_validate({**_out(ruleset, today), "plans": plans})


@router.get("", response_model=list[RulesetOut], responses=ERRORS)
def list_rulesets(rulesets: RulesetsDep, caller: CallerDep, clock: ClockDep) -> list[RulesetOut]:
    """Every loaded ruleset, by id, with whether it is in force today (Beijing time); any
    authenticated user."""
    today = clock().astimezone(BEIJING).date()
    return [RulesetOut.model_validate(_out(r, today)) for r in rulesets]


@router.get("/{ruleset_id}", response_model=RulesetDetailOut, responses=ERRORS)
def get_ruleset(
    ruleset_id: str, rulesets: RulesetsDep, caller: CallerDep, clock: ClockDep
) -> RulesetDetailOut:
    """One ruleset with its stage plans; any authenticated user."""
    ruleset = rulesets.get(ruleset_id)
    if ruleset is None:
        raise NotFound(f"规则集“{ruleset_id}”不存在。", "ruleset_not_found")
    return _detail(ruleset, clock().astimezone(BEIJING).date())


@router.post(
    "",
    status_code=201,
    response_model=RulesetDetailOut,
    responses={**ERRORS, 200: {"description": "Replaced the ruleset with the same id."}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/yaml": {"schema": {"type": "string"}}},
        }
    },
)
async def upload_ruleset(
    request: Request,
    response: Response,
    admin: AdminDep,
    rulesets: RulesetsDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> RulesetDetailOut:
    """Add a ruleset from the YAML text of its file (administrators), in the format of
    `regulations/data/*.yaml`. It is validated against the loaded ones (parent, cited
    instruments), saved as `<data_dir>/regulations/<id>.yaml` and loaded at once: 201 for a
    new id, 200 when it replaces one (to give a predecessor its `in_force.until`).

    422 names the file and the field; 409 if it would be in force in the same jurisdiction
    for the same process on a day another instrument is (end the predecessor first)."""
    data = await request.body()
    if len(data) > MAX_UPLOAD:
        raise Invalid("规则集文件过大：不能超过 1 MB。", "upload_too_large")
    text = crud.decode_text(data, "规则集文件")
    if not text.strip():
        raise Invalid("请求体应为规则集文件的 YAML 文本，当前为空。", "ruleset_invalid")
    ruleset, reloaded, replaced = crud.save_ruleset(
        rulesets=rulesets, directory=settings.data_dir / "regulations", text=text
    )
    if replaced:
        response.status_code = 200
    return _detail(ruleset, clock().astimezone(BEIJING).date())
