"""opening apart from sharing: a catalog resource's open status (开放) beside its sharing
status (共享), hubei 第三条

An objection to opened data (hubei 第二十八条) used to suspend the resource's sharing status.
Suspensions held by an objection case move to the open status: the resource's sharing is
active again, its opening stays suspended by the same case. A resource an objection withdrew
used to be retired; that cannot be told apart from a retirement an administrator made later
(both leave the same `status_reason`), so such resources keep their sharing status and only
their opening is marked withdrawn: docs/processes/open-data-objection.md says how an
administrator puts their sharing back.
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision, down_revision = "0010", "0009"

resources = sa.table(
    "catalogresource",
    sa.column("status", sa.String),
    sa.column("status_reason", sa.String),
    sa.column("suspended_by_case", sa.String),
    sa.column("open_status", sa.String),
    sa.column("open_status_reason", sa.String),
)
COLUMNS: list[sa.Column[Any]] = [  # catalogresource's
    sa.Column("open_status", AutoString(length=20), nullable=False, server_default="open"),
    sa.Column("open_status_reason", AutoString(), nullable=False, server_default=""),
]
# The text an objection's withdrawal left on the resource (workflows/open_data_objection.py).
WITHDRAWN_BY_OBJECTION = "开放数据异议 %：撤回数据。%"


def upgrade() -> None:
    with op.batch_alter_table("catalogresource") as batch_op:
        for column in COLUMNS:
            batch_op.add_column(column)
    bind = op.get_bind()
    bind.execute(
        resources.update()
        .where(resources.c.status == "suspended", resources.c.suspended_by_case.is_not(None))
        .values(
            open_status="suspended",
            open_status_reason=resources.c.status_reason,
            status="active",
            status_reason="开放数据异议只中止开放，不影响共享（湖北省人民政府令第419号第三条）。",
        )
    )
    bind.execute(
        resources.update()
        .where(
            resources.c.status == "retired",
            resources.c.status_reason.like(WITHDRAWN_BY_OBJECTION),
        )
        .values(open_status="withdrawn", open_status_reason=resources.c.status_reason)
    )


def downgrade() -> None:
    bind = op.get_bind()
    bind.execute(
        resources.update()
        .where(resources.c.open_status == "suspended", resources.c.suspended_by_case.is_not(None))
        .values(status="suspended", status_reason=resources.c.open_status_reason)
    )
    with op.batch_alter_table("catalogresource") as batch_op:
        for column in reversed(COLUMNS):
            batch_op.drop_column(column.name)
