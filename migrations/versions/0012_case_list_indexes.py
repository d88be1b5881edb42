"""the supervisors' views at the SQL floor: when a case closed and by what it was granted, as
columns; a covering index for the open cases of a jurisdiction, one for the deemed consents
of a month, one for submissions by their key

The dashboard counted this month's deemed consents (视为同意) by reading every such case's
state JSON and its closing event in Python: at 100,000 cases most of its time. `closed_at`
and `granted_by` are filled from the stored state here, and by the projection from now on.
"""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import models.db

revision, down_revision = "0012", "0011"

records = sa.table(
    "caserecord",
    sa.column("case_id", sa.String),
    sa.column("status", sa.String),
    sa.column("state", sa.JSON),
    sa.column("closed_at", models.db.UTCDateTime()),
    sa.column("granted_by", sa.String),
)
# The columns every supervisors' view filters, groups and counts open cases by, in one
# covering index: counting never reads the rows (each carries its state, about 2 KB), and
# a list sorts ids from the index and reads only the page it shows.
OPEN_CASES = [
    "status",
    "jurisdiction",
    "applicant_jurisdiction",  # a supervisor also reads the cases its side applied for
    "due",
    "overdue",
    "process",
    "stage",
    "provider_department_id",
    "applicant_department_id",
    "second_provider_department_id",
    "case_id",
]
# One-column indexes the covering one replaces: a planner took them to avoid sorting a GROUP BY
# (open cases by stage through the process index) and then read every row they pointed to.
REPLACED = ["status", "process", "stage", "overdue"]
INDEXES = {
    "ix_caserecord_open_cases": OPEN_CASES,
    # A month's deemed consents.
    "ix_caserecord_granted_by_closed_at": ["granted_by", "closed_at"],
}


def upgrade() -> None:
    with op.batch_alter_table("caserecord") as batch_op:
        batch_op.add_column(sa.Column("closed_at", models.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("granted_by", sa.String(length=40), nullable=True))
    bind = op.get_bind()
    closed = sa.select(records.c.case_id, records.c.state).where(records.c.status == "closed")
    for case_id, state in bind.execute(closed).all():
        closed_at, granted_by = _closing(state)
        bind.execute(
            records.update()
            .where(records.c.case_id == case_id)
            .values(closed_at=closed_at, granted_by=granted_by)
        )
    for column in REPLACED:
        op.drop_index(f"ix_caserecord_{column}", "caserecord")
    for name, columns in INDEXES.items():
        op.create_index(name, "caserecord", columns)
    # The yearly maintenance's cases, found by their key for every department at once.
    op.create_index("ix_casesubmission_idempotency_key", "casesubmission", ["idempotency_key"])


def downgrade() -> None:
    op.drop_index("ix_casesubmission_idempotency_key", "casesubmission")
    for name in INDEXES:
        op.drop_index(name, "caserecord")
    for column in REPLACED:
        op.create_index(f"ix_caserecord_{column}", "caserecord", [column])
    with op.batch_alter_table("caserecord") as batch_op:
        batch_op.drop_column("granted_by")
        batch_op.drop_column("closed_at")


def _closing(state: dict[str, Any]) -> tuple[datetime | None, str | None]:
    """The state's closing instant and how it was granted, as the projection now records them."""
    closing = next((e for e in reversed(state.get("events", [])) if e["kind"] == "closed"), None)
    at = datetime.fromisoformat(closing["at"]) if closing else None
    return at, (state.get("details") or {}).get("granted_by")
