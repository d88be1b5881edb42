"""Cases: POST /cases, GET /cases, GET /cases/{case_id}, POST /cases/{case_id}/actions/{action}."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Header, Query, Response
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from api.deps import CallerDep, PlatformDep
from api.schemas import ERRORS, Offset
from service import cases
from service.submissions import PROCESSES
from service.views import ActionBody, CaseOut, CaseSummary, Page

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])

PERIOD_BOUND = (
    "A Beijing date (2026-11-29: the whole day, both ends of a range included) or an instant "
    "(ISO 8601; without a zone, Beijing time; an instant `received_to` is exclusive)."
)


@router.post("", status_code=201, response_model=CaseOut, responses=ERRORS)
async def submit_case(
    response: Response,
    platform: PlatformDep,
    caller: CallerDep,
    body: Annotated[
        dict[str, Any],
        Body(
            examples=[
                {
                    "process": "sharing_application",
                    "resource_id": "hubei-hukou",
                    "purpose": "核验申请人户籍信息",
                    "scenario": "公租房资格审核",
                    "fields": ["姓名", "身份证号", "户籍地址"],
                },
                {
                    "process": "negative_listing",
                    "resource_id": "hubei-hukou",
                    "basis_rank": "law",
                    "legal_basis": "《中华人民共和国居民身份证法》第十九条",
                    "reasons": "涉及公民个人身份信息，法律明确规定不得向其他部门提供。",
                },
            ]
        ),
    ],
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> CaseOut:
    """Submit a case. `process` picks the kind; the rest of the body is that process's request
    (see docs/processes/). The ruleset is the instrument in force for the caller's jurisdiction
    on the day of receipt. The same `Idempotency-Key` returns the same case."""
    case, new = await cases.submit(platform, caller, body, idempotency_key)
    if not new:
        response.headers["Idempotent-Replayed"] = "true"
    return case


@router.get("", response_model=Page[CaseSummary], responses=ERRORS)
def list_cases(
    platform: PlatformDep,
    caller: CallerDep,
    process: str | None = None,
    ruleset: str | None = None,
    stage: str | None = None,
    status: Annotated[str | None, Query(pattern="^(open|closed)$")] = None,
    department: Annotated[str | None, Query(description="Requesting or providing.")] = None,
    overdue: bool | None = None,
    due_within: Annotated[int | None, Query(ge=0, le=60, description="Working days.")] = None,
    received_from: Annotated[str | None, Query(max_length=40, description=PERIOD_BOUND)] = None,
    received_to: Annotated[str | None, Query(max_length=40, description=PERIOD_BOUND)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> Page[CaseSummary]:
    """Cases the caller may see, soonest due first: supervisors their jurisdiction, caseworkers
    their department, auditors all."""
    return cases.list_cases(
        platform,
        caller,
        process=process,
        ruleset=ruleset,
        stage=stage,
        status=status,
        department=department,
        overdue=overdue,
        due_within=due_within,
        received_from=received_from,
        received_to=received_to,
        limit=limit,
        offset=offset,
    )


@router.post("/{case_id:path}/actions/{action}", response_model=CaseOut, responses=ERRORS)
async def act_on_case(
    case_id: str,
    action: str,
    response: Response,
    platform: PlatformDep,
    caller: CallerDep,
    body: Annotated[
        ActionBody | None,
        Body(
            examples=[
                {"reason": "申请用途与所需数据不相符"},
                # negative_listing: the government's approval, its document number and date.
                {"note": "鄂政函〔2026〕88号", "decision": "2026-12-08"},
                # sharing_application `deliver` (809 第二十二条): the method and its reference.
                {"decision": "batch_exchange", "note": "交换批次号 HB-20261201-07"},
                # request_supplement (809 第二十一条第二款): everything missing, at once.
                {
                    "items": [
                        {"item": "数据安全承诺书", "reason": "有条件共享数据须提交安全承诺书"},
                        {"item": "应用场景依据文件", "reason": "未附最低生活保障审核的依据"},
                    ]
                },
                # supplement: what was supplemented, and one's own uploads (POST /attachments).
                {"note": "已补交安全承诺书和依据文件", "attachment_ids": [12]},
                # sharing_application, 809 第二十八条: a negotiation that failed; a coordination
                # referred to the government; the government's decision, as an approval above.
                {"decision": "failed", "reason": "提供部门坚持不予共享，双方未能达成一致"},
                {"decision": "unresolved", "reason": "经协调双方仍未达成一致意见"},
                {"note": "鄂政函〔2026〕95号", "decision": "2026-12-15"},
            ]
        ),
    ] = None,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> CaseOut:
    """Take an action. 403: not this caller's to take; 409: not at this stage (or a second
    supplement request: `supplement_already_requested`); 422: the payload is unfit (a refusal
    without reasons, a supplement request without items). A refused action changes nothing.

    503 when the case could not answer in time (at most `SHIXIAN_ACTION_WAIT` seconds): the
    body says why (`no_worker`, `case_stuck`, `workflow_busy`, `temporal_unavailable`) and
    whether the action was `recorded` (then it is applied as of its receipt; do not send it
    again) or not (send it again later). The same `Idempotency-Key` with the same body gets
    the first final answer again (`Idempotent-Replayed: true`); with another body, 409."""
    case, replayed = await cases.act(
        platform, caller, case_id, action, body or ActionBody(), idempotency_key
    )
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return case


@router.get("/{case_id:path}", response_model=CaseOut, responses=ERRORS)
async def get_case(case_id: str, platform: PlatformDep, caller: CallerDep) -> CaseOut:
    """The case as the caller sees it, with the actions the caller may take now. `case_id` is
    the full id (`sharing-application/HB419-2026-000001`) or the case number alone."""
    return await cases.view(platform, caller, case_id)


def describe_case_requests(openapi: dict[str, Any]) -> None:
    """Document POST /cases' body as one of the processes' requests, told apart by `process`.

    The route reads a plain object, so that an unknown or missing `process` gets its own
    Chinese error before the process's model validates the rest."""
    models: list[tuple[type[BaseModel], Literal["validation"]]] = [
        (process.request, "validation") for process in PROCESSES.values()
    ]
    _, definitions = models_json_schema(models, ref_template="#/components/schemas/{model}")
    openapi.setdefault("components", {}).setdefault("schemas", {}).update(
        definitions.get("$defs", {})
    )
    mapping = {
        name: f"#/components/schemas/{process.request.__name__}"
        for name, process in PROCESSES.items()
    }
    body = openapi["paths"]["/api/v1/cases"]["post"]["requestBody"]["content"]["application/json"]
    body["schema"] = {
        "title": "CaseRequest",
        "oneOf": [{"$ref": ref} for ref in mapping.values()],
        "discriminator": {"propertyName": "process", "mapping": mapping},
        "examples": body["schema"].get("examples", []),
    }
