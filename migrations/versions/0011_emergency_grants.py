"""emergency grants: an authorization granted under a temporary share type (dongying 第二十条第三款)
names the reclassification case, and records why it was revoked on the restore or which
ordinary grant kept it
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision, down_revision = "0011", "0010"


def upgrade() -> None:
    with op.batch_alter_table("authorization") as batch_op:
        batch_op.add_column(
            sa.Column(
                "reclassified_by_case", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column(
                "revoked_reason",
                sqlmodel.sql.sqltypes.AutoString(),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(
            sa.Column("kept_by_case", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_authorization_reclassified_by_case"),
            ["reclassified_by_case"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("authorization") as batch_op:
        batch_op.drop_index(batch_op.f("ix_authorization_reclassified_by_case"))
        batch_op.drop_column("kept_by_case")
        batch_op.drop_column("revoked_reason")
        batch_op.drop_column("reclassified_by_case")
