"""Departments, users and their tokens: administrators write, the command line is the
operator at the console; every authenticated user reads departments and themself.

Every writer validates what it is given (Chinese messages, stable codes) before it writes."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from models import ApiToken, Department, User
from models.reference import utcnow
from service.access import Caller, hash_token, within_sql
from service.accounts import clean_password, clean_username, hash_password, username_taken
from service.errors import Conflict, Invalid, NotFound
from service.platform import Platform
from service.text import NAME
from service.validation import (
    Listing,
    clean_choice,
    clean_identifier,
    clean_jurisdiction,
    clean_text,
    commit_or,
    page_of,
)
from workflows.common import DEPARTMENT_KIND_LABELS, ROLE_LABELS, DepartmentKind, Role

# -- departments ---------------------------------------------------------------------------


def create_department(
    platform: Platform,
    caller: Caller,
    *,
    department_id: str,
    name: str,
    jurisdiction: str,
    kind: str = DepartmentKind.ORDINARY,
) -> Department:
    caller.require(Role.ADMIN)
    department = Department(
        id=clean_identifier(department_id, "id", "部门编码"),
        name=clean_text(name, "name", "部门名称", max_length=NAME, required=True),
        jurisdiction=clean_jurisdiction(jurisdiction),
        kind=clean_choice(kind, DepartmentKind, "kind", "部门类型"),
    )
    exists = Conflict(f"部门编码“{department.id}”已存在。", "department_exists")
    with platform.session() as session:
        if session.get(Department, department.id) is not None:
            raise exists
        session.add(department)
        commit_or(session, exists)
    return department


def get_department(platform: Platform, caller: Caller, department_id: str) -> Department:
    with platform.session() as session:
        department = session.get(Department, department_id)
    if department is None:
        raise NotFound(f"部门“{department_id}”不存在。", "department_not_found")
    return department


def list_departments(
    platform: Platform,
    caller: Caller,
    *,
    jurisdiction: str | None = None,
    kind: str | None = None,
    limit: int = 500,
    offset: int = 0,
) -> Listing[Department]:
    """Departments by jurisdiction (with those inside it) and kind, ordered by id."""
    query = select(Department)
    if jurisdiction:
        query = query.where(within_sql(Department.jurisdiction, clean_jurisdiction(jurisdiction)))
    if kind:
        chosen = clean_choice(kind, DepartmentKind, "kind", "部门类型")
        query = query.where(Department.kind == chosen)
    with platform.session() as session:
        return page_of(session, query.order_by(Department.id), limit, offset)


def department_names(
    platform: Platform, caller: Caller, ids: Sequence[str | None]
) -> dict[str, str]:
    """Department id -> name, for the ids that exist (any authenticated user)."""
    wanted = [i for i in set(ids) if i]
    if not wanted:
        return {}
    with platform.session() as session:
        found = session.exec(select(Department).where(col(Department.id).in_(wanted))).all()
    return {department.id: department.name for department in found}


# -- users and tokens ----------------------------------------------------------------------

# Staff who act for a department; a supervisor's department oversees a jurisdiction.
NEEDS_DEPARTMENT = {Role.CASEWORKER, Role.SUPERVISOR}
SUPERVISING_KINDS = {DepartmentKind.COMPETENT_AUTHORITY, DepartmentKind.SERVICE_CENTRE}


@dataclass
class Account:
    """A user, with the first characters of each unrevoked token (enough to tell them apart)."""

    user: User
    token_prefixes: list[str]
    department: Department | None = None


def create_user(
    platform: Platform,
    caller: Caller,
    *,
    name: str,
    role: str,
    department_id: str | None = None,
    username: str | None = None,
    password: str | None = None,
) -> tuple[Account, str]:
    """The new user and their first token, which is not stored and cannot be shown again.
    With a username and password the user can also log in to the workbench."""
    caller.require(Role.ADMIN)
    user_name = clean_text(name, "name", "姓名", max_length=NAME, required=True)
    user_role = clean_choice(role, Role, "role", "角色")
    login = clean_username(username, user_role) if username else None
    secret = hash_password(clean_password(password)) if login else None
    department_code = clean_text(
        department_id, "department_id", "部门编码", max_length=NAME, required=False
    )
    with platform.session() as session:
        if login is not None and username_taken(session, login):
            raise Conflict(f"用户名“{login}”已被使用。", "username_taken")
        department = None
        if department_code:
            department = session.get(Department, department_code)
            if department is None:
                raise Invalid(f"部门“{department_id}”不存在。", "department_not_found")
        if user_role in NEEDS_DEPARTMENT and department is None:
            raise Invalid(f"{ROLE_LABELS[user_role]}必须属于一个部门。", "department_required")
        if (
            user_role is Role.SUPERVISOR
            and department is not None
            and department.kind not in SUPERVISING_KINDS
        ):
            raise Invalid(
                f"监管人员须属于政务数据主管部门或服务中心；“{department.name}”是"
                f"{DEPARTMENT_KIND_LABELS[DepartmentKind(department.kind)]}。",
                "supervisor_department_kind",
            )
        user = User(
            name=user_name,
            role=user_role,
            department_id=department.id if department else None,
            username=login,
            password_hash=secret,
        )
        session.add(user)
        session.flush()
        token = _new_token(session, user, token_expiry(platform))
        session.commit()
    return Account(user, [token[:8]], department), token


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"用户 {user_id} 不存在。", "user_not_found")
    return user


def get_user(platform: Platform, caller: Caller, user_id: int) -> Account:
    caller.require(Role.ADMIN)
    with platform.session() as session:
        user = _user(session, user_id)
        return Account(user, _prefixes(session, [user_id])[user_id])


def who_am_i(platform: Platform, caller: Caller) -> Account:
    with platform.session() as session:
        prefixes = _prefixes(session, [caller.id])[caller.id]
    return Account(caller.user, prefixes, caller.department)


def list_users(
    platform: Platform,
    caller: Caller,
    *,
    role: str | None = None,
    department_id: str | None = None,
    limit: int = 500,
    offset: int = 0,
) -> Listing[Account]:
    caller.require(Role.ADMIN)
    query = select(User)
    if role:
        query = query.where(User.role == clean_choice(role, Role, "role", "角色"))
    if department_id:
        query = query.where(User.department_id == department_id)
    with platform.session() as session:
        found = page_of(session, query.order_by(col(User.id)), limit, offset)
        prefixes = _prefixes(session, [u.id for u in found.items if u.id is not None])
    return Listing(
        total=found.total,
        items=[Account(user, prefixes.get(user.id or 0, [])) for user in found.items],
    )


def _prefixes(session: Session, user_ids: Sequence[int]) -> dict[int, list[str]]:
    prefixes: dict[int, list[str]] = {user_id: [] for user_id in user_ids}
    rows = session.exec(
        select(ApiToken)
        .where(col(ApiToken.user_id).in_(list(user_ids)), col(ApiToken.revoked_at).is_(None))
        .order_by(col(ApiToken.id))
    ).all()
    for token in rows:
        prefixes[token.user_id].append(token.prefix)
    return prefixes


def _new_token(session: Session, user: User, expires_at: datetime) -> str:
    if user.id is None:
        session.flush()
    token = secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            user_id=user.id or 0,
            token_hash=hash_token(token),
            prefix=token[:8],
            expires_at=expires_at,
        )
    )
    return token


def token_expiry(platform: Platform) -> datetime:
    """When a token issued now expires."""
    return platform.now() + timedelta(days=platform.settings.token_lifetime_days)


def issue_token(platform: Platform, caller: Caller, user_id: int) -> str:
    """A new token for the user, besides those they have; shown once, stored as its hash."""
    caller.require(Role.ADMIN)
    with platform.session() as session:
        user = _user(session, user_id)
        if not user.active:
            raise Conflict(f"用户“{user.name}”已停用，不能签发令牌。", "user_inactive")
        token = _new_token(session, user, token_expiry(platform))
        session.commit()
    return token


def revoke_tokens(platform: Platform, caller: Caller, user_id: int) -> int:
    """Revoke every live token of the user; returns how many. Requests with them get 401.
    An administrator cannot revoke their own: that would lock them out."""
    caller.require(Role.ADMIN)
    if user_id == caller.id:
        raise Conflict("不能吊销自己的全部令牌；请由另一位系统管理员操作。", "revoke_own_tokens")
    with platform.session() as session:
        _user(session, user_id)
        tokens = session.exec(
            select(ApiToken).where(ApiToken.user_id == user_id, col(ApiToken.revoked_at).is_(None))
        ).all()
        now = utcnow()
        for token in tokens:
            token.revoked_at = now
            session.add(token)
        session.commit()
    return len(tokens)
