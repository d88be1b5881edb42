"""Catalog resources changed by cases: their sharing status (a service stopped), their open
status (开放数据异议), and the data version a quality verification repair (修复) creates."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.database import commit_once, session
from models import CatalogResource, DataCorrection
from models.reference import utcnow
from workflows.common import OpenStatus, ShareType


def catalog_resource(db: Session, resource_id: str) -> CatalogResource:
    """The resource a case acts on; its absence is permanent, not retried."""
    resource = db.get(CatalogResource, resource_id)
    if resource is None:
        raise ApplicationError(
            f"目录中没有数据资源“{resource_id}”。", type="resource_not_found", non_retryable=True
        )
    return resource


def add_case_entry(
    db: Session,
    case_id: str,
    case_number: str,
    *,
    name: str,
    provider_id: str,
    share_type: ShareType,
    legal_basis: str,
    fields: list[str],
    status_reason: str = "",
) -> str:
    """The catalog entry a case makes, named after it (R-<case number>): a retry, or a
    concurrent attempt, finds it made and adds nothing. Returns its id."""
    resource_id = f"R-{case_number}"
    if db.get(CatalogResource, resource_id) is None:
        db.add(
            CatalogResource(
                id=resource_id,
                created_by_case=case_id,
                name=name,
                provider_id=provider_id,
                share_type=share_type,
                legal_basis=legal_basis,
                fields=list(fields),
                status_reason=status_reason,
            )
        )
        commit_once(db)
    return resource_id


@dataclass(frozen=True)
class SetResourceStatusInput:
    case_id: str
    case_number: str
    resource_id: str
    status: str  # the sharing status: active, suspended, retired
    reason: str


# Objections recorded before the opening had a status of its own (workflows/
# open_data_objection.py, patch "objection-sets-open-status") set the sharing status with
# these; such a call still in flight sets the open status instead (hubei 第三条).
OBJECTION_CASES = "open-data-objection/"
OPEN_STATUS_OF = {
    "suspended": OpenStatus.SUSPENDED,
    "retired": OpenStatus.WITHDRAWN,
    "active": OpenStatus.OPEN,
}


@activity.defn
def set_resource_status(request: SetResourceStatusInput) -> int:
    """Set the sharing status, never toggle: a retry finds the status already set by this case
    and changes nothing. Returns the resource's version afterwards."""
    if request.case_id.startswith(OBJECTION_CASES):
        return set_open_status(
            SetOpenStatusInput(
                case_id=request.case_id,
                case_number=request.case_number,
                resource_id=request.resource_id,
                open_status=OPEN_STATUS_OF[request.status],
                reason=request.reason,
            )
        )
    with session() as db:
        resource = catalog_resource(db, request.resource_id)
        if (resource.status, resource.status_reason) == (request.status, request.reason):
            return resource.version
        resource.status = request.status
        resource.status_reason = request.reason
        return save_new_version(db, resource)


@dataclass(frozen=True)
class SetOpenStatusInput:
    case_id: str
    case_number: str
    resource_id: str
    open_status: OpenStatus
    reason: str


@activity.defn
def set_open_status(request: SetOpenStatusInput) -> int:
    """Set the opening's status (an objection's suspension, withdrawal or restoration), never
    the sharing status: sharing applications for the resource run on (hubei 第三条). Set, never
    toggle: a retry changes nothing. Returns the resource's version afterwards."""
    with session() as db:
        resource = catalog_resource(db, request.resource_id)
        held_by = request.case_number if request.open_status is OpenStatus.SUSPENDED else None
        if (resource.open_status, resource.suspended_by_case, resource.open_status_reason) == (
            request.open_status.value,
            held_by,
            request.reason,
        ):
            return resource.version
        resource.open_status = request.open_status.value
        resource.suspended_by_case = held_by
        resource.open_status_reason = request.reason
        return save_new_version(db, resource)


def save_new_version(db: Session, resource: CatalogResource) -> int:
    """Commit the resource's changes as its next version, and return that version."""
    resource.version += 1
    resource.updated_at = utcnow()
    db.add(resource)
    db.commit()
    return resource.version


@dataclass(frozen=True)
class RecordCorrectionInput:
    case_id: str
    resource_id: str
    change: str  # what the provider changed, as it told the raiser


@activity.defn
def record_correction(request: RecordCorrectionInput) -> int:
    """Bump the resource's data version once per case: a retry finds the correction and
    returns the version it made."""
    with session() as db:
        made = db.exec(
            select(DataCorrection).where(
                DataCorrection.case_id == request.case_id,
                DataCorrection.resource_id == request.resource_id,
            )
        ).first()
        if made is not None:
            return made.version
        resource = catalog_resource(db, request.resource_id)
        resource.version += 1
        resource.updated_at = utcnow()
        db.add(resource)
        db.add(
            DataCorrection(
                case_id=request.case_id,
                resource_id=request.resource_id,
                version=resource.version,
                change=request.change,
            )
        )
        try:
            db.commit()
        except IntegrityError as error:
            # A concurrent attempt made it first: its version stands.
            db.rollback()
            raise ApplicationError("数据修复已由并发的重试记录。", type="retry") from error
        return resource.version
