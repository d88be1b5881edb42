"""What every route is given: the platform (settings, database, Temporal, clock) and the
caller behind the bearer token."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.access import Caller, authenticate
from service.platform import Platform
from workflows.common import Role


def get_platform(request: Request) -> Platform:
    return request.app.state.platform  # type: ignore[no-any-return]


PlatformDep = Annotated[Platform, Depends(get_platform)]

bearer = HTTPBearer(auto_error=False, description="API token issued by an administrator.")


def get_caller(
    platform: PlatformDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    """Runs in a worker thread (a plain function), with a session closed before it returns."""
    token = (
        credentials.credentials if credentials and credentials.scheme.lower() == "bearer" else None
    )
    with platform.session() as session:
        return authenticate(session, token, platform.now())


CallerDep = Annotated[Caller, Depends(get_caller)]


def require_admin(caller: CallerDep) -> Caller:
    """Checked before the body is validated: a caller who may not write learns nothing more
    (the use case checks it again, for the command line and the workbench)."""
    caller.require(Role.ADMIN)
    return caller


AdminDep = Annotated[Caller, Depends(require_admin)]
