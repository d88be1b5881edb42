"""What every process's submission shares: the registration of a process (its request, its
workflow, who may submit), the draft a validated submission becomes, and the parties."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field
from sqlmodel import Session, select

from models import CatalogResource, Department
from regulations.compose import Composed, common_jurisdiction
from service.access import Caller
from service.catalog import catalog_resource
from service.errors import Conflict, Forbidden, Invalid
from service.labels import any_stage_label
from service.text import Identifier
from workflows.case import CaseWorkflow
from workflows.common import (
    PARTY_LABELS,
    Actor,
    CaseInput,
    DepartmentKind,
    Parties,
    Party,
    Role,
    StagePlan,
)

# Every request may name the ruleset its case runs under.
Ruleset = Annotated[
    Identifier | None, Field(title="规则集", description="Omit to use the instrument in force.")
]


@dataclass(frozen=True)
class Draft:
    """A checked submission, waiting for its case number to become a workflow input: the
    parties, and the fields its process's input adds to every case's (its plan among them)."""

    parties: Parties
    fields: dict[str, Any]

    @classmethod
    def about(
        cls, resource: CatalogResource, parties: Parties, plan: object, **values: Any
    ) -> Draft:
        """The draft of a case about one catalog resource, which its input names by id and
        name."""
        return cls(
            parties,
            {"plan": plan, "resource_id": resource.id, "resource_name": resource.name, **values},
        )


@dataclass(frozen=True)
class Process:
    """How a case of a process is submitted: its request, who may submit it, the checks made
    before it is numbered; its name, title and actions are its workflow's declaration."""

    workflow: type[CaseWorkflow[Any]]
    input: type  # the workflow's argument
    request: type[BaseModel]
    submitters: frozenset[Role]
    # (session, caller, request, what governs, received_at) -> the checked submission.
    prepare: Callable[[Session, Caller, Any, Composed, datetime], Draft]
    # Where the case belongs, when not the submitter's own jurisdiction (a member of the
    # public has none): the jurisdiction whose instruments govern the duties of the case (a
    # provider's). (session, caller, request) -> jurisdiction.
    jurisdiction_of: Callable[[Session, Caller, Any], str] | None = None
    # Which track of its process the case takes (a sharing application's kind of data, a
    # catalog update's trigger): instruments are composed for it. None: the process has none.
    track_of: Callable[[Session, Caller, Any], str | None] | None = None

    @property
    def name(self) -> str:
        return self.workflow.process.name

    @property
    def title(self) -> str:
        return self.workflow.process.title

    @property
    def slug(self) -> str:
        """The workflow-id prefix: sharing-application/HB419-2026-000123."""
        return self.workflow.process.slug

    @property
    def run(self) -> Callable[..., Any]:
        """The workflow's run method (each process class defines its own)."""
        run: Callable[..., Any] = getattr(self.workflow, "run")  # noqa: B009
        return run

    @property
    def actions(self) -> dict[str, Any]:
        """Action name -> update method."""
        return self.workflow.actions()

    def start(
        self,
        draft: Draft,
        *,
        case_number: str,
        ruleset: str,
        jurisdiction: str,
        received_at: datetime,
        submitted_by: Actor,
        governed_by: list[str],
    ) -> CaseInput:
        """The workflow input of a numbered case."""
        case_input: CaseInput = self.input(
            case_id=f"{self.slug}/{case_number}",
            case_number=case_number,
            ruleset=ruleset,
            jurisdiction=jurisdiction,
            received_at=received_at,
            parties=draft.parties,
            submitted_by=submitted_by,
            governed_by=governed_by,
            **draft.fields,
        )
        return case_input


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


def find_superior_authority(session: Session, one: str, other: str) -> str | None:
    """The competent authority of the jurisdiction both lie in (809 第二十八条: 共同的上级政务
    数据共享主管部门), if it has a department here: never one further up or aside."""
    common = common_jurisdiction(one, other)
    if not common:
        return None
    return session.exec(
        select(Department.id).where(
            Department.jurisdiction == common,
            Department.kind == DepartmentKind.COMPETENT_AUTHORITY,
        )
    ).first()


def parties_for(
    session: Session,
    caller: Caller,
    provider: str | None,
    stages: list[StagePlan],
    jurisdiction: str | None = None,
    *,
    second_provider: str | None = None,
    stage_label: Callable[[str], str] = any_stage_label,
) -> Parties:
    """The parties of a case whose duties are owed in `jurisdiction` (the caller's if None):
    its authority and service centre are that jurisdiction's. A stage's actor missing is
    refused, naming the stage by `stage_label`."""
    jurisdiction = jurisdiction if jurisdiction is not None else caller.jurisdiction or ""
    own = caller.jurisdiction or ""
    superior = None
    if any(stage.actor is Party.SUPERIOR_AUTHORITY for stage in stages):
        superior = find_superior_authority(session, jurisdiction, own)
    parties = Parties(
        applicant=caller.user.department_id,
        provider=provider,
        authority=find_department(session, jurisdiction, DepartmentKind.COMPETENT_AUTHORITY),
        service_centre=find_department(session, jurisdiction, DepartmentKind.SERVICE_CENTRE),
        second_provider=second_provider,
        superior_authority=superior,
    )
    # The common superior authority may be missing: the case says so and waits for it.
    require_departments(
        parties,
        [stage for stage in stages if stage.actor is not Party.SUPERIOR_AUTHORITY],
        stage_label,
    )
    return parties


def require_departments(
    parties: Parties, stages: list[StagePlan], stage_label: Callable[[str], str] = any_stage_label
) -> None:
    """Refuse a case with a stage whose actor has no department: it would wait for nobody."""
    for stage in stages:
        if parties.department_of(stage.actor) is None:
            raise Invalid(
                f"本辖区未配置{PARTY_LABELS[stage.actor]}，无法办理“{stage_label(stage.stage)}”环节。",
                "party_missing",
            )


def provider_jurisdiction(session: Session, resource: CatalogResource) -> str:
    """Where the resource's data is held: its provider's jurisdiction."""
    provider = session.get(Department, resource.provider_id)
    assert provider is not None
    return provider.jurisdiction


def own_resource(session: Session, caller: Caller, resource_id: str) -> CatalogResource:
    """A live catalog resource of the caller's department: what a provider files about."""
    resource = catalog_resource(session, resource_id)
    if resource.provider_id != caller.user.department_id:
        raise Forbidden(
            f"数据资源“{resource.name}”不由本部门提供，只有数据提供部门可以办理。",
            "not_provider",
        )
    if resource.status == "retired":
        raise Conflict(f"数据资源“{resource.name}”已停用。", "resource_retired")
    return resource
