"""green channel: catalog resources record a temporary share type set for an emergency"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision, down_revision = "0004", "0003"


def upgrade() -> None:
    with op.batch_alter_table("catalogresource") as batch_op:
        batch_op.add_column(
            sa.Column(
                "reclassified_by_case", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True
            )
        )
        batch_op.add_column(sa.Column("reclassified_until", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("share_type_before", sa.String(length=40), nullable=True))
        batch_op.add_column(
            sa.Column(
                "share_type_reason",
                sqlmodel.sql.sqltypes.AutoString(),
                nullable=False,
                server_default="",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("catalogresource") as batch_op:
        batch_op.drop_column("share_type_reason")
        batch_op.drop_column("share_type_before")
        batch_op.drop_column("reclassified_until")
        batch_op.drop_column("reclassified_by_case")
