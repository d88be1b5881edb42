"""Publishing a catalog-update draft (目录更新) as a new catalog version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select
from temporalio import activity

from activities.database import session
from models import CatalogChange, CatalogResource, CatalogVersion
from models.reference import utcnow
from workflows.catalog_entries import EntryChange, EntryOp
from workflows.common import ShareType

# The fields a catalog entry is made of: what a version's changes record before and after.
ENTRY_FIELDS = (
    "name",
    "share_type",
    "open_type",
    "legal_basis",
    "conditions",
    "fields",
    "update_cycle",
    "status",
)


@dataclass(frozen=True)
class PublishDraftInput:
    case_id: str
    case_number: str
    department_id: str
    changes: list[EntryChange]
    published_by: int
    published_at: datetime


def snapshot(resource: CatalogResource | None) -> dict[str, Any]:
    if resource is None:
        return {}
    return {name: _plain(getattr(resource, name)) for name in ENTRY_FIELDS}


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, list) else str(value)


@activity.defn
def publish_draft(request: PublishDraftInput) -> int:
    """Apply the whole draft in one transaction and return the version's number. A retry
    finds the case's version and changes nothing; a lost race for the next number rolls
    back and retries."""
    with session() as db:
        done = db.exec(
            select(CatalogVersion.number).where(CatalogVersion.case_id == request.case_id)
        ).first()
        if done is not None:
            return done
        number = (db.exec(select(func.max(CatalogVersion.number))).one() or 0) + 1
        db.add(
            CatalogVersion(
                number=number,
                case_id=request.case_id,
                case_number=request.case_number,
                department_id=request.department_id,
                published_by=request.published_by,
                published_at=request.published_at,
            )
        )
        db.flush()
        for change in request.changes:
            _apply(db, request, number, change)
        db.commit()
        return number


def _apply(db: Session, request: PublishDraftInput, number: int, change: EntryChange) -> None:
    resource = db.get(CatalogResource, change.resource_id)
    before = snapshot(resource)
    if resource is None:
        # An entry added meanwhile by another case is changed rather than added twice.
        resource = CatalogResource(
            id=change.resource_id,
            name=change.name,
            provider_id=request.department_id,
            share_type=ShareType(change.share_type),
            created_by_case=request.case_id,
        )
    if change.op is EntryOp.RETIRE:
        resource.status = "retired"
        resource.status_reason = f"目录更新 {request.case_number}：停用。{change.reason}"
    else:
        for name in ("name", "share_type", "open_type", "legal_basis", "conditions"):
            if value := getattr(change, name):
                setattr(resource, name, value)
        if change.fields:
            resource.fields = list(change.fields)
        if change.update_cycle:
            resource.update_cycle = change.update_cycle
    if before:
        resource.version += 1
    resource.updated_at = utcnow()
    db.add(resource)
    db.add(
        CatalogChange(
            version_number=number,
            resource_id=change.resource_id,
            op=change.op.value,
            reason=change.reason,
            before=before,
            after=snapshot(resource),
        )
    )
