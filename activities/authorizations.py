"""Grants: authorization rows and catalog entries, each created at most once per case."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, select
from temporalio import activity

from activities.catalog import add_case_entry
from activities.database import commit_once, session
from calendars import BEIJING
from models import Authorization, CatalogResource
from workflows.common import GrantedBy, ShareType


@dataclass(frozen=True)
class GrantAuthorizationInput:
    """An authorization row's columns as the case decided them: stored as they are."""

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
    # Granted under a temporary share type (dongying 第二十条第三款): that case's number.
    reclassified_by_case: str | None = None


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
    """Keyed by case and stage: a retry returns the first grant's id and grants nothing.
    Cases started before grants went with their step's record (`record_step`) run this."""
    with session() as db:
        existing = held_grant(db, request)
        if existing is not None:
            return existing
        grant = new_grant(db, request)
        if not commit_once(db):
            return held_grant(db, request) or 0
        return grant.id or 0


def held_grant(db: Session, request: GrantAuthorizationInput) -> int | None:
    """The id of the grant the request's case made at its stage, if it made it already."""
    query = select(Authorization.id).where(
        Authorization.case_id == request.case_id, Authorization.stage == request.stage
    )
    return db.exec(query).first()


def new_grant(db: Session, request: GrantAuthorizationInput) -> Authorization:
    """Add, uncommitted, the request's grant: its row is the request."""
    grant = Authorization(**asdict(request))
    if request.reclassified_by_case is not None and _restored(db, request):
        # Consent came after the temporary type was restored: the grant it would have been
        # ended with the restore, so it is recorded revoked from the start.
        grant.revoked_at = request.granted_at
        grant.revoked_reason = (
            f"突发公共事件临时调整 {request.reclassified_by_case} 已恢复原共享类型，"
            "临时调整期间受理的申请不再授权。"
        )
    db.add(grant)
    return grant


def _restored(db: Session, request: GrantAuthorizationInput) -> bool:
    """The resource is no longer under the emergency reclassification the request came in."""
    resource = db.get(CatalogResource, request.resource_id)
    return resource is not None and resource.reclassified_by_case != request.reclassified_by_case


@activity.defn
def add_catalog_entry(request: AddCatalogEntryInput) -> str:
    """Data agreed under hubei 第二十二条 enters the catalog; the case number names it."""
    with session() as db:
        return add_case_entry(
            db,
            request.case_id,
            request.case_number,
            name=request.name,
            provider_id=request.provider_id,
            share_type=ShareType.CONDITIONAL,
            legal_basis=request.legal_basis,
            fields=request.fields,
        )


@dataclass(frozen=True)
class EndEmergencyGrantsInput:
    case_number: str  # the emergency reclassification's
    resource_id: str
    restored_at: datetime
    reason: str


@dataclass(frozen=True)
class EndedGrant:
    authorization_id: int
    case_id: str  # the sharing application that granted it
    applicant_department_id: str
    kept_by_case: str | None = None  # None: revoked


@activity.defn
def end_emergency_grants(request: EndEmergencyGrantsInput) -> list[EndedGrant]:
    """On the restore, end the grants made under the temporary share type (dongying 第二十条
    第三款): each is revoked, unless the ordinary procedure has approved it since, i.e. the same
    department holds another unrevoked grant of the resource, not made under a temporary type,
    granted at or after it, valid on the restore day and covering its fields (a grant of the
    whole resource covers any). Set, never toggle: a retry finds them ended and reports them
    again. Returns them in id order."""
    with session() as db:
        grants = db.exec(
            select(Authorization)
            .where(Authorization.reclassified_by_case == request.case_number)
            .order_by(col(Authorization.id))
        ).all()
        ended = []
        for grant in grants:
            if grant.revoked_at is None and grant.kept_by_case is None:
                restored_on = request.restored_at.astimezone(BEIJING).date()
                ordinary = _ordinary_grant_since(db, grant, restored_on)
                if ordinary is None:
                    grant.revoked_at = request.restored_at
                    grant.revoked_reason = request.reason
                else:
                    grant.kept_by_case = ordinary.case_id
                    grant.valid_until = ordinary.valid_until
                db.add(grant)
            ended.append(
                EndedGrant(
                    authorization_id=grant.id or 0,
                    case_id=grant.case_id,
                    applicant_department_id=grant.applicant_department_id,
                    kept_by_case=grant.kept_by_case,
                )
            )
        db.commit()
        return ended


def _ordinary_grant_since(db: Session, grant: Authorization, day: date) -> Authorization | None:
    candidates = db.exec(
        select(Authorization)
        .where(
            Authorization.applicant_department_id == grant.applicant_department_id,
            Authorization.resource_id == grant.resource_id,
            col(Authorization.reclassified_by_case).is_(None),
            col(Authorization.revoked_at).is_(None),
            Authorization.granted_at >= grant.granted_at,
        )
        .order_by(col(Authorization.id))
    ).all()
    for candidate in candidates:
        covers = not candidate.fields or (
            bool(grant.fields) and set(grant.fields) <= set(candidate.fields)
        )
        if covers and (candidate.valid_until is None or candidate.valid_until >= day):
            return candidate
    return None
