"""Workbench accounts: passwords, logging in with lockout, the public's registration, and what
administrators do to an account (set a login, reset a password, deactivate).

Passwords are hashed with argon2id (argon2-cffi's defaults, the parameters stored in each
hash). A wrong password counts against the account; after `login_max_failures` in a row it is
locked for `login_lockout_minutes`, whatever password is tried. Unknown usernames and wrong
passwords get the same message, and take as long, so that logging in does not tell who has an
account.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlmodel import Session, col, select

from calendars import BEIJING
from models import ApiToken, Department, User, WebSession
from models.reference import utcnow
from service.access import Caller
from service.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from service.platform import Platform
from service.validation import clean_text
from workflows.common import Role

HASHER = PasswordHasher()
# Verified against when the username is unknown, so that the answer takes as long.
UNKNOWN_USER_HASH = HASHER.hash("shixian: no such user")

MIN_PASSWORD, MAX_PASSWORD = 8, 128
PHONE = re.compile(r"^1[3-9]\d{9}$")  # a mainland mobile number
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
STAFF_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def clean_password(value: object) -> str:
    password = value if isinstance(value, str) else ""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise Invalid(f"密码长度应为 {MIN_PASSWORD} 至 {MAX_PASSWORD} 个字符。", "invalid_password")
    if password.isdigit() or password.isalpha():
        raise Invalid("密码不能全为数字或全为字母。", "weak_password")
    return password


def clean_public_username(value: object) -> str:
    """A phone number or an email address: what the public log in with."""
    text = clean_text(value, "username", "手机号或邮箱", max_length=120, required=True)
    if PHONE.fullmatch(text):
        return text
    if EMAIL.fullmatch(text):
        return text.lower()
    raise Invalid("请填写11位手机号码或有效的电子邮箱地址。", "invalid_username")


def clean_staff_username(value: object) -> str:
    text = clean_text(value, "username", "用户名", max_length=64, required=True)
    if not STAFF_USERNAME.fullmatch(text):
        raise Invalid(
            "用户名只能由字母、数字和 . _ - 组成，以字母或数字开头，2至64个字符。",
            "invalid_username",
        )
    return text


def clean_username(value: object, role: Role) -> str:
    return clean_public_username(value) if role is Role.PUBLIC else clean_staff_username(value)


def username_taken(session: Session, username: str, *, other_than: int | None = None) -> bool:
    found = session.exec(select(User.id).where(User.username == username)).first()
    return found is not None and found != other_than


# -- logging in ----------------------------------------------------------------------------


def _failed(platform: Platform) -> Unauthorized:
    settings = platform.settings
    return Unauthorized(
        f"用户名或密码错误。连续输错{settings.login_max_failures}次，"
        f"账户将锁定{settings.login_lockout_minutes}分钟。",
        "login_failed",
    )


def _locked(until: datetime) -> Unauthorized:
    at = until.astimezone(BEIJING).strftime("%H:%M")
    return Unauthorized(
        f"密码连续输错次数过多，账户已锁定，请于北京时间 {at} 后再试，或联系系统管理员。",
        "account_locked",
    )


def log_in(platform: Platform, username: str, password: str) -> Caller:
    """The caller behind a username and password, or Unauthorized. Counts failures and locks
    the account after too many in a row; a success resets the count."""
    now = platform.now()
    settings = platform.settings
    with platform.session() as session:
        user = session.exec(select(User).where(User.username == username.strip())).first()
        if user is None or user.password_hash is None:
            password_matches(UNKNOWN_USER_HASH, password)
            raise _failed(platform)
        if user.locked_until is not None and user.locked_until > now:
            raise _locked(user.locked_until)
        if not password_matches(user.password_hash, password):
            user.failed_logins += 1
            locked = user.failed_logins >= settings.login_max_failures
            if locked:
                user.locked_until = now + timedelta(minutes=settings.login_lockout_minutes)
                user.failed_logins = 0
            session.add(user)
            session.commit()
            raise _locked(user.locked_until) if locked and user.locked_until else _failed(platform)
        if not user.active:
            raise Unauthorized("该账户已停用，请联系系统管理员。", "user_inactive")
        if HASHER.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        user.failed_logins, user.locked_until = 0, None
        session.add(user)
        session.commit()
        department = session.get(Department, user.department_id) if user.department_id else None
    return Caller(user, department)


# -- the public registers -------------------------------------------------------------------


def register_public(platform: Platform, *, username: str, password: str, name: str) -> User:
    """A member of the public's own account: they see their own objections and the open
    catalog, nothing else."""
    if not platform.settings.public_registration:
        raise Forbidden("本平台未开放社会公众注册，请联系系统管理员。", "registration_closed")
    login = clean_public_username(username)
    secret = clean_password(password)
    display = clean_text(name, "name", "姓名或单位名称", max_length=200, required=True)
    taken = Conflict("该手机号或邮箱已注册，请直接登录。", "username_taken")
    with platform.session() as session:
        if username_taken(session, login):
            raise taken
        user = User(
            name=display, role=Role.PUBLIC, username=login, password_hash=hash_password(secret)
        )
        session.add(user)
        try:
            session.commit()
        except Exception as error:  # a concurrent registration with the same username
            session.rollback()
            raise taken from error
        session.refresh(user)
    return user


def change_own_password(platform: Platform, caller: Caller, current: str, new: str) -> None:
    with platform.session() as session:
        user = _user(session, caller.id)
        if user.password_hash is None or not password_matches(user.password_hash, current):
            raise Invalid("当前密码不正确。", "wrong_password")
        user.password_hash = hash_password(clean_password(new))
        session.add(user)
        session.commit()


# -- administrators -------------------------------------------------------------------------


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"用户 {user_id} 不存在。", "user_not_found")
    return user


def set_login(
    platform: Platform, caller: Caller, user_id: int, *, username: str, password: str
) -> User:
    """Give an account its username and a new password (administrators); unlocks it."""
    caller.require(Role.ADMIN)
    with platform.session() as session:
        user = _user(session, user_id)
        login = clean_username(username, Role(user.role))
        secret = clean_password(password)
        if username_taken(session, login, other_than=user.id):
            raise Conflict(f"用户名“{login}”已被使用。", "username_taken")
        user.username, user.password_hash = login, hash_password(secret)
        user.failed_logins, user.locked_until = 0, None
        session.add(user)
        session.commit()
    return user


def set_active(platform: Platform, caller: Caller, user_id: int, *, active: bool) -> User:
    """Deactivate an account (its logins end, its tokens stop answering) or reactivate it."""
    caller.require(Role.ADMIN)
    if user_id == caller.id and not active:
        raise Conflict("不能停用自己的账户；请由另一位系统管理员操作。", "deactivate_self")
    with platform.session() as session:
        user = _user(session, user_id)
        user.active = active
        session.add(user)
        if not active:
            for login in session.exec(select(WebSession).where(WebSession.user_id == user_id)):
                session.delete(login)
        session.commit()
    return user


def tokens_of(platform: Platform, caller: Caller, user_id: int) -> list[ApiToken]:
    """The user's tokens, newest first (administrators): prefixes, expiry and revocation."""
    caller.require(Role.ADMIN)
    with platform.session() as session:
        _user(session, user_id)
        return list(
            session.exec(
                select(ApiToken)
                .where(ApiToken.user_id == user_id)
                .order_by(col(ApiToken.id).desc())
            ).all()
        )


def revoke_token(platform: Platform, caller: Caller, token_id: int) -> ApiToken:
    """Revoke one token; requests with it then get 401."""
    caller.require(Role.ADMIN)
    with platform.session() as session:
        token = session.get(ApiToken, token_id)
        if token is None:
            raise NotFound(f"令牌 {token_id} 不存在。", "token_not_found")
        if token.revoked_at is None:
            token.revoked_at = utcnow()
            session.add(token)
            session.commit()
    return token
