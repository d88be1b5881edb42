"""The negative list (不予共享负面清单) in the catalog: a resource becomes not-shared only with
the government's approval recorded by a negative-listing case."""

from __future__ import annotations

from dataclasses import dataclass

from temporalio import activity

from activities.catalog import catalog_resource, save_new_version
from activities.database import session
from workflows.common import ShareType


@dataclass(frozen=True)
class ListNotSharedInput:
    case_id: str
    case_number: str
    resource_id: str
    approval: str  # the approving document, as later refusals cite it
    reason: str  # the legal basis and the reasons (809 第十五条: listed in the catalog)


@activity.defn
def list_not_shared(request: ListNotSharedInput) -> int:
    """Mark the resource not-shared under the approval. Set, never toggle: a retry finds the
    mark of this case and changes nothing. A resource temporarily reclassified (dongying
    第二十条) keeps its temporary type; not-shared is the type its end restores. Returns the
    resource's version afterwards."""
    with session() as db:
        resource = catalog_resource(db, request.resource_id)
        if resource.negative_list_case == request.case_number:
            return resource.version
        if resource.reclassified_by_case is not None:
            resource.share_type_before = ShareType.NOT_SHARED
        else:
            resource.share_type = ShareType.NOT_SHARED
        resource.negative_list_case = request.case_number
        resource.negative_list_approval = request.approval
        resource.share_type_reason = f"列入不予共享负面清单：{request.approval}。{request.reason}"
        return save_new_version(db, resource)
