"""initial schema"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

import models.db

revision, down_revision = "0001", None


def upgrade() -> None:
    op.create_table(
        "casecounter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ruleset", AutoString(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ruleset", "year"),
    )
    op.create_table(
        "caserecord",
        sa.Column("case_id", AutoString(length=120), nullable=False),
        sa.Column("case_number", AutoString(length=40), nullable=False),
        sa.Column("process", AutoString(length=40), nullable=False),
        sa.Column("ruleset", AutoString(length=40), nullable=False),
        sa.Column("jurisdiction", AutoString(length=100), nullable=False),
        sa.Column("status", AutoString(length=10), nullable=False),
        sa.Column("stage", AutoString(length=40), nullable=False),
        sa.Column("outcome", AutoString(length=40), nullable=True),
        sa.Column("applicant_department_id", AutoString(length=64), nullable=True),
        sa.Column("provider_department_id", AutoString(length=64), nullable=True),
        sa.Column("received_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due", models.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.Column("counted_from", models.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("updated_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id"),
        sa.UniqueConstraint("case_number"),
    )
    _create_indexes(
        "caserecord",
        "applicant_department_id",
        "due",
        "jurisdiction",
        "overdue",
        "process",
        "provider_department_id",
        "received_at",
        "ruleset",
        "stage",
        "status",
    )

    op.create_table(
        "department",
        sa.Column("id", AutoString(length=64), nullable=False),
        sa.Column("name", AutoString(length=200), nullable=False),
        sa.Column("jurisdiction", AutoString(length=100), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("created_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    _create_indexes("department", "jurisdiction")

    op.create_table(
        "catalogresource",
        sa.Column("id", AutoString(length=64), nullable=False),
        sa.Column("name", AutoString(length=200), nullable=False),
        sa.Column("provider_id", AutoString(), nullable=False),
        sa.Column("share_type", sa.String(length=40), nullable=False),
        sa.Column("open_type", sa.String(length=40), nullable=False),
        sa.Column("legal_basis", AutoString(), nullable=False),
        sa.Column("conditions", AutoString(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("update_cycle", AutoString(), nullable=False),
        sa.Column("status", AutoString(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by_case", AutoString(length=120), nullable=True),
        sa.Column("updated_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["provider_id"], ["department.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _create_indexes("catalogresource", "provider_id")

    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", AutoString(length=120), nullable=False),
        sa.Column("key", AutoString(length=80), nullable=False),
        sa.Column("kind", AutoString(length=40), nullable=False),
        sa.Column("recipient_department_id", AutoString(), nullable=False),
        sa.Column("title", AutoString(length=300), nullable=False),
        sa.Column("body", AutoString(), nullable=False),
        sa.Column("created_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["recipient_department_id"], ["department.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "key", "recipient_department_id"),
    )
    _create_indexes("notice", "case_id", "recipient_department_id")

    op.create_table(
        "user",
        sa.Column("name", AutoString(length=200), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("department_id", AutoString(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "apitoken",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", AutoString(length=64), nullable=False),
        sa.Column("prefix", AutoString(length=12), nullable=False),
        sa.Column("created_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", models.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    _create_indexes("apitoken", "user_id")

    op.create_table(
        "authorization",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", AutoString(length=120), nullable=False),
        sa.Column("stage", AutoString(length=60), nullable=False),
        sa.Column("applicant_department_id", AutoString(), nullable=False),
        sa.Column("resource_id", AutoString(), nullable=False),
        sa.Column("granted_by", sa.String(length=40), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("purpose", AutoString(), nullable=False),
        sa.Column("scenario", AutoString(), nullable=False),
        sa.Column("cite", AutoString(), nullable=False),
        sa.Column("granted_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("revoked_at", models.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["applicant_department_id"], ["department.id"]),
        sa.ForeignKeyConstraint(["resource_id"], ["catalogresource.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "stage"),
    )
    _create_indexes("authorization", "applicant_department_id", "case_id", "resource_id")

    op.create_table(
        "casesubmission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", AutoString(length=200), nullable=True),
        sa.Column("request_hash", AutoString(length=64), nullable=False),
        sa.Column("case_id", AutoString(length=120), nullable=False),
        sa.Column("process", AutoString(length=40), nullable=False),
        sa.Column("ruleset", AutoString(length=40), nullable=False),
        sa.Column("jurisdiction", AutoString(length=100), nullable=False),
        sa.Column("applicant_department_id", AutoString(length=64), nullable=True),
        sa.Column("provider_department_id", AutoString(length=64), nullable=True),
        sa.Column("start", sa.JSON(), nullable=False),
        sa.Column("created_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id"),
        sa.UniqueConstraint("user_id", "idempotency_key"),
    )
    _create_indexes("casesubmission", "user_id")


def downgrade() -> None:
    _drop_indexes("casesubmission", "user_id")
    op.drop_table("casesubmission")
    _drop_indexes("authorization", "resource_id", "case_id", "applicant_department_id")
    op.drop_table("authorization")
    _drop_indexes("apitoken", "user_id")
    op.drop_table("apitoken")
    op.drop_table("user")
    _drop_indexes("notice", "recipient_department_id", "case_id")
    op.drop_table("notice")
    _drop_indexes("catalogresource", "provider_id")
    op.drop_table("catalogresource")
    _drop_indexes("department", "jurisdiction")
    op.drop_table("department")
    _drop_indexes(
        "caserecord",
        "status",
        "stage",
        "ruleset",
        "received_at",
        "provider_department_id",
        "process",
        "overdue",
        "jurisdiction",
        "due",
        "applicant_department_id",
    )
    op.drop_table("caserecord")
    op.drop_table("casecounter")


def _create_indexes(table: str, *columns: str) -> None:
    """One non-unique index per column, named ix_<table>_<column>."""
    with op.batch_alter_table(table) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def _drop_indexes(table: str, *columns: str) -> None:
    with op.batch_alter_table(table) as batch_op:
        for column in columns:
            batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
