"""What every process's submission shares: the registration of a process (its request, its
workflow, who may submit), the draft a validated submission becomes, and the parties."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, select

from models import Department
from regulations import Ruleset
from service.access import Caller
from service.errors import Invalid
from workflows.common import DepartmentKind, Parties, Party, Role, StagePlan


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


PARTY_LABELS = {
    Party.APPLICANT: "申请部门",
    Party.PROVIDER: "数据提供部门",
    Party.AUTHORITY: "政务数据主管部门",
    Party.SERVICE_CENTRE: "服务中心",
}
