"""Dependencies every route shares: settings, database session, Temporal, clock, the caller."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session, select
from temporalio.client import Client

from api.errors import Forbidden, Unauthorized, Unavailable
from models import ApiToken, Department, User
from models.db import engine_for
from regulations import Rulesets
from shixian.settings import Settings
from workflows.common import ROLE_LABELS, Actor, Role


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_session(settings: SettingsDep) -> Iterator[Session]:
    with Session(engine_for(settings.database), expire_on_commit=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


async def get_temporal(request: Request) -> Client:
    try:
        return await request.app.state.temporal()  # type: ignore[no-any-return]
    except Exception as error:  # any connection failure is the same to the caller
        raise Unavailable(
            "工作流服务暂不可用，请稍后重试；本次操作未生效。", "temporal_unavailable"
        ) from error


TemporalDep = Annotated[Client, Depends(get_temporal)]


def get_rulesets(request: Request) -> Rulesets:
    return request.app.state.rulesets()  # type: ignore[no-any-return]


RulesetsDep = Annotated[Rulesets, Depends(get_rulesets)]


def get_clock(request: Request) -> Callable[[], datetime]:
    """The platform's clock: receipt times are what it says (tests replace it)."""
    return request.app.state.clock  # type: ignore[no-any-return]


ClockDep = Annotated[Callable[[], datetime], Depends(get_clock)]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


bearer = HTTPBearer(auto_error=False, description="API token issued by an administrator.")


class Caller:
    """The authenticated user, with what access checks need."""

    def __init__(self, user: User, department: Department | None) -> None:
        self.user = user
        self.department = department

    @property
    def id(self) -> int:
        assert self.user.id is not None
        return self.user.id

    @property
    def role(self) -> Role:
        return Role(self.user.role)

    @property
    def jurisdiction(self) -> str | None:
        return self.department.jurisdiction if self.department else None

    def actor(self) -> Actor:
        return Actor(
            user_id=self.id,
            role=self.role,
            name=self.user.name,
            department_id=self.user.department_id,
            jurisdiction=self.jurisdiction,
        )

    def require(self, *roles: Role) -> None:
        if self.role not in roles:
            names = "、".join(ROLE_LABELS[r] for r in roles)
            raise Forbidden(f"此操作仅限{names}。", "role_not_allowed")

    def jurisdiction_to_read(self, requested: str | None, what: str) -> str | None:
        """The jurisdiction whose figures (`what`, e.g. 概况) the caller may read: a supervisor
        their own or one inside it, an auditor any (None: all)."""
        match self.role:
            case Role.AUDITOR:
                return requested
            case Role.SUPERVISOR:
                own = self.jurisdiction
                if own is None:
                    raise Forbidden(f"监管人员未关联辖区，不能查看{what}。", "no_jurisdiction")
                if requested is None:
                    return own
                if not self.oversees(requested):
                    raise Forbidden(f"只能查看本辖区及下级辖区的{what}。", "jurisdiction_forbidden")
                return requested
        raise Forbidden(f"{what}仅限监管人员和审计人员查看。", "role_not_allowed")

    def oversees(self, jurisdiction: str) -> bool:
        """A supervisor oversees their department's jurisdiction and every one inside it."""
        own = self.jurisdiction
        return own is not None and (jurisdiction == own or jurisdiction.startswith(own + "."))


def get_caller(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("缺少访问令牌（Authorization: Bearer <token>）。", "token_missing")
    token = session.exec(
        select(ApiToken).where(ApiToken.token_hash == hash_token(credentials.credentials))
    ).first()
    if token is None or token.revoked_at is not None:
        raise Unauthorized("访问令牌无效或已吊销。", "token_invalid")
    user = session.get(User, token.user_id)
    if user is None or not user.active:
        raise Unauthorized("该令牌对应的用户已停用。", "user_inactive")
    department = session.get(Department, user.department_id) if user.department_id else None
    return Caller(user, department)


CallerDep = Annotated[Caller, Depends(get_caller)]


def require_admin(caller: CallerDep) -> Caller:
    """Checked before the body is validated: a caller who may not write learns nothing more."""
    caller.require(Role.ADMIN)
    return caller


AdminDep = Annotated[Caller, Depends(require_admin)]


def now_utc() -> datetime:
    return datetime.now(UTC)
