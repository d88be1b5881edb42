"""The first administrator, created from SHIXIAN_BOOTSTRAP_ADMIN_TOKEN on an empty database."""

from __future__ import annotations

import logging

from sqlmodel import Session, select

from models import ApiToken, User
from service.access import hash_token
from workflows.common import Role

log = logging.getLogger(__name__)


def bootstrap_admin(session: Session, token: str | None) -> User | None:
    if not token or session.exec(select(User.id)).first() is not None:
        return None
    admin = User(name="初始管理员", role=Role.ADMIN)
    session.add(admin)
    session.flush()
    assert admin.id is not None
    session.add(ApiToken(user_id=admin.id, token_hash=hash_token(token), prefix=token[:8]))
    session.commit()
    log.info("created the first administrator from SHIXIAN_BOOTSTRAP_ADMIN_TOKEN")
    return admin
