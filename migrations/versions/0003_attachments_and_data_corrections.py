"""attachments (evidence, stored by digest, cited by cases) and data corrections"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

import models.db

revision, down_revision = "0003", "0002"


def upgrade() -> None:
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", AutoString(length=64), nullable=False),
        sa.Column("name", AutoString(length=200), nullable=False),
        sa.Column("content_type", AutoString(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=False),
        sa.Column("created_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["uploaded_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _create_indexes("attachment", "sha256", "uploaded_by")

    op.create_table(
        "datacorrection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", AutoString(length=120), nullable=False),
        sa.Column("resource_id", AutoString(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("change", AutoString(), nullable=False),
        sa.Column("made_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["resource_id"], ["catalogresource.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "resource_id"),
    )
    _create_indexes("datacorrection", "case_id", "resource_id")

    op.create_table(
        "attachmentcitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.Column("case_id", AutoString(length=120), nullable=False),
        sa.ForeignKeyConstraint(["attachment_id"], ["attachment.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("attachment_id", "case_id"),
    )
    _create_indexes("attachmentcitation", "attachment_id", "case_id")


def downgrade() -> None:
    _drop_indexes("attachmentcitation", "case_id", "attachment_id")
    op.drop_table("attachmentcitation")
    _drop_indexes("datacorrection", "resource_id", "case_id")
    op.drop_table("datacorrection")
    _drop_indexes("attachment", "uploaded_by", "sha256")
    op.drop_table("attachment")


def _create_indexes(table: str, *columns: str) -> None:
    """One non-unique index per column, named ix_<table>_<column>."""
    with op.batch_alter_table(table) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def _drop_indexes(table: str, *columns: str) -> None:
    with op.batch_alter_table(table) as batch_op:
        for column in columns:
            batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
