"""What decisions left behind, for the people concerned: notices and authorizations."""

from __future__ import annotations

from sqlmodel import col, select

from models import Authorization, CatalogResource, Notice
from service.access import Caller, case_matches, readable_authorizations, readable_notices
from service.platform import Platform
from service.validation import Listing, page_of


def list_notices(
    platform: Platform,
    caller: Caller,
    *,
    case_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Listing[Notice]:
    """Notices addressed to the caller's department, or to a member of the public themself
    (auditors: all), newest first."""
    query = select(Notice).where(readable_notices(caller))
    if case_id:
        query = query.where(case_matches(Notice.case_id, case_id))
    query = query.order_by(col(Notice.created_at).desc(), col(Notice.id).desc())
    with platform.session() as session:
        return page_of(session, query, limit, offset)


def list_authorizations(
    platform: Platform,
    caller: Caller,
    *,
    case_id: str | None = None,
    resource_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Listing[tuple[Authorization, CatalogResource]]:
    """Grants the caller may see, newest first, each with its resource: caseworkers those
    their department applied for or provides; supervisors those with a party in their
    jurisdiction; auditors all."""
    query = (
        select(Authorization, CatalogResource)
        .join(CatalogResource, col(Authorization.resource_id) == col(CatalogResource.id))
        .where(readable_authorizations(caller))
    )
    if case_id:
        query = query.where(case_matches(Authorization.case_id, case_id))
    if resource_id:
        query = query.where(Authorization.resource_id == resource_id)
    query = query.order_by(col(Authorization.granted_at).desc(), col(Authorization.id).desc())
    with platform.session() as session:
        found = page_of(session, query, limit, offset)
    return Listing(total=found.total, items=[(grant, resource) for grant, resource in found.items])
