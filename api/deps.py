"""What every route is given: the platform (settings, database, Temporal, clock) and the
caller behind the bearer token."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.access import Caller, authenticate
from service.errors import Invalid
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

# Which jurisdiction a supervising view (dashboard, statistics) covers.
JurisdictionQuery = Annotated[
    str | None,
    Query(
        description="Auditors: one jurisdiction (and those inside it); default all. "
        "Supervisors: their own, or one inside it."
    ),
]


def known_parameters(request: Request) -> None:
    """Refuse query parameters the route does not take: a misspelt filter
    (`/authorizations?department=`) must not silently return everything."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    taken = set(_query_names(route.dependant))
    unknown = sorted(set(request.query_params) - taken)
    if unknown:
        allowed = "、".join(sorted(taken)) or "无"
        raise Invalid(
            f"不支持的查询参数：{'、'.join(unknown)}；可用参数：{allowed}。", "unknown_parameter"
        )


def _query_names(dependant: Dependant) -> list[str]:
    names = [param.alias for param in dependant.query_params]
    for dependency in dependant.dependencies:
        names += _query_names(dependency)
    return names
