"""Submitting an objection to opened data: the resource must be opened and active; the
objector is a member of the public or a department's caseworker (an organisation)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field
from sqlmodel import Session

from models import CatalogResource
from regulations.compose import Composed
from service.access import Caller
from service.attachments import cited_by_caller
from service.bounds import AttachmentIds
from service.catalog import catalog_resource
from service.errors import Conflict, Invalid
from service.submissions.common import (
    Draft,
    Process,
    Ruleset,
    find_department,
    provider_jurisdiction,
)
from service.text import DESCRIPTION, NAME, Identifier, Line, Text
from service.views import RequestBody
from workflows.common import DepartmentKind, OpenStatus, OpenType, Parties, Role
from workflows.open_data_objection import (
    Evidence,
    Grounds,
    OpenDataObjectionInput,
    OpenDataObjectionPlan,
    OpenDataObjectionWorkflow,
)


class OpenDataObjectionRequest(RequestBody):
    """An objection to a resource opened to the public (hubei 第二十八条)."""

    process: Literal["open_data_objection"]
    ruleset: Ruleset = None
    resource_id: Identifier = Field(title="数据资源")
    grounds: Grounds = Field(
        title="异议事由", description="accuracy 数据有误 / trade_secret / privacy"
    )
    description: Text = Field(min_length=1, max_length=DESCRIPTION, title="异议内容")
    contact: Line = Field(min_length=1, max_length=NAME, title="联系方式")
    attachments: AttachmentIds = Field(
        min_length=1, title="证据材料", description="Ids from POST /attachments (own)."
    )


def opened_resource(session: Session, resource_id: str) -> CatalogResource:
    resource = catalog_resource(session, resource_id)
    if resource.open_type == OpenType.NOT_OPEN:
        raise Invalid(f"数据资源“{resource.name}”属于不予开放类，未向社会开放。", "not_opened")
    if resource.open_status == OpenStatus.SUSPENDED:
        raise Conflict(
            f"数据资源“{resource.name}”已因开放数据异议案件 {resource.suspended_by_case} "
            "暂停开放，正在核实。",
            "resource_suspended",
        )
    if resource.open_status == OpenStatus.WITHDRAWN:
        raise Conflict(f"数据资源“{resource.name}”已撤回开放。", "opening_withdrawn")
    if resource.status == "retired":
        raise Conflict(f"数据资源“{resource.name}”已停用。", "resource_retired")
    return resource


def jurisdiction_of(session: Session, caller: Caller, request: OpenDataObjectionRequest) -> str:
    """The case belongs where the data is held: the provider's jurisdiction."""
    return provider_jurisdiction(session, opened_resource(session, request.resource_id))


def prepare(
    session: Session,
    caller: Caller,
    request: OpenDataObjectionRequest,
    law: Composed,
    received_at: datetime,
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

    return Draft.about(
        resource,
        parties,
        plan,
        grounds=request.grounds,
        description=request.description,
        contact=request.contact,
        evidence=evidence,
        attachment_ids=[a.id for a in attachments if a.id is not None],
    )


OPEN_DATA_OBJECTION = Process(
    workflow=OpenDataObjectionWorkflow,
    input=OpenDataObjectionInput,
    request=OpenDataObjectionRequest,
    submitters=frozenset({Role.PUBLIC, Role.CASEWORKER}),
    prepare=prepare,
    jurisdiction_of=jurisdiction_of,
)
