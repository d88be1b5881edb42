"""Workbench logins: a session opened by a password, found again from its cookie, ended by
logging out, by idling or by age.

A session ends `session_idle_minutes` after its last request and `session_max_hours` after it
began, on the platform's clock. Each carries a CSRF token that every form of the session must
send back. The cookie holds a random token; the database only its SHA-256.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import col, select

from models import Department, User, WebSession
from service.access import Caller, hash_token
from service.platform import Platform

# A request within this much of the last one does not write the session again.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Login:
    token: str  # for the cookie; never stored
    csrf_token: str


@dataclass(frozen=True)
class Current:
    caller: Caller
    csrf_token: str


def open_session(platform: Platform, caller: Caller) -> Login:
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = platform.now()
    with platform.session() as session:
        session.add(
            WebSession(
                token_hash=hash_token(token),
                user_id=caller.id,
                csrf_token=csrf,
                created_at=now,
                last_seen_at=now,
            )
        )
        session.commit()
    return Login(token, csrf)


def current(platform: Platform, token: str | None) -> Current | None:
    """The session behind a cookie, if it is still alive; an expired one is deleted."""
    if not token:
        return None
    now = platform.now()
    settings = platform.settings
    with platform.session() as session:
        row = session.get(WebSession, hash_token(token))
        if row is None:
            return None
        idle = now - row.last_seen_at > timedelta(minutes=settings.session_idle_minutes)
        aged = now - row.created_at > timedelta(hours=settings.session_max_hours)
        user = session.get(User, row.user_id)
        if idle or aged or user is None or not user.active:
            session.delete(row)
            session.commit()
            return None
        if now - row.last_seen_at >= TOUCH_EVERY:
            row.last_seen_at = now
            session.add(row)
            session.commit()
        department = session.get(Department, user.department_id) if user.department_id else None
        return Current(Caller(user, department), row.csrf_token)


def csrf_matches(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


def close_session(platform: Platform, token: str | None) -> None:
    if not token:
        return
    with platform.session() as session:
        row = session.get(WebSession, hash_token(token))
        if row is not None:
            session.delete(row)
            session.commit()


def close_expired(platform: Platform) -> int:
    """Delete sessions past their absolute age (idle ones go when next seen, or here once
    they are old enough); returns how many. Called at each login, so the table stays small."""
    now = platform.now()
    oldest = now - timedelta(hours=platform.settings.session_max_hours)
    idle = now - timedelta(minutes=platform.settings.session_idle_minutes)
    with platform.session() as session:
        stale = session.exec(
            select(WebSession).where(
                (col(WebSession.created_at) < oldest) | (col(WebSession.last_seen_at) < idle)
            )
        ).all()
        for row in stale:
            session.delete(row)
        session.commit()
    return len(stale)
