"""What a case leaves in the database, read (or, for a catalog entry, changed) behind the API."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from models import Authorization, CatalogResource, Notice


def grants(session: Session, case_id: str) -> list[Authorization]:
    session.expire_all()
    return list(session.exec(select(Authorization).where(Authorization.case_id == case_id)))


def notices(session: Session, case_id: str, kind: str | None = None) -> list[Notice]:
    session.expire_all()
    query = select(Notice).where(Notice.case_id == case_id)
    if kind:
        query = query.where(Notice.kind == kind)
    return list(session.exec(query.order_by(Notice.id)))  # type: ignore[arg-type]


def recipients(notices: list[Notice]) -> set[str | None]:
    """The departments `notices` went to."""
    return {n.recipient_department_id for n in notices}


def notices_to(session: Session, case_id: str, kind: str, department_id: str) -> list[Notice]:
    """The notices of `kind` the case sent to the department."""
    return [
        n for n in notices(session, case_id, kind) if n.recipient_department_id == department_id
    ]


def resource(session: Session, resource_id: str) -> CatalogResource | None:
    session.expire_all()
    return session.get(CatalogResource, resource_id)


def change_resource(session: Session, resource_id: str, **values: Any) -> None:
    """Change a catalog entry in the database, behind the API's back."""
    entry = resource(session, resource_id)
    assert entry is not None
    for name, value in values.items():
        setattr(entry, name, value)
    session.add(entry)
    session.commit()
