"""Grants: authorization rows and catalog entries, each created at most once per case."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from temporalio import activity

from activities.database import session
from models import Authorization, CatalogResource
from workflows.common import GrantedBy, ShareType


@dataclass(frozen=True)
class GrantAuthorizationInput:
    case_id: str
    stage: str
    applicant_department_id: str
    resource_id: str
    granted_by: GrantedBy
    purpose: str
    scenario: str
    granted_at: datetime
    cite: str
    fields: list[str] = field(default_factory=list)
    valid_until: date | None = None


@dataclass(frozen=True)
class AddCatalogEntryInput:
    case_id: str
    case_number: str
    name: str
    provider_id: str
    legal_basis: str
    fields: list[str] = field(default_factory=list)


@activity.defn
def grant_authorization(request: GrantAuthorizationInput) -> int:
    """Keyed by case and stage: a retry returns the first grant's id and grants nothing."""
    query = select(Authorization).where(
        Authorization.case_id == request.case_id, Authorization.stage == request.stage
    )
    with session() as db:
        existing = db.exec(query).first()
        if existing is not None:
            return existing.id or 0
        grant = Authorization(
            case_id=request.case_id,
            stage=request.stage,
            applicant_department_id=request.applicant_department_id,
            resource_id=request.resource_id,
            granted_by=request.granted_by,
            fields=list(request.fields),
            purpose=request.purpose,
            scenario=request.scenario,
            cite=request.cite,
            granted_at=request.granted_at,
            valid_until=request.valid_until,
        )
        db.add(grant)
        try:
            db.commit()
        except IntegrityError:
            db.rollback()
            return db.exec(query).one().id or 0
        return grant.id or 0


@activity.defn
def add_catalog_entry(request: AddCatalogEntryInput) -> str:
    """Data agreed under hubei 第二十二条 enters the catalog; the case number names it."""
    resource_id = f"R-{request.case_number}"
    with session() as db:
        if db.get(CatalogResource, resource_id) is None:
            db.add(
                CatalogResource(
                    id=resource_id,
                    name=request.name,
                    provider_id=request.provider_id,
                    share_type=ShareType.CONDITIONAL,
                    legal_basis=request.legal_basis,
                    fields=list(request.fields),
                    created_by_case=request.case_id,
                )
            )
            try:
                db.commit()
            except IntegrityError:
                db.rollback()
    return resource_id
