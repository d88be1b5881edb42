"""Submitting a demand for data not yet on the platform (dongying 第二十三条): on the green
channel, with grounds and a justification, or on the ordinary track (动态调度)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field
from sqlmodel import Session

from models import CatalogResource, Department
from regulations.compose import Composed
from service.access import Caller
from service.errors import Invalid, NotFound
from service.submissions.common import Draft, Process, Ruleset, parties_for
from service.text import DESCRIPTION, NAME, PURPOSE, FieldNames, Identifier, Line, Text
from service.views import RequestBody
from workflows.common import Role
from workflows.green_channel import (
    GreenChannelInput,
    GreenChannelPlan,
    GreenChannelWorkflow,
    Grounds,
    Track,
)


class GreenChannelRequest(RequestBody):
    """A using department's demand for data that is not yet on the platform."""

    process: Literal["green_channel"]
    ruleset: Ruleset = None
    track: Track = Field(
        Track.GREEN, title="渠道", description="green 绿色通道 / ordinary 动态调度"
    )
    provider_id: Identifier = Field(
        title="提供部门", description="The department holding the data."
    )
    data_name: Line = Field("", max_length=NAME, title="需求数据名称")
    resource_id: Identifier | None = Field(
        None,
        title="数据资源",
        description="The provider's catalog entry, if the data is catalogued already.",
    )
    purpose: Text = Field(min_length=1, max_length=PURPOSE, title="用途")
    scenario: Text = Field(min_length=1, max_length=PURPOSE, title="应用场景")
    grounds: Grounds | None = Field(
        None,
        title="事由",
        description="special_business 特殊业务 / public_emergency 紧急突发公共事件",
    )
    justification: Text = Field("", max_length=DESCRIPTION, title="申请绿色通道的理由")
    fields: FieldNames = Field(default_factory=list, title="需求字段")


def prepare(
    session: Session,
    caller: Caller,
    request: GreenChannelRequest,
    law: Composed,
    received_at: datetime,
) -> Draft:
    plan = law.plan_of(GreenChannelPlan)
    if request.track is Track.GREEN and (
        request.grounds is None or not request.justification.strip()
    ):
        raise Invalid(
            "申请绿色通道须说明事由（grounds：special_business 特殊业务或 public_emergency "
            "紧急突发公共事件）和理由（justification）。",
            "green_channel_grounds",
        )
    provider = session.get(Department, request.provider_id)
    if provider is None:
        raise NotFound(f"部门“{request.provider_id}”不存在。", "department_not_found")
    if provider.id == caller.user.department_id:
        raise Invalid("不能向本部门提出数据共享需求。", "own_data")
    name = request.data_name.strip()
    if request.resource_id is not None:
        resource = session.get(CatalogResource, request.resource_id)
        if resource is None or resource.provider_id != provider.id:
            raise Invalid(
                f"数据资源“{request.resource_id}”不是{provider.name}的目录资源。",
                "resource_not_of_provider",
            )
        name = name or resource.name
    if not name:
        raise Invalid("请填写需求数据名称（data_name）或目录资源（resource_id）。", "data_name")
    stages = [plan.green.feedback] + ([plan.review] if request.track is Track.GREEN else [])
    parties = parties_for(session, caller, provider.id, stages)

    return Draft(
        parties=parties,
        fields={
            "plan": plan,
            "track": request.track,
            "data_name": name,
            "purpose": request.purpose,
            "scenario": request.scenario,
            "grounds": request.grounds,
            "justification": request.justification,
            "fields": list(request.fields),
            "resource_id": request.resource_id,
        },
    )


GREEN_CHANNEL = Process(
    workflow=GreenChannelWorkflow,
    input=GreenChannelInput,
    request=GreenChannelRequest,
    submitters=frozenset({Role.CASEWORKER}),
    prepare=prepare,
)
