"""Catalog effects of dongying 第二十条 and 第二十三条: data delivered through the green channel
or dynamic scheduling, a share type changed for an emergency and restored, and the holders of
a resource told of a service change. Each is set-not-toggle: a retry changes nothing more."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import col, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.catalog import add_case_entry, catalog_resource, save_new_version
from activities.database import session
from models import Authorization
from workflows.common import ShareType


@dataclass(frozen=True)
class DeliverResourceInput:
    case_id: str
    case_number: str
    resource_id: str | None  # an existing entry, or None: a new one named after the case
    name: str
    provider_id: str
    share_type: str
    legal_basis: str
    fields: list[str] = field(default_factory=list)


@activity.defn
def deliver_resource(request: DeliverResourceInput) -> str:
    """The demanded data is on the platform: a new catalog entry, or the existing one active
    again. Returns the resource's id."""
    reason = f"绿色通道/动态调度 {request.case_number}：数据已汇聚至平台。"
    with session() as db:
        if request.resource_id is not None:
            resource = catalog_resource(db, request.resource_id)
            if resource.status_reason != reason:
                resource.status = "active"
                resource.status_reason = reason
                save_new_version(db, resource)
            return resource.id
        return add_case_entry(
            db,
            request.case_id,
            request.case_number,
            name=request.name,
            provider_id=request.provider_id,
            share_type=ShareType(request.share_type),
            legal_basis=request.legal_basis,
            fields=request.fields,
            status_reason=reason,
        )


@dataclass(frozen=True)
class ReclassifyInput:
    case_number: str
    resource_id: str
    share_type: ShareType
    until: date
    reason: str


@activity.defn
def reclassify_resource(request: ReclassifyInput) -> ShareType:
    """Move the resource to a more open share type for the emergency; returns the type it had."""
    with session() as db:
        resource = catalog_resource(db, request.resource_id)
        if resource.reclassified_by_case == request.case_number:
            assert resource.share_type_before is not None
            return ShareType(resource.share_type_before)
        if resource.reclassified_by_case is not None:
            raise ApplicationError(
                f"数据资源“{resource.name}”已由 {resource.reclassified_by_case} 临时调整共享类型。",
                type="already_reclassified",
                non_retryable=True,
            )
        before = ShareType(resource.share_type)
        resource.share_type_before = before
        resource.share_type = request.share_type
        resource.reclassified_by_case = request.case_number
        resource.reclassified_until = request.until
        resource.share_type_reason = request.reason
        save_new_version(db, resource)
        return before


@dataclass(frozen=True)
class RestoreShareTypeInput:
    case_number: str
    resource_id: str
    reason: str


@activity.defn
def restore_share_type(request: RestoreShareTypeInput) -> int:
    """End the case's temporary share type; the reason stays on the entry. Returns its version."""
    with session() as db:
        resource = catalog_resource(db, request.resource_id)
        if resource.reclassified_by_case != request.case_number:
            return resource.version
        assert resource.share_type_before is not None
        resource.share_type = ShareType(resource.share_type_before)
        resource.share_type_before = None
        resource.reclassified_by_case = None
        resource.reclassified_until = None
        resource.share_type_reason = request.reason
        return save_new_version(db, resource)


@activity.defn
def list_authorization_holders(resource_id: str) -> list[str]:
    """The departments holding an unrevoked authorization for the resource."""
    with session() as db:
        found = db.exec(
            select(Authorization.applicant_department_id)
            .where(
                Authorization.resource_id == resource_id,
                col(Authorization.revoked_at).is_(None),
            )
            .distinct()
        ).all()
    return sorted(found)
