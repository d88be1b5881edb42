"""cases name the applicant's jurisdiction beside the governing one (cross-jurisdiction cases)

A sharing application is governed by the provider's instruments (RULES.md section 0): its
`jurisdiction` is the provider's. The requesting side's jurisdiction is kept beside it, so that
the supervisors of both read the case and both reports count it, each under its own side.
Existing rows take their applicant department's jurisdiction.
"""

import sqlalchemy as sa
from alembic import op

revision, down_revision = "0009", "0008"


def upgrade() -> None:
    with op.batch_alter_table("casesubmission") as batch_op:
        batch_op.add_column(
            sa.Column("applicant_jurisdiction", sa.String(length=100), nullable=True)
        )
    with op.batch_alter_table("caserecord") as batch_op:
        batch_op.add_column(
            sa.Column("applicant_jurisdiction", sa.String(length=100), nullable=True)
        )
        batch_op.create_index(
            "ix_caserecord_applicant_jurisdiction", ["applicant_jurisdiction"], unique=False
        )
    for table in ("casesubmission", "caserecord"):
        op.execute(
            f"UPDATE {table} SET applicant_jurisdiction = ("
            f"SELECT department.jurisdiction FROM department "
            f"WHERE department.id = {table}.applicant_department_id)"
        )


def downgrade() -> None:
    with op.batch_alter_table("caserecord") as batch_op:
        batch_op.drop_index("ix_caserecord_applicant_jurisdiction")
        batch_op.drop_column("applicant_jurisdiction")
    with op.batch_alter_table("casesubmission") as batch_op:
        batch_op.drop_column("applicant_jurisdiction")
