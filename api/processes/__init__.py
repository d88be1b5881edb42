"""The processes the API can start, each registered once: request schema, input, actions.

Adding a process means one module here that builds a `Process`, and one line in `PROCESSES`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, select

from api.deps import Caller
from models import Department
from regulations import Ruleset
from workflows.common import PARTY_LABELS, DepartmentKind, Parties, Role, StagePlan


@dataclass(frozen=True)
class Draft:
    """A validated submission, waiting for its case number to become a workflow input."""

    parties: Parties
    build: Callable[[str, str, datetime], Any]  # (case_id, case_number, received_at) -> input


@dataclass(frozen=True)
class Process:
    name: str
    title: str
    slug: str  # workflow-id prefix: sharing-application/HB419-2026-000123
    run: Callable[..., Any]  # the workflow's run method
    input: type  # its argument's type
    request: type[BaseModel]
    submitters: frozenset[Role]
    prepare: Callable[[Session, Caller, Any, Ruleset], Draft]
    actions: dict[str, Any]  # action name -> update method
    # Where the case belongs, when not the submitter's own jurisdiction (a member of the
    # public has none): (session, caller, request) -> jurisdiction.
    jurisdiction_of: Callable[[Session, Caller, Any], str] | None = None


def find_department(session: Session, jurisdiction: str, kind: DepartmentKind) -> str | None:
    """The department of `kind` closest to `jurisdiction`, looking outward to its parents."""
    parts = jurisdiction.split(".")
    for size in range(len(parts), 0, -1):
        found = session.exec(
            select(Department.id).where(
                Department.jurisdiction == ".".join(parts[:size]), Department.kind == kind
            )
        ).first()
        if found is not None:
            return found
    return None


def parties_for(
    session: Session, caller: Caller, provider: str | None, stages: list[StagePlan]
) -> Parties:
    from api.errors import Invalid

    jurisdiction = caller.jurisdiction or ""
    parties = Parties(
        applicant=caller.user.department_id,
        provider=provider,
        authority=find_department(session, jurisdiction, DepartmentKind.COMPETENT_AUTHORITY),
        service_centre=find_department(session, jurisdiction, DepartmentKind.SERVICE_CENTRE),
    )
    # A stage whose actor has no department would wait for nobody: refuse now instead.
    for stage in stages:
        if parties.department_of(stage.actor) is None:
            raise Invalid(
                f"本辖区未配置{PARTY_LABELS[stage.actor]}，无法办理“{stage.stage}”环节。",
                "party_missing",
            )
    return parties


def registry() -> dict[str, Process]:
    from api.processes.catalog_update import CATALOG_UPDATE
    from api.processes.green_channel import GREEN_CHANNEL
    from api.processes.open_data_objection import OPEN_DATA_OBJECTION
    from api.processes.provider_notices import EMERGENCY_RECLASSIFICATION, SERVICE_CHANGE
    from api.processes.quality_verification import QUALITY_VERIFICATION
    from api.processes.sharing_application import SHARING_APPLICATION

    return {
        process.name: process
        for process in (
            SHARING_APPLICATION,
            OPEN_DATA_OBJECTION,
            CATALOG_UPDATE,
            GREEN_CHANNEL,
            SERVICE_CHANGE,
            EMERGENCY_RECLASSIFICATION,
            QUALITY_VERIFICATION,
        )
    }


PROCESSES = registry()
