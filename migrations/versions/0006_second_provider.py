"""cases name a second providing department (a joint verification of conflicting data)"""

import sqlalchemy as sa
from alembic import op

revision, down_revision = "0006", "0005"

COLUMN = "second_provider_department_id"


def upgrade() -> None:
    for table in ("casesubmission", "caserecord"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column(COLUMN, sa.String(length=64), nullable=True))
    op.create_index(f"ix_caserecord_{COLUMN}", "caserecord", [COLUMN])


def downgrade() -> None:
    with op.batch_alter_table("caserecord") as batch_op:
        batch_op.drop_index(f"ix_caserecord_{COLUMN}")
        batch_op.drop_column(COLUMN)
    with op.batch_alter_table("casesubmission") as batch_op:
        batch_op.drop_column(COLUMN)
