"""Departments and users: /departments, /users, /users/me, /users/{id}/tokens.

Administrators write; every authenticated user reads departments and who they are themselves.
A token is shown once, when it is created, and stored only as its SHA-256.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlmodel import Session

from api import crud
from api.deps import AdminDep, CallerDep, SessionDep
from api.errors import Conflict
from api.schemas import ERRORS, BeijingTime, Page, enum_schema
from models import Department, User
from workflows.common import DepartmentKind, Role

router = APIRouter(prefix="/api/v1", tags=["reference data"])

# -- departments ---------------------------------------------------------------------------


class DepartmentCreate(BaseModel):
    id: str = Field(
        description="Stable code: letters, digits, `.`, `_`, `-`; at most 64.",
        json_schema_extra={"pattern": crud.ID_PATTERN.pattern},
        examples=["hubei-health"],
    )
    name: str = Field(examples=["湖北省卫生健康委员会"])
    jurisdiction: str = Field(
        description="Dotted jurisdiction code, outermost first.",
        json_schema_extra={"pattern": crud.JURISDICTION_PATTERN.pattern},
        examples=["hubei"],
    )
    kind: str = Field(
        DepartmentKind.ORDINARY.value,
        description="competent_authority: 政务数据主管部门; service_centre: e.g. 利川市智慧城市"
        "建设服务中心.",
        json_schema_extra=enum_schema([k.value for k in DepartmentKind]),
    )


class DepartmentOut(BaseModel):
    id: str
    name: str
    jurisdiction: str
    kind: str
    created_at: BeijingTime

    @classmethod
    def of(cls, department: Department) -> DepartmentOut:
        return cls.model_validate(department, from_attributes=True)


@router.get("/departments", response_model=Page[DepartmentOut], responses=ERRORS)
def list_departments(
    session: SessionDep,
    caller: CallerDep,
    jurisdiction: Annotated[
        str | None, Query(description="This jurisdiction and those inside it.")
    ] = None,
    kind: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[DepartmentOut]:
    """Departments, by id; any authenticated user."""
    found = crud.list_departments(
        session=session, jurisdiction=jurisdiction, kind=kind, limit=limit, offset=offset
    )
    return Page[DepartmentOut](
        total=found.total,
        limit=limit,
        offset=offset,
        items=[DepartmentOut.of(d) for d in found.items],
    )


@router.post("/departments", status_code=201, response_model=DepartmentOut, responses=ERRORS)
def create_department(
    session: SessionDep, admin: AdminDep, body: DepartmentCreate
) -> DepartmentOut:
    """Add a department (administrators). 409 if the id exists; 422 for a bad jurisdiction
    code or kind."""
    department = crud.create_department(
        session=session,
        department_id=body.id,
        name=body.name,
        jurisdiction=body.jurisdiction,
        kind=body.kind,
    )
    return DepartmentOut.of(department)


@router.get("/departments/{department_id}", response_model=DepartmentOut, responses=ERRORS)
def get_department(session: SessionDep, caller: CallerDep, department_id: str) -> DepartmentOut:
    """One department; any authenticated user."""
    return DepartmentOut.of(crud.get_department(session=session, department_id=department_id))


# -- users and tokens ----------------------------------------------------------------------


class UserCreate(BaseModel):
    name: str = Field(examples=["湖北卫健经办人"])
    role: str = Field(json_schema_extra=enum_schema([r.value for r in Role]))
    department_id: str | None = Field(
        None,
        description="Required for caseworkers and supervisors; a supervisor's department is a "
        "competent authority or a service centre.",
    )


class UserOut(BaseModel):
    id: int
    name: str
    role: str
    department_id: str | None
    active: bool
    created_at: BeijingTime
    token_prefixes: list[str] = Field(
        default_factory=list, description="First characters of each unrevoked token."
    )

    @classmethod
    def of(cls, user: User, prefixes: list[str]) -> UserOut:
        assert user.id is not None
        return cls(
            id=user.id,
            name=user.name,
            role=str(user.role),
            department_id=user.department_id,
            active=user.active,
            created_at=user.created_at,
            token_prefixes=prefixes,
        )


class NewUserOut(UserOut):
    token: str = Field(description="Shown this once; only its hash is kept.")


class MeOut(UserOut):
    department: DepartmentOut | None


class TokenOut(BaseModel):
    user_id: int
    token: str = Field(description="Shown this once; only its hash is kept.")
    prefix: str


class RevokedOut(BaseModel):
    user_id: int
    revoked: int = Field(description="How many live tokens were revoked.")


def _prefixes(session: Session, user: User) -> list[str]:
    assert user.id is not None
    return crud.active_token_prefixes(session=session, user_ids=[user.id])[user.id]


@router.get("/users", response_model=Page[UserOut], responses=ERRORS)
def list_users(
    session: SessionDep,
    admin: AdminDep,
    role: str | None = None,
    department: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[UserOut]:
    """Users with the prefixes of their live tokens (administrators)."""
    found = crud.list_users(
        session=session, role=role, department_id=department, limit=limit, offset=offset
    )
    prefixes = crud.active_token_prefixes(
        session=session, user_ids=[u.id for u in found.items if u.id is not None]
    )
    return Page[UserOut](
        total=found.total,
        limit=limit,
        offset=offset,
        items=[UserOut.of(u, prefixes.get(u.id or 0, [])) for u in found.items],
    )


@router.post("/users", status_code=201, response_model=NewUserOut, responses=ERRORS)
def create_user(session: SessionDep, admin: AdminDep, body: UserCreate) -> NewUserOut:
    """Add a user (administrators) and return their token, this once. 422 if a caseworker or
    supervisor has no department, or a supervisor's department supervises nothing."""
    user, token = crud.create_user(
        session=session, name=body.name, role=body.role, department_id=body.department_id
    )
    out = UserOut.of(user, [token[:8]])
    return NewUserOut.model_validate({**out.model_dump(), "token": token})


@router.get("/users/me", response_model=MeOut, responses=ERRORS)
def who_am_i(session: SessionDep, caller: CallerDep) -> MeOut:
    """The caller, with their department; any authenticated user."""
    out = UserOut.of(caller.user, _prefixes(session, caller.user))
    department = DepartmentOut.of(caller.department) if caller.department else None
    return MeOut.model_validate({**out.model_dump(), "department": department})


@router.get("/users/{user_id}", response_model=UserOut, responses=ERRORS)
def get_user(session: SessionDep, admin: AdminDep, user_id: int) -> UserOut:
    """One user (administrators)."""
    user = crud.get_user(session=session, user_id=user_id)
    return UserOut.of(user, _prefixes(session, user))


@router.post("/users/{user_id}/tokens", status_code=201, response_model=TokenOut, responses=ERRORS)
def issue_token(session: SessionDep, admin: AdminDep, user_id: int) -> TokenOut:
    """A new token for the user (administrators), shown this once. Their other tokens stay
    valid; revoke them with DELETE."""
    token = crud.issue_token(session=session, user_id=user_id)
    return TokenOut(user_id=user_id, token=token, prefix=token[:8])


@router.delete("/users/{user_id}/tokens", response_model=RevokedOut, responses=ERRORS)
def revoke_tokens(session: SessionDep, admin: AdminDep, user_id: int) -> RevokedOut:
    """Revoke every token of the user (administrators); requests with them then get 401.
    An administrator cannot revoke their own: that would lock them out."""
    if user_id == admin.id:
        raise Conflict("不能吊销自己的全部令牌；请由另一位系统管理员操作。", "revoke_own_tokens")
    count = crud.revoke_tokens(session=session, user_id=user_id)
    return RevokedOut(user_id=user_id, revoked=count)
