"""catalog update: catalog versions and their changes"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

import models.db

revision, down_revision = "0005", "0004"


def upgrade() -> None:
    op.create_table(
        "catalogversion",
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("case_id", AutoString(length=120), nullable=False),
        sa.Column("case_number", AutoString(length=40), nullable=False),
        sa.Column("department_id", AutoString(), nullable=False),
        sa.Column("published_by", sa.Integer(), nullable=False),
        sa.Column("published_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"]),
        sa.ForeignKeyConstraint(["published_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("number"),
        sa.UniqueConstraint("case_id"),
    )
    _create_indexes("catalogversion", "department_id", "published_at")
    op.create_table(
        "catalogchange",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("resource_id", AutoString(length=64), nullable=False),
        sa.Column("op", AutoString(length=10), nullable=False),
        sa.Column("reason", AutoString(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["version_number"], ["catalogversion.number"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _create_indexes("catalogchange", "version_number", "resource_id")


def downgrade() -> None:
    op.drop_table("catalogchange")
    op.drop_table("catalogversion")


def _create_indexes(table: str, *columns: str) -> None:
    """One non-unique index per column, named ix_<table>_<column>."""
    with op.batch_alter_table(table) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)
