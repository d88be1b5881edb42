"""catalog update: catalog versions and their changes"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import models.db

revision, down_revision = "0005", "0004"


def upgrade() -> None:
    op.create_table(
        "catalogversion",
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("case_id", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("case_number", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("department_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("published_by", sa.Integer(), nullable=False),
        sa.Column("published_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"]),
        sa.ForeignKeyConstraint(["published_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("number"),
        sa.UniqueConstraint("case_id"),
    )
    with op.batch_alter_table("catalogversion") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_catalogversion_department_id"), ["department_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_catalogversion_published_at"), ["published_at"], unique=False
        )
    op.create_table(
        "catalogchange",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("resource_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("op", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["version_number"], ["catalogversion.number"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("catalogchange") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_catalogchange_version_number"), ["version_number"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_catalogchange_resource_id"), ["resource_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("catalogchange")
    op.drop_table("catalogversion")
