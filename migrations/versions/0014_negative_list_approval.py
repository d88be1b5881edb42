"""catalog resources keep the negative-listing case and the government approval behind a
not-shared mark

A resource becomes not-shared only through a negative-listing case (不予共享负面清单审批)
once the government's approval is recorded; the case number and the approval are kept on the
resource, and refusals cite the approval. Existing not-shared marks have neither: operators
list them (GET /api/v1/catalog/unapproved-not-shared) to regularize.
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision, down_revision = "0014", "0013"

COLUMNS: list[sa.Column[Any]] = [  # catalogresource's
    sa.Column("negative_list_case", sa.String(length=40), nullable=True),
    sa.Column("negative_list_approval", sa.String(), nullable=False, server_default=""),
]


def upgrade() -> None:
    with op.batch_alter_table("catalogresource") as batch_op:
        for column in COLUMNS:
            batch_op.add_column(column)


def downgrade() -> None:
    with op.batch_alter_table("catalogresource") as batch_op:
        for column in reversed(COLUMNS):
            batch_op.drop_column(column.name)
