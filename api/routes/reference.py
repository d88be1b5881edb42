"""Departments and users: /departments, /users, /users/me, /users/{id}/tokens.

Administrators write; every authenticated user reads departments and who they are themselves.
A token is shown once, when it is created, and stored only as its SHA-256.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import AdminDep, CallerDep, PlatformDep
from api.schemas import ERRORS, Offset, RowIdInPath, enum_schema
from models import Department
from service import reference
from service.reference import Account
from service.text import ID_PATTERN, NAME
from service.validation import JURISDICTION_PATTERN
from service.views import BeijingTime, Page, RequestBody
from workflows.common import DepartmentKind, Role

router = APIRouter(prefix="/api/v1", tags=["reference data"])

# -- departments ---------------------------------------------------------------------------


# The writers (service/reference.py) check these fields, text by the rule of service/text.py,
# with messages that name them; the schema says what they accept.


class DepartmentCreate(RequestBody):
    id: str = Field(
        title="部门编码",
        description="Stable code: letters, digits, `.`, `_`, `-`; at most 64.",
        json_schema_extra={"pattern": ID_PATTERN.pattern, "maxLength": 64},
        examples=["hubei-health"],
    )
    name: str = Field(
        title="部门名称",
        json_schema_extra={"maxLength": NAME},
        examples=["湖北省卫生健康委员会"],
    )
    jurisdiction: str = Field(
        title="辖区代码",
        description="Dotted jurisdiction code, outermost first.",
        json_schema_extra={"pattern": JURISDICTION_PATTERN.pattern, "maxLength": 100},
        examples=["hubei"],
    )
    kind: str = Field(
        DepartmentKind.ORDINARY.value,
        title="部门类型",
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
    platform: PlatformDep,
    caller: CallerDep,
    jurisdiction: Annotated[
        str | None, Query(description="This jurisdiction and those inside it.")
    ] = None,
    kind: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    offset: Offset = 0,
) -> Page[DepartmentOut]:
    """Departments, by id; any authenticated user."""
    found = reference.list_departments(
        platform, caller, jurisdiction=jurisdiction, kind=kind, limit=limit, offset=offset
    )
    return Page[DepartmentOut].of(found, limit, offset, DepartmentOut.of)


@router.post("/departments", status_code=201, response_model=DepartmentOut, responses=ERRORS)
def create_department(
    platform: PlatformDep, admin: AdminDep, body: DepartmentCreate
) -> DepartmentOut:
    """Add a department (administrators). 409 if the id exists; 422 for a bad jurisdiction
    code or kind."""
    department = reference.create_department(
        platform,
        admin,
        department_id=body.id,
        name=body.name,
        jurisdiction=body.jurisdiction,
        kind=body.kind,
    )
    return DepartmentOut.of(department)


@router.get("/departments/{department_id}", response_model=DepartmentOut, responses=ERRORS)
def get_department(platform: PlatformDep, caller: CallerDep, department_id: str) -> DepartmentOut:
    """One department; any authenticated user."""
    return DepartmentOut.of(reference.get_department(platform, caller, department_id))


# -- users and tokens ----------------------------------------------------------------------


class UserCreate(RequestBody):
    name: str = Field(
        title="姓名", json_schema_extra={"maxLength": NAME}, examples=["湖北卫健经办人"]
    )
    role: str = Field(title="角色", json_schema_extra=enum_schema([r.value for r in Role]))
    department_id: str | None = Field(
        None,
        title="部门编码",
        json_schema_extra={"maxLength": NAME},
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
    def of(cls, account: Account) -> UserOut:
        user = account.user
        return cls(
            id=user.id or 0,
            name=user.name,
            role=str(user.role),
            department_id=user.department_id,
            active=user.active,
            created_at=user.created_at,
            token_prefixes=account.token_prefixes,
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


@router.get("/users", response_model=Page[UserOut], responses=ERRORS)
def list_users(
    platform: PlatformDep,
    admin: AdminDep,
    role: str | None = None,
    department: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    offset: Offset = 0,
) -> Page[UserOut]:
    """Users with the prefixes of their live tokens (administrators)."""
    found = reference.list_users(
        platform, admin, role=role, department_id=department, limit=limit, offset=offset
    )
    return Page[UserOut].of(found, limit, offset, UserOut.of)


@router.post("/users", status_code=201, response_model=NewUserOut, responses=ERRORS)
def create_user(platform: PlatformDep, admin: AdminDep, body: UserCreate) -> NewUserOut:
    """Add a user (administrators) and return their token, this once. 422 if a caseworker or
    supervisor has no department, or a supervisor's department supervises nothing."""
    account, token = reference.create_user(
        platform, admin, name=body.name, role=body.role, department_id=body.department_id
    )
    out = UserOut.of(account)
    return NewUserOut.model_validate({**out.model_dump(), "token": token})


@router.get("/users/me", response_model=MeOut, responses=ERRORS)
def who_am_i(platform: PlatformDep, caller: CallerDep) -> MeOut:
    """The caller, with their department; any authenticated user."""
    account = reference.who_am_i(platform, caller)
    out = UserOut.of(account)
    department = DepartmentOut.of(account.department) if account.department else None
    return MeOut.model_validate({**out.model_dump(), "department": department})


@router.get("/users/{user_id}", response_model=UserOut, responses=ERRORS)
def get_user(platform: PlatformDep, admin: AdminDep, user_id: RowIdInPath) -> UserOut:
    """One user (administrators)."""
    return UserOut.of(reference.get_user(platform, admin, user_id))


@router.post("/users/{user_id}/tokens", status_code=201, response_model=TokenOut, responses=ERRORS)
def issue_token(platform: PlatformDep, admin: AdminDep, user_id: RowIdInPath) -> TokenOut:
    """A new token for the user (administrators), shown this once. Their other tokens stay
    valid; revoke them with DELETE."""
    token = reference.issue_token(platform, admin, user_id)
    return TokenOut(user_id=user_id, token=token, prefix=token[:8])


@router.delete("/users/{user_id}/tokens", response_model=RevokedOut, responses=ERRORS)
def revoke_tokens(platform: PlatformDep, admin: AdminDep, user_id: RowIdInPath) -> RevokedOut:
    """Revoke every token of the user (administrators); requests with them then get 401.
    An administrator cannot revoke their own: that would lock them out."""
    count = reference.revoke_tokens(platform, admin, user_id)
    return RevokedOut(user_id=user_id, revoked=count)
