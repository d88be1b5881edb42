"""A catalog-update draft's entries: what a department changes in its part of the catalog.

Shared by the workflow, which keeps the draft, and the activity that publishes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class EntryOp(StrEnum):
    ADD = "add"
    CHANGE = "change"
    RETIRE = "retire"
    DISCARD = "discard"  # takes a resource's change back out of the draft


@dataclass(frozen=True)
class EntryChange:
    """One resource's change in the draft; for `change`, empty fields keep the live value."""

    op: EntryOp
    resource_id: str
    name: str = ""
    share_type: str = ""
    open_type: str = ""
    legal_basis: str = ""
    conditions: str = ""
    fields: list[str] = field(default_factory=list)
    update_cycle: str = ""
    reason: str = ""
