"""emergency grants: an authorization granted under a temporary share type (dongying 第二十条第三款)
names the reclassification case, and records why it was revoked on the restore or which
ordinary grant kept it
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision, down_revision = "0011", "0010"

COLUMNS: list[sa.Column[Any]] = [  # authorization's
    sa.Column("reclassified_by_case", AutoString(length=40), nullable=True),
    sa.Column("revoked_reason", AutoString(), nullable=False, server_default=""),
    sa.Column("kept_by_case", AutoString(length=120), nullable=True),
]
INDEX = "ix_authorization_reclassified_by_case"


def upgrade() -> None:
    with op.batch_alter_table("authorization") as batch_op:
        for column in COLUMNS:
            batch_op.add_column(column)
        batch_op.create_index(batch_op.f(INDEX), ["reclassified_by_case"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("authorization") as batch_op:
        batch_op.drop_index(batch_op.f(INDEX))
        for column in reversed(COLUMNS):
            batch_op.drop_column(column.name)
