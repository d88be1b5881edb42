"""Migration 0010 gives the opening (开放) a status of its own beside sharing (共享), hubei
第三条: a suspension an objection made moves from the sharing status to the open status; a
retirement an objection's withdrawal made keeps the sharing status (an administrator decides
whether to share it again) and marks the opening withdrawn; everything else is untouched."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from models.db import engine_for
from tests.migrations.test_typed_case_details import migrate_to

RESOURCES = sa.table(
    "catalogresource",
    *(sa.column(c) for c in ("id", "name", "provider_id", "share_type", "open_type")),
    *(sa.column(c) for c in ("legal_basis", "conditions", "update_cycle", "status", "version")),
    *(sa.column(c) for c in ("status_reason", "suspended_by_case", "share_type_reason")),
    sa.column("fields", sa.JSON),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
DEPARTMENTS = sa.table(
    "department",
    *(sa.column(c) for c in ("id", "name", "kind", "jurisdiction")),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
BEFORE = {
    "held": ("suspended", "HB419-2026-000001", "开放数据异议 HB419-2026-000001：暂停开放。"),
    "withdrawn": ("retired", None, "开放数据异议 HB419-2026-000002：撤回数据。含个人住址"),
    "by-admin": ("suspended", None, ""),
    "updated-away": ("retired", None, "目录更新 HB419-2026-000003：停用。职能调整"),
    "plain": ("active", None, ""),
}


def test_an_objection_holds_the_opening_only_after_the_migration(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate_to(url, "0008")
    with engine_for(url).begin() as connection:
        connection.execute(
            DEPARTMENTS.insert().values(
                id="d",
                name="部门",
                kind="ordinary",
                jurisdiction="hubei",
                created_at=sa.func.current_timestamp(),
            )
        )
        for id_, (status, held_by, reason) in BEFORE.items():
            connection.execute(
                RESOURCES.insert().values(
                    id=id_,
                    name=id_,
                    provider_id="d",
                    share_type="conditional",
                    open_type="unconditional",
                    legal_basis="",
                    conditions="",
                    update_cycle="",
                    status=status,
                    version=1,
                    status_reason=reason,
                    suspended_by_case=held_by,
                    share_type_reason="",
                    fields=[],
                    updated_at=sa.func.current_timestamp(),
                )
            )
    migrate_to(url, "0010")
    after = sa.text(
        "SELECT id, status, open_status, suspended_by_case, open_status_reason FROM catalogresource"
    )
    with engine_for(url).begin() as connection:
        rows = {row[0]: tuple(row[1:]) for row in connection.execute(after)}
    held = rows.pop("held")
    assert held[:3] == ("active", "suspended", "HB419-2026-000001")
    assert "暂停开放" in held[3]
    withdrawn = rows.pop("withdrawn")
    assert withdrawn[:3] == ("retired", "withdrawn", None)
    assert "撤回数据" in withdrawn[3]
    assert rows == {
        "by-admin": ("suspended", "open", None, ""),
        "updated-away": ("retired", "open", None, ""),
        "plain": ("active", "open", None, ""),
    }
