"""faults: submissions confirmed started or voided with a reason, stuck cases, the answers to
actions sent with an Idempotency-Key
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

import models.db

revision, down_revision = "0013", "0012"

SUBMISSION_COLUMNS: list[sa.Column[Any]] = [
    sa.Column("started_at", models.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column("voided_at", models.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column("void_reason", AutoString(length=500), nullable=True),
]


def upgrade() -> None:
    with op.batch_alter_table("casesubmission") as batch_op:
        for column in SUBMISSION_COLUMNS:
            batch_op.add_column(column)
    # Submissions numbered before this revision whose case is listed with a recorded stage
    # started long ago; the others are left for the sweeper to confirm against Temporal.
    op.execute(
        "UPDATE casesubmission SET started_at = created_at WHERE case_id IN "
        "(SELECT case_id FROM caserecord WHERE revision > 0)"
    )
    op.create_table(
        "stuckcase",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", AutoString(length=120), nullable=False),
        sa.Column("kind", AutoString(length=20), nullable=False),
        sa.Column("activity", AutoString(length=80), nullable=True),
        sa.Column("error_type", AutoString(length=120), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("since", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "kind"),
    )
    op.create_index("ix_stuckcase_case_id", "stuckcase", ["case_id"], unique=False)
    op.create_table(
        "actionreceipt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", AutoString(length=200), nullable=False),
        sa.Column("request_hash", AutoString(length=64), nullable=False),
        sa.Column("case_id", AutoString(length=120), nullable=False),
        sa.Column("action", AutoString(length=40), nullable=False),
        sa.Column("update_id", AutoString(length=80), nullable=False),
        sa.Column("recorded", sa.Boolean(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response", sa.JSON(), nullable=True),
        sa.Column("created_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", models.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "idempotency_key"),
    )
    op.create_index("ix_actionreceipt_user_id", "actionreceipt", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_actionreceipt_user_id", table_name="actionreceipt")
    op.drop_table("actionreceipt")
    op.drop_index("ix_stuckcase_case_id", table_name="stuckcase")
    op.drop_table("stuckcase")
    with op.batch_alter_table("casesubmission") as batch_op:
        for column in reversed(SUBMISSION_COLUMNS):
            batch_op.drop_column(column.name)
