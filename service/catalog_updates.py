"""Editing a catalog update's draft (目录更新): the edit is checked against the live catalog
here, then the case checks who may edit and when. Nothing changes the live catalog until
the draft is published."""

from __future__ import annotations

import json
from dataclasses import asdict

from sqlmodel import Session

from models import CaseSubmission
from service.access import Caller, readable_case
from service.cases import case_state, execute, present, process_of
from service.errors import Forbidden, Invalid, NotFound
from service.platform import Platform
from service.submissions.catalog_update import CATALOG_UPDATE, DraftEdit, check_edit
from service.views import CaseOut
from workflows.catalog_entries import EntryChange, EntryOp
from workflows.catalog_update import CatalogUpdateWorkflow, EditDraftInput
from workflows.common import Role


async def edit_draft(platform: Platform, caller: Caller, case_id: str, edit: DraftEdit) -> CaseOut:
    """Add, change or retire a catalog entry in the case's draft (or `discard` an edit)."""

    def check(session: Session) -> tuple[CaseSubmission, EntryChange]:
        submission = readable_case(session, caller, case_id)
        if process_of(submission.case_id) is not CATALOG_UPDATE:
            raise NotFound("只有目录更新案件有目录草稿。", "no_draft")
        if caller.role is not Role.CASEWORKER:
            raise Forbidden("目录草稿只能由本案部门的经办人编辑。", "not_case_department")
        return submission, check_edit(session, submission.provider_department_id or "", edit)

    submission, change = await platform.run(check)
    state = await case_state(platform, submission, viewer=None)
    _refuse_oversized(state.details.get("draft", []), change)
    state = await execute(
        platform,
        submission.case_id,
        CatalogUpdateWorkflow.edit_draft,
        EditDraftInput(caller.actor(), change),
    )
    return present(state, platform.now(), platform.calendar())


# The case carries its whole draft in its state, and the state travels in every Temporal payload
# of the case: a draft past this size would bring it near the 2 MB payload limit, past which no
# workflow task completes. About a hundred ordinary entries fit; a larger update is split.
DRAFT_BYTES = 512 * 1024


def _refuse_oversized(draft: object, change: EntryChange) -> None:
    if change.op is EntryOp.DISCARD or not isinstance(draft, list):
        return
    entries = {entry["resource_id"]: entry for entry in draft}
    entries[change.resource_id] = asdict(change)
    size = len(json.dumps(list(entries.values()), ensure_ascii=False).encode())
    if size > DRAFT_BYTES:
        raise Invalid(
            f"目录草稿过大（超过 {DRAFT_BYTES // 1024} KB），不能再添加；"
            "请先提交本案，其余变更另开目录更新案件办理。",
            "draft_too_large",
        )
