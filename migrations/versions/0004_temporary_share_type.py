"""green channel: catalog resources record a temporary share type set for an emergency"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision, down_revision = "0004", "0003"

COLUMNS: list[sa.Column[Any]] = [  # catalogresource's
    sa.Column("reclassified_by_case", AutoString(length=40), nullable=True),
    sa.Column("reclassified_until", sa.Date(), nullable=True),
    sa.Column("share_type_before", sa.String(length=40), nullable=True),
    sa.Column("share_type_reason", AutoString(), nullable=False, server_default=""),
]


def upgrade() -> None:
    with op.batch_alter_table("catalogresource") as batch_op:
        for column in COLUMNS:
            batch_op.add_column(column)


def downgrade() -> None:
    with op.batch_alter_table("catalogresource") as batch_op:
        for column in reversed(COLUMNS):
            batch_op.drop_column(column.name)
