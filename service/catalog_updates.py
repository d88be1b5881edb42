"""Editing a catalog update's draft (目录更新): the edit is checked against the live catalog
here, then the case checks who may edit and when. Nothing changes the live catalog until
the draft is published."""

from __future__ import annotations

from dataclasses import replace

from sqlmodel import Session

from models import CaseSubmission
from service.access import Caller, readable_case
from service.cases import assertion, execute, present, process_of
from service.errors import Forbidden, NotFound
from service.platform import Platform
from service.submissions.catalog_update import CATALOG_UPDATE, DraftEdit, check_edit
from service.views import CaseOut
from workflows.catalog_entries import EntryChange
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
    request = EditDraftInput(caller.actor(), change)
    signed = replace(
        request,
        assertion=assertion(
            platform, submission.case_id, "edit_draft", request.actor, request.payload()
        ),
    )
    state = await execute(platform, submission.case_id, CatalogUpdateWorkflow.edit_draft, signed)
    return present(state, platform.now(), platform.calendar())
