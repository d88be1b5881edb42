"""cases name a second providing department (a joint verification of conflicting data)"""

import sqlalchemy as sa
from alembic import op

revision, down_revision = "0006", "0005"


def upgrade() -> None:
    with op.batch_alter_table("casesubmission") as batch_op:
        batch_op.add_column(
            sa.Column("second_provider_department_id", sa.String(length=64), nullable=True)
        )
    with op.batch_alter_table("caserecord") as batch_op:
        batch_op.add_column(
            sa.Column("second_provider_department_id", sa.String(length=64), nullable=True)
        )
        batch_op.create_index(
            "ix_caserecord_second_provider_department_id",
            ["second_provider_department_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("caserecord") as batch_op:
        batch_op.drop_index("ix_caserecord_second_provider_department_id")
        batch_op.drop_column("second_provider_department_id")
    with op.batch_alter_table("casesubmission") as batch_op:
        batch_op.drop_column("second_provider_department_id")
