"""the case projection's snapshots in the typed shape: a step's time limit as `limit` (on time
as a boolean, the limits missed as a list), an extension as one record in every process, a
green-channel demand's filing track

Cases running in Temporal rebuild their state from their history with the current code; only
the snapshots the projection stored (lists, reports, cases past retention) are rewritten.
"""

import re
from typing import Any

import sqlalchemy as sa
from alembic import op

revision, down_revision = "0007", "0006"

records = sa.table("caserecord", sa.column("case_id", sa.String), sa.column("state", sa.JSON))
MISSED = re.compile(r"(.+?)（([^（）]+)）")


def upgrade() -> None:
    bind = op.get_bind()
    for case_id, state in bind.execute(sa.select(records.c.case_id, records.c.state)).all():
        retyped = retype(state, case_id)
        if retyped != state:
            bind.execute(records.update().where(records.c.case_id == case_id).values(state=retyped))


def downgrade() -> None:
    """The earlier text shapes are not rebuilt: a downgraded API reads the typed ones as text
    where it can, and running cases write their own shape again as they move."""


def retype(state: dict[str, Any], case_id: str) -> dict[str, Any]:
    state = dict(state)
    state["events"] = [_event(dict(event)) for event in state.get("events", [])]
    details = state.get("details")
    if not details:  # a case listed before its workflow recorded anything
        state["details"] = None
        return state
    state["details"] = _details(case_id.split("/", 1)[0], dict(details))
    return state


def _event(event: dict[str, Any]) -> dict[str, Any]:
    if "limit" in event:
        return event
    detail = dict(event.get("detail") or {})
    kind = event.get("kind")
    limit: dict[str, Any] | None = None
    if "deadline_due" in detail:
        missed = detail.pop("missed", "")
        limit = {
            "due": detail.pop("deadline_due"),
            "cite": detail.pop("cite", ""),
            "on_time": detail.pop("on_time", "true") == "true",
            "missed": [
                {"cite": cite.strip("；"), "due": due} for cite, due in MISSED.findall(missed)
            ],
        }
    elif kind in ("overdue", "deemed_consent", "reminded") and "due" in detail:
        limit = {
            "due": detail.pop("due"),
            "cite": detail.pop("cite", ""),
            "on_time": None if kind == "reminded" else False,
        }
    elif kind == "replanned" and "new_due" in detail:
        limit = {
            "due": detail.pop("new_due"),
            "cite": "",
            "replanned_from": detail.pop("old_due", None),
            "provisional": detail.pop("provisional", "false") == "true",
        }
    event["detail"] = detail
    event["limit"] = limit
    return event


def _details(slug: str, details: dict[str, Any]) -> dict[str, Any]:
    extension = details.get("extension")
    if slug == "catalog-update" and isinstance(extension, str):
        details["extension"] = (
            None if extension == "none" else {"status": extension, "working_days": 0, "reason": ""}
        )
    if slug == "quality-verification" and isinstance(extension, dict):
        details["extension"] = {
            "status": extension.get("status", "requested"),
            "working_days": extension.get("requested_working_days", 0),
            "reason": extension.get("reason", ""),
            "original_due": extension.get("original_due"),
            "extended_due": extension.get("extended_due"),
            "decision_reason": extension.get("decision_reason", ""),
        }
    if slug == "green-channel" and "filed_on" not in details:
        routed = "routed_to_ordinary_at" in details
        details["filed_on"] = "green" if routed or details.get("track") == "green" else "ordinary"
    return details
