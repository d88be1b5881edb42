"""The open status of catalog resources, changed by objection cases (开放数据异议)."""

from __future__ import annotations

from dataclasses import dataclass

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.database import session
from models import CatalogResource
from models.reference import utcnow


@dataclass(frozen=True)
class SetResourceStatusInput:
    case_id: str
    case_number: str
    resource_id: str
    status: str  # active, suspended, retired
    reason: str


@activity.defn
def set_resource_status(request: SetResourceStatusInput) -> int:
    """Set, never toggle: a retry finds the status already set by this case and changes
    nothing. Returns the resource's version afterwards."""
    with session() as db:
        resource = db.get(CatalogResource, request.resource_id)
        if resource is None:
            raise ApplicationError(
                f"目录中没有数据资源“{request.resource_id}”。",
                type="resource_not_found",
                non_retryable=True,
            )
        held_by = request.case_number if request.status == "suspended" else None
        if (resource.status, resource.suspended_by_case, resource.status_reason) == (
            request.status,
            held_by,
            request.reason,
        ):
            return resource.version
        resource.status = request.status
        resource.suspended_by_case = held_by
        resource.status_reason = request.reason
        resource.version += 1
        resource.updated_at = utcnow()
        db.add(resource)
        db.commit()
        return resource.version
