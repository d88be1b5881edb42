"""What decisions left behind, for the people concerned: /notices and /authorizations.

Caseworkers and supervisors read the notices addressed to their department, members of the
public those addressed to them; caseworkers the
authorizations their department holds or granted, supervisors those of their jurisdiction;
auditors everything.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import CallerDep, PlatformDep
from api.schemas import ERRORS, Offset
from models import Authorization
from service import notices
from service.views import BeijingTime, Page

router = APIRouter(prefix="/api/v1", tags=["notices and authorizations"])

CaseFilter = Annotated[
    str | None, Query(description="Full case id, or the case number alone (HB419-2026-000001).")
]
Limit = Annotated[int, Query(ge=1, le=500)]


class NoticeOut(BaseModel):
    id: int
    case_id: str
    kind: str
    recipient_department_id: str | None
    recipient_user_id: int | None
    title: str
    body: str
    created_at: BeijingTime


class AuthorizationOut(BaseModel):
    id: int
    case_id: str
    stage: str
    applicant_department_id: str
    provider_department_id: str
    resource_id: str
    resource_name: str
    granted_by: str
    fields: list[str]
    purpose: str
    scenario: str
    cite: str
    granted_at: BeijingTime
    valid_until: date | None = Field(
        description="Last day of use; for a grant made under a temporary share type (dongying "
        "第二十条第三款), never later than that type's last day."
    )
    revoked_at: BeijingTime | None
    revoked_reason: str = Field("", description="Why it was revoked, e.g. the restore.")
    reclassified_by_case: str | None = Field(
        None,
        description="Granted under a temporary share type: the reclassification case number. "
        "Such a grant is revoked on the restore unless the ordinary procedure approved it since.",
    )
    kept_by_case: str | None = Field(
        None,
        description="A grant made under a temporary share type kept on the restore: the case "
        "whose ordinary grant covers it.",
    )


GRANT_ATTRIBUTES = [
    name for name in AuthorizationOut.model_fields if name in Authorization.model_fields
]


@router.get("/notices", response_model=Page[NoticeOut], responses=ERRORS)
def list_notices(
    platform: PlatformDep,
    caller: CallerDep,
    case_id: CaseFilter = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[NoticeOut]:
    """Notices, newest first: caseworkers and supervisors those addressed to their
    department; members of the public those addressed to them; auditors all."""
    found = notices.list_notices(platform, caller, case_id=case_id, limit=limit, offset=offset)
    return Page[NoticeOut].of(
        found, limit, offset, lambda n: NoticeOut.model_validate(n, from_attributes=True)
    )


@router.get("/authorizations", response_model=Page[AuthorizationOut], responses=ERRORS)
def list_authorizations(
    platform: PlatformDep,
    caller: CallerDep,
    case_id: CaseFilter = None,
    resource_id: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[AuthorizationOut]:
    """Authorizations granted by cases, newest first: caseworkers those where their
    department is the applicant or provides the resource; supervisors those with either
    party in their jurisdiction; auditors all."""
    found = notices.list_authorizations(
        platform,
        caller,
        case_id=case_id,
        resource_id=resource_id,
        limit=limit,
        offset=offset,
    )
    items = [
        AuthorizationOut.model_validate(
            {
                **{name: getattr(grant, name) for name in GRANT_ATTRIBUTES},
                "provider_department_id": resource.provider_id,
                "resource_name": resource.name,
            }
        )
        for grant, resource in found.items
    ]
    return Page[AuthorizationOut](total=found.total, limit=limit, offset=offset, items=items)
