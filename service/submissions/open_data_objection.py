"""Submitting an objection to opened data: the resource must be opened and active; the
objector is a member of the public or a department's caseworker (an organisation)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field
from sqlmodel import Session

from models import CatalogResource, Department
from regulations.compose import Composed
from service.access import Caller
from service.attachments import cited_by_caller
from service.errors import Conflict, Invalid, NotFound
from service.submissions.common import Draft, Process, find_department
from workflows.common import DepartmentKind, OpenType, Parties, Role
from workflows.open_data_objection import (
    Evidence,
    Grounds,
    OpenDataObjectionInput,
    OpenDataObjectionPlan,
    OpenDataObjectionWorkflow,
)


class OpenDataObjectionRequest(BaseModel):
    """An objection to a resource opened to the public (hubei 第二十八条)."""

    process: Literal["open_data_objection"]
    ruleset: str | None = Field(None, description="Omit to use the instrument in force.")
    resource_id: str = Field(min_length=1)
    grounds: Grounds = Field(description="accuracy 数据有误 / trade_secret / privacy")
    description: str = Field(min_length=1, max_length=4000, description="异议内容")
    contact: str = Field(min_length=1, max_length=200, description="联系方式")
    attachments: list[int] = Field(
        min_length=1, max_length=20, description="证据材料: ids from POST /attachments (own)."
    )


def opened_resource(session: Session, resource_id: str) -> CatalogResource:
    resource = session.get(CatalogResource, resource_id)
    if resource is None:
        raise NotFound(f"目录中没有数据资源“{resource_id}”。", "resource_not_found")
    if resource.open_type == OpenType.NOT_OPEN:
        raise Invalid(f"数据资源“{resource.name}”属于不予开放类，未向社会开放。", "not_opened")
    if resource.status == "suspended":
        raise Conflict(
            f"数据资源“{resource.name}”已因开放数据异议案件 {resource.suspended_by_case} "
            "暂停开放，正在核实。",
            "resource_suspended",
        )
    if resource.status != "active":
        raise Conflict(f"数据资源“{resource.name}”已停止开放（{resource.status}）。")
    return resource


def jurisdiction_of(session: Session, caller: Caller, request: OpenDataObjectionRequest) -> str:
    """The case belongs where the data is held: the provider's jurisdiction."""
    resource = opened_resource(session, request.resource_id)
    provider = session.get(Department, resource.provider_id)
    assert provider is not None
    return provider.jurisdiction


def prepare(
    session: Session, caller: Caller, request: OpenDataObjectionRequest, law: Composed
) -> Draft:
    plan = law.plan_of(OpenDataObjectionPlan)
    resource = opened_resource(session, request.resource_id)
    if resource.provider_id == caller.user.department_id:
        raise Invalid("数据提供部门不能对本部门开放的数据提出异议。", "own_data")
    attachments = cited_by_caller(session, caller, request.attachments)
    evidence = [
        Evidence(a.name, a.content_type, a.size, a.sha256, attachment_id=a.id) for a in attachments
    ]
    jurisdiction = jurisdiction_of(session, caller, request)
    parties = Parties(
        applicant=caller.user.department_id,
        provider=resource.provider_id,
        authority=find_department(session, jurisdiction, DepartmentKind.COMPETENT_AUTHORITY),
    )

    def build(case_id: str, case_number: str, received_at: datetime) -> OpenDataObjectionInput:
        return OpenDataObjectionInput(
            case_id=case_id,
            case_number=case_number,
            ruleset=law.id,
            governed_by=list(law.governed_by),
            jurisdiction=jurisdiction,
            received_at=received_at,
            parties=parties,
            plan=plan,
            submitted_by=caller.actor(),
            resource_id=resource.id,
            resource_name=resource.name,
            grounds=request.grounds,
            description=request.description,
            contact=request.contact,
            evidence=evidence,
            attachment_ids=[a.id for a in attachments if a.id is not None],
        )

    return Draft(parties=parties, build=build)


OPEN_DATA_OBJECTION = Process(
    workflow=OpenDataObjectionWorkflow,
    input=OpenDataObjectionInput,
    request=OpenDataObjectionRequest,
    submitters=frozenset({Role.PUBLIC, Role.CASEWORKER}),
    prepare=prepare,
    jurisdiction_of=jurisdiction_of,
)
