"""A provider's proposal to list its catalog resource as not shared (不予共享负面清单): the
only way a resource becomes not-shared (hubei 第二十三条, hebei 第十一条, 809 第十四条)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field
from sqlalchemy import or_
from sqlmodel import Session, col, select

from models import CaseRecord, CaseSubmission
from regulations.compose import Composed
from service.access import Caller
from service.errors import Conflict, Invalid
from service.submissions.common import Draft, Process, Ruleset, own_resource, parties_for
from service.text import DESCRIPTION, LEGAL_BASIS, Identifier, Text
from service.views import RequestBody
from workflows.common import Role
from workflows.negative_listing import (
    BASIS_RANK_LABELS,
    NATIONAL_RANKS,
    BasisRank,
    NegativeListingInput,
    NegativeListingPlan,
    NegativeListingWorkflow,
)


class NegativeListingRequest(RequestBody):
    """A provider's proposal that its resource be not shared, with the legal basis and reasons."""

    process: Literal["negative_listing"]
    ruleset: Ruleset = None
    resource_id: Identifier = Field(title="数据资源")
    basis_rank: BasisRank = Field(
        title="依据位阶",
        description="law 法律 / administrative_regulation 行政法规 / state_council_decision "
        "国务院决定 (809 第十四条 admits only these) / local_regulation / rule / other",
    )
    legal_basis: Text = Field(
        min_length=1, max_length=LEGAL_BASIS, title="法律依据", description="Name and article."
    )
    reasons: Text = Field(min_length=1, max_length=DESCRIPTION, title="不予共享的理由")


def prepare(
    session: Session,
    caller: Caller,
    request: NegativeListingRequest,
    law: Composed,
    received_at: datetime,
) -> Draft:
    plan = law.plan_of(NegativeListingPlan)
    resource = own_resource(session, caller, request.resource_id)
    if plan.rank_cite and request.basis_rank not in NATIONAL_RANKS:
        allowed = "、".join(BASIS_RANK_LABELS[rank] for rank in BasisRank if rank in NATIONAL_RANKS)
        raise Invalid(
            f"不予共享须以{allowed}为依据（{plan.rank_cite}）；"
            f"{BASIS_RANK_LABELS[request.basis_rank]}不能作为不予共享的依据。",
            "basis_rank_insufficient",
        )
    if resource.negative_list_case is not None:
        raise Conflict(
            f"数据资源“{resource.name}”已经{resource.negative_list_approval}列入不予共享负面清单。",
            "already_listed",
        )
    pending = open_proposal(session, resource.id, resource.provider_id)
    if pending is not None:
        raise Conflict(
            f"数据资源“{resource.name}”已有正在办理的列入负面清单申请（{pending}），"
            "请待其办结后再提出。",
            "listing_pending",
        )
    parties = parties_for(session, caller, resource.provider_id, [plan.review, plan.approval])
    return Draft.about(
        resource,
        parties,
        plan,
        basis_rank=request.basis_rank,
        legal_basis=request.legal_basis,
        reasons=request.reasons,
    )


def open_proposal(session: Session, resource_id: str, provider_id: str) -> str | None:
    """The number of a proposal for the resource still open (or not yet projected), if any:
    one proposal at a time, so that two cases never decide the same listing."""
    rows = session.exec(
        select(CaseSubmission.case_id, CaseSubmission.start)
        .outerjoin(CaseRecord, col(CaseRecord.case_id) == CaseSubmission.case_id)
        .where(
            CaseSubmission.process == "negative_listing",
            CaseSubmission.provider_department_id == provider_id,
            col(CaseSubmission.voided_at).is_(None),
            or_(col(CaseRecord.status).is_(None), col(CaseRecord.status) != "closed"),
        )
    ).all()
    return next(
        (
            case_id.split("/", 1)[-1]
            for case_id, start in rows
            if start.get("resource_id") == resource_id
        ),
        None,
    )


NEGATIVE_LISTING = Process(
    workflow=NegativeListingWorkflow,
    input=NegativeListingInput,
    request=NegativeListingRequest,
    submitters=frozenset({Role.CASEWORKER}),
    prepare=prepare,
)
