"""Submitting a sharing application: resource, provider, track and parties, checked up front."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field
from sqlmodel import Session

from calendars import BEIJING
from models import CatalogResource, Department
from regulations.compose import Composed
from service.access import Caller
from service.bounds import Day
from service.catalog import catalog_resource
from service.errors import Conflict, Invalid, NotFound
from service.submissions.common import Draft, Process, Ruleset, parties_for
from service.text import NAME, PURPOSE, FieldNames, Identifier, Line, Text
from service.views import RequestBody
from workflows.common import RESOURCE_STATUS_LABELS, DeliveryMethod, Role, ShareType
from workflows.sharing_application import (
    SharingApplicationInput,
    SharingApplicationPlan,
    SharingApplicationWorkflow,
    Track,
)


class SharingApplicationRequest(RequestBody):
    """A caseworker's application for another department's data."""

    process: Literal["sharing_application"]
    ruleset: Ruleset = None
    resource_id: Identifier | None = Field(
        None,
        title="数据资源",
        description="Catalog resource; omit for data not yet in the catalog.",
    )
    requested_name: Line = Field(
        "",
        max_length=NAME,
        title="所需数据",
        description="Data not in the catalog: what is asked for.",
    )
    provider_id: Identifier | None = Field(
        None, title="提供部门", description="Data not in the catalog: who holds it."
    )
    purpose: Text = Field(min_length=1, max_length=PURPOSE, title="用途")
    scenario: Text = Field(min_length=1, max_length=PURPOSE, title="应用场景")
    fields: FieldNames = Field(
        default_factory=list, title="申请字段", description="Fields asked for (最小够用)."
    )
    valid_until: Day | None = Field(
        None, title="使用期限", description="End of the period of use, if limited."
    )


def _provider_department(session: Session, request: SharingApplicationRequest) -> Department | None:
    if request.resource_id is not None:
        resource = catalog_resource(session, request.resource_id)
        return session.get(Department, resource.provider_id)
    return session.get(Department, request.provider_id) if request.provider_id else None


def jurisdiction_of(session: Session, caller: Caller, request: SharingApplicationRequest) -> str:
    """The provider's: its instruments govern its reply, and its authority reviews (RULES.md
    section 0). A Hubei order cannot bind Hebei's police."""
    provider = _provider_department(session, request)
    return provider.jurisdiction if provider is not None else caller.jurisdiction or ""


def track_of(session: Session, caller: Caller, request: SharingApplicationRequest) -> str | None:
    if request.resource_id is None:
        return Track.NOT_IN_CATALOG.value
    resource = session.get(CatalogResource, request.resource_id)
    if resource is None or listed(resource):
        return None  # refused by `prepare`, citing the negative list
    return track_for(resource).value


def listed(resource: CatalogResource) -> bool:
    """On the negative list: not-shared with the government's approval recorded."""
    return resource.share_type == ShareType.NOT_SHARED and resource.negative_list_case is not None


def track_for(resource: CatalogResource) -> Track:
    """A department's own not-shared mark is not the list: until an approval is recorded the
    resource runs as conditional data (RULES.md section 0, negative list)."""
    if resource.share_type == ShareType.NOT_SHARED:
        return Track.CONDITIONAL
    return Track(resource.share_type)


def prepare(
    session: Session,
    caller: Caller,
    request: SharingApplicationRequest,
    law: Composed,
    received_at: datetime,
) -> Draft:
    plan = law.plan_of(SharingApplicationPlan)
    if request.resource_id is not None:
        resource = catalog_resource(session, request.resource_id)
        # An objection suspends or withdraws the opening only (open_status): sharing between
        # departments runs on (hubei 第三条).
        if resource.status != "active":
            labels = RESOURCE_STATUS_LABELS.items()
            status = next((name for key, name in labels if key == resource.status), "状态未知")
            raise Conflict(
                f"数据资源“{resource.name}”当前不可申请（{status}）。",
                "resource_unavailable",
            )
        if listed(resource):
            raise Invalid(
                f"数据资源“{resource.name}”列入不予共享负面清单"
                f"（{resource.negative_list_approval}），依据{plan.not_shared_cite}不予受理。",
                "not_shared",
            )
        unknown = sorted(set(request.fields) - set(resource.fields))
        if unknown:
            raise Invalid(f"数据资源“{resource.name}”没有这些字段：{'、'.join(unknown)}。")
        track = track_for(resource)
        provider, name = resource.provider_id, resource.name
        # A temporary share type (dongying 第二十条第三款) gave the track: the grant ends with it.
        reclassified = (resource.reclassified_by_case, resource.reclassified_until)
        delivery = DeliveryMethod(resource.delivery_method)
    else:
        if Track.NOT_IN_CATALOG not in plan.tracks:
            raise Invalid(f"《{law.title}》未规定目录外数据的申请程序，请指定目录资源。")
        if not request.requested_name.strip() or not request.provider_id:
            raise Invalid(
                "申请目录外数据，须说明所需数据（requested_name）和提供部门（provider_id）。"
            )
        if session.get(Department, request.provider_id) is None:
            raise NotFound(f"没有部门“{request.provider_id}”。", "department_not_found")
        track, provider, name = Track.NOT_IN_CATALOG, request.provider_id, request.requested_name
        reclassified = (None, None)
        # Its consent adds the data to the catalog and grants on the platform (hubei 第二十二条).
        delivery = DeliveryMethod.INTERFACE
    if provider == caller.user.department_id:
        raise Invalid("不能向本部门申请共享本部门的数据。", "own_data")
    track_plan = plan.tracks.get(track)
    if track_plan is None:
        raise Invalid(f"《{law.title}》未规定此类数据的共享程序。")
    after = [plan.refused, plan.coordination]
    if delivery is not DeliveryMethod.INTERFACE:
        after += [plan.delivery, plan.confirmation]
    stages = list(track_plan.stages) + [s for s in after if s]
    if plan.dispute is not None:  # 809 第二十八条's ladder: each step's actor must be here
        dispute = plan.dispute
        stages += [dispute.negotiation, dispute.negotiation_failed, dispute.government_decision]
    jurisdiction = jurisdiction_of(session, caller, request)
    parties = parties_for(session, caller, provider, stages, jurisdiction)

    if (
        request.valid_until is not None
        and request.valid_until < received_at.astimezone(BEIJING).date()
    ):
        raise Invalid("使用期限（valid_until）不能早于申请之日。", "valid_until_in_past")
    return Draft(
        parties=parties,
        fields={
            "track": track,
            "plan": plan,
            "purpose": request.purpose,
            "scenario": request.scenario,
            "resource_id": request.resource_id,
            "resource_name": name,
            "fields": list(request.fields),
            "valid_until": request.valid_until,
            "reclassified_by_case": reclassified[0],
            "reclassified_until": reclassified[1],
            "delivery_method": delivery,
        },
    )


SHARING_APPLICATION = Process(
    workflow=SharingApplicationWorkflow,
    input=SharingApplicationInput,
    request=SharingApplicationRequest,
    submitters=frozenset({Role.CASEWORKER}),
    prepare=prepare,
    jurisdiction_of=jurisdiction_of,
    track_of=track_of,
)
