"""The data catalog as the viewer may read it: the whole catalog for government staff, the open
catalog (开放目录) for the public."""

from __future__ import annotations

from fastapi.responses import Response

from service import catalog, reference
from web.rendering import page
from web.routing import web_router
from web.session import PlatformDep, ViewerDep
from workflows.common import Role

router = web_router()


@router.get("/catalog")
def catalog_page(platform: PlatformDep, viewer: ViewerDep) -> Response:
    found = catalog.list_resources(platform, viewer.caller, limit=1000)
    names = reference.department_names(
        platform, viewer.caller, [r.provider_id for r in found.items]
    )
    return page(
        viewer,
        "catalog.html",
        resources=found.items,
        names=names,
        public=viewer.role is Role.PUBLIC,
    )
