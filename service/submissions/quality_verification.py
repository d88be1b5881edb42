"""Raising a quality verification request (疑义/错误数据校核): a using department's caseworker,
or the platform operator (a supervisor of the competent authority or service centre), doubts
data of a catalog resource. The case belongs where the data is held: the provider's
jurisdiction."""

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
from service.errors import Invalid
from service.labels import label
from service.submissions.common import (
    Draft,
    Process,
    Ruleset,
    parties_for,
    provider_jurisdiction,
)
from service.text import DESCRIPTION, FieldNames, Identifier, RecordIds, Text
from service.views import RequestBody
from workflows.common import Role
from workflows.quality_verification import (
    QualityVerificationInput,
    QualityVerificationPlan,
    QualityVerificationWorkflow,
)


class QualityVerificationRequest(RequestBody):
    """Doubtful or erroneous data of a catalog resource, with evidence."""

    process: Literal["quality_verification"]
    ruleset: Ruleset = None
    resource_id: Identifier = Field(title="数据资源")
    description: Text = Field(min_length=1, max_length=DESCRIPTION, title="疑义或错误的说明")
    fields: FieldNames = Field(
        default_factory=list, title="存疑字段", description="The fields in doubt, if any."
    )
    records: RecordIds = Field(
        default_factory=list, title="存疑记录", description="Identifiers of the records in doubt."
    )
    attachments: AttachmentIds = Field(
        default_factory=list, title="证据材料", description="Ids from POST /attachments (own)."
    )
    conflicting_resource_id: Identifier | None = Field(
        None,
        title="数据不一致的另一资源",
        description="Lichuan: another department's resource whose data conflicts with this "
        "one; the service centre then verifies jointly with both providers.",
    )


def jurisdiction_of(session: Session, caller: Caller, request: QualityVerificationRequest) -> str:
    return provider_jurisdiction(session, catalog_resource(session, request.resource_id))


def prepare(
    session: Session,
    caller: Caller,
    request: QualityVerificationRequest,
    law: Composed,
    received_at: datetime,
) -> Draft:
    plan = law.plan_of(QualityVerificationPlan)
    resource = catalog_resource(session, request.resource_id)
    if resource.provider_id == caller.user.department_id:
        raise Invalid("数据提供部门不能对本部门的数据提出校核申请，请直接更正。", "own_data")
    unknown = sorted(set(request.fields) - set(resource.fields))
    if unknown:
        raise Invalid(f"数据资源“{resource.name}”没有这些字段：{'、'.join(unknown)}。")
    other: CatalogResource | None = None
    if request.conflicting_resource_id:
        if plan.joint_verification is None:
            raise Invalid(
                f"《{law.title}》未规定多部门数据不一致的联合核实程序。",
                "joint_verification_not_provided",
            )
        other = catalog_resource(session, request.conflicting_resource_id)
        if other.provider_id == resource.provider_id:
            raise Invalid(
                "数据不一致的另一数据资源须由另一部门提供。", "conflicting_resource_same_provider"
            )
    attachments = cited_by_caller(session, caller, request.attachments)
    stages = [plan.verification, plan.dispute_period, plan.dispute_review]
    stages += [s for s in (plan.forwarding, plan.joint_verification if other else None) if s]
    parties = parties_for(
        session,
        caller,
        resource.provider_id,
        stages,
        provider_jurisdiction(session, resource),
        second_provider=other.provider_id if other else None,
        stage_label=lambda stage: label("stages", "quality_verification", stage),
    )

    return Draft.about(
        resource,
        parties,
        plan,
        description=request.description,
        fields=list(request.fields),
        records=list(request.records),
        attachment_ids=[a.id for a in attachments if a.id is not None],
        conflicting_resource_id=other.id if other else "",
        conflicting_resource_name=other.name if other else "",
        second_provider=other.provider_id if other else "",
    )


QUALITY_VERIFICATION = Process(
    workflow=QualityVerificationWorkflow,
    input=QualityVerificationInput,
    request=QualityVerificationRequest,
    # Supervisors of the competent authority or service centre act as the platform operator.
    submitters=frozenset({Role.CASEWORKER, Role.SUPERVISOR}),
    prepare=prepare,
    jurisdiction_of=jurisdiction_of,
)
