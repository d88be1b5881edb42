"""objection: catalog suspension by case, notices to public users"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision, down_revision = "0002", "0001"

RESOURCE_COLUMNS: list[sa.Column[Any]] = [
    sa.Column("suspended_by_case", AutoString(length=40), nullable=True),
    sa.Column("status_reason", AutoString(), nullable=False, server_default=""),
]


def upgrade() -> None:
    with op.batch_alter_table("catalogresource") as batch_op:
        for column in RESOURCE_COLUMNS:
            batch_op.add_column(column)
    with op.batch_alter_table("notice") as batch_op:
        batch_op.alter_column(
            "recipient_department_id",
            existing_type=AutoString(),
            nullable=True,
        )
        batch_op.add_column(sa.Column("recipient_user_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_notice_recipient_user_id"), ["recipient_user_id"], unique=False
        )
        batch_op.create_foreign_key(
            "fk_notice_recipient_user_id", "user", ["recipient_user_id"], ["id"]
        )
        batch_op.create_unique_constraint("uq_notice_user", ["case_id", "key", "recipient_user_id"])


def downgrade() -> None:
    with op.batch_alter_table("notice") as batch_op:
        batch_op.drop_constraint("uq_notice_user", type_="unique")
        batch_op.drop_constraint("fk_notice_recipient_user_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_notice_recipient_user_id"))
        batch_op.drop_column("recipient_user_id")
        batch_op.alter_column(
            "recipient_department_id",
            existing_type=AutoString(),
            nullable=False,
        )
    with op.batch_alter_table("catalogresource") as batch_op:
        for column in reversed(RESOURCE_COLUMNS):
            batch_op.drop_column(column.name)
