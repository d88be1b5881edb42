"""workbench: usernames and password hashes, login lockout, token expiry, web sessions, read
notices
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

import models.db

revision, down_revision = "0008", "0007"

USER_COLUMNS: list[sa.Column[Any]] = [
    sa.Column("username", AutoString(length=120), nullable=True),
    sa.Column("password_hash", AutoString(length=200), nullable=True),
    sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("locked_until", models.db.UTCDateTime(timezone=True), nullable=True),
]


def upgrade() -> None:
    with op.batch_alter_table("user") as batch_op:
        for column in USER_COLUMNS:
            batch_op.add_column(column)
        batch_op.create_unique_constraint("uq_user_username", ["username"])
    with op.batch_alter_table("apitoken") as batch_op:
        # Tokens issued before this revision keep no expiry; docs/operations.md says to
        # reissue them.
        batch_op.add_column(
            sa.Column("expires_at", models.db.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "websession",
        sa.Column("token_hash", AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", AutoString(length=64), nullable=False),
        sa.Column("created_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_websession_user_id", "websession", ["user_id"], unique=False)
    op.create_table(
        "noticeread",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("read_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["notice_id"], ["notice.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("notice_id", "user_id"),
    )
    op.create_index("ix_noticeread_notice_id", "noticeread", ["notice_id"], unique=False)
    op.create_index("ix_noticeread_user_id", "noticeread", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_noticeread_user_id", table_name="noticeread")
    op.drop_index("ix_noticeread_notice_id", table_name="noticeread")
    op.drop_table("noticeread")
    op.drop_index("ix_websession_user_id", table_name="websession")
    op.drop_table("websession")
    with op.batch_alter_table("apitoken") as batch_op:
        batch_op.drop_column("expires_at")
    with op.batch_alter_table("user") as batch_op:
        batch_op.drop_constraint("uq_user_username", type_="unique")
        for column in reversed(USER_COLUMNS):
            batch_op.drop_column(column.name)
