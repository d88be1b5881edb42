"""cases name the applicant's jurisdiction beside the governing one (cross-jurisdiction cases)

A sharing application is governed by the provider's instruments (RULES.md section 0): its
`jurisdiction` is the provider's. The requesting side's jurisdiction is kept beside it, so that
the supervisors of both read the case and both reports count it, each under its own side.
Existing rows take their applicant department's jurisdiction.
"""

import sqlalchemy as sa
from alembic import op

revision, down_revision = "0009", "0008"

COLUMN = "applicant_jurisdiction"
TABLES = ("casesubmission", "caserecord")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column(COLUMN, sa.String(length=100), nullable=True))
    op.create_index(f"ix_caserecord_{COLUMN}", "caserecord", [COLUMN])
    for table in TABLES:
        op.execute(
            f"UPDATE {table} SET {COLUMN} = ("
            f"SELECT department.jurisdiction FROM department "
            f"WHERE department.id = {table}.applicant_department_id)"
        )


def downgrade() -> None:
    with op.batch_alter_table("caserecord") as batch_op:
        batch_op.drop_index(f"ix_caserecord_{COLUMN}")
        batch_op.drop_column(COLUMN)
    with op.batch_alter_table("casesubmission") as batch_op:
        batch_op.drop_column(COLUMN)
