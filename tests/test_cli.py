"""The `shixian` command, in-process, on the database of the test's settings."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from models import ApiToken, CatalogResource, Department, User
from service.access import hash_token
from shixian.cli import main

HEADER = "id,name,provider_id,share_type,open_type,legal_basis,conditions,fields,update_cycle\n"


def printed_token(output: str) -> str:
    match = re.search(r"令牌（只显示这一次，请妥善保存）：(\S+)", output)
    assert match, output
    return match.group(1)


def test_department_and_user_added_from_the_console_get_a_working_token(settings, session, capsys):
    assert (
        main(
            ["department", "add", "hubei-health", "湖北省卫生健康委员会", "--jurisdiction", "hubei"]
        )
        == 0
    )
    assert "已新增部门 hubei-health" in capsys.readouterr().out
    assert session.get(Department, "hubei-health").kind == "ordinary"

    code = main(
        ["user", "add", "卫健经办人", "--role", "caseworker", "--department", "hubei-health"]
    )
    assert code == 0
    token = printed_token(capsys.readouterr().out)
    session.expire_all()
    user = session.exec(select(User).where(User.name == "卫健经办人")).one()
    stored = session.exec(select(ApiToken).where(ApiToken.user_id == user.id)).one()
    assert stored.token_hash == hash_token(token)
    assert stored.prefix == token[:8]


def test_console_errors_are_reported_in_chinese_with_exit_code_1(settings, capsys):
    assert main(["user", "add", "无部门", "--role", "caseworker"]) == 1
    assert "经办人必须属于一个部门" in capsys.readouterr().err
    args = ["department", "add", "bad", "某部门", "--jurisdiction", "Hubei"]
    assert main(args) == 1
    assert "辖区代码“Hubei”无效" in capsys.readouterr().err


def test_a_revoked_token_is_replaced_by_a_newly_issued_one(settings, session, capsys):
    assert main(["user", "add", "审计员", "--role", "auditor"]) == 0
    first = printed_token(capsys.readouterr().out)
    user_id = session.exec(select(User.id).where(User.name == "审计员")).one()

    assert main(["token", "revoke", str(user_id)]) == 0
    assert f"已吊销用户 {user_id} 的 1 个令牌" in capsys.readouterr().out
    assert main(["token", "issue", str(user_id)]) == 0
    second = printed_token(capsys.readouterr().out)

    session.expire_all()
    tokens = {t.token_hash: t for t in session.exec(select(ApiToken)).all()}
    assert tokens[hash_token(first)].revoked_at is not None
    assert tokens[hash_token(second)].revoked_at is None

    assert main(["token", "issue", "99999"]) == 1
    assert "用户 99999 不存在" in capsys.readouterr().err


def test_catalog_import_prints_each_row_and_fails_if_any_row_did(
    settings, session, world, tmp_path, capsys
):
    good = tmp_path / "good.csv"
    good.write_text(
        HEADER + "hubei-police-vehicle,机动车登记信息,hubei-police,conditional,,,,号牌号码,每日\n",
        encoding="utf-8-sig",
    )
    assert main(["catalog", "import", str(good)]) == 0
    out = capsys.readouterr().out
    assert "第2行 ✓ hubei-police-vehicle：已新增" in out
    assert "新增 1" in out

    mixed = tmp_path / "mixed.csv"
    mixed.write_text(
        HEADER
        + "hubei-police-vehicle,机动车登记信息,hubei-police,conditional,,,,号牌号码;所有人,每日\n"
        + "hubei-bad,坏行,nowhere,conditional,,,,甲,每日\n",
        encoding="gb18030",
    )
    assert main(["catalog", "import", str(mixed)]) == 1
    out = capsys.readouterr().out
    assert "第2行 ✓ hubei-police-vehicle：已更新" in out
    assert "第3行 ✗ hubei-bad：提供部门“nowhere”不存在。" in out
    session.expire_all()
    assert session.get(CatalogResource, "hubei-police-vehicle").version == 2
    assert session.get(CatalogResource, "hubei-bad") is None


def test_catalog_import_of_a_missing_file_or_a_bad_header_fails(settings, tmp_path, capsys):
    assert main(["catalog", "import", str(tmp_path / "none.csv")]) == 1
    assert "无法读取" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name\nx,y\n", encoding="utf-8")
    assert main(["catalog", "import", str(bad)]) == 1
    assert "CSV 表头不正确" in capsys.readouterr().err


def test_demo_loads_once_and_prints_every_token(settings, session, capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.strip().startswith("hubei-provider"))
    token = line.split()[-1]
    provider = session.exec(select(User).where(User.name == "湖北公安经办人")).one()
    stored = session.exec(select(ApiToken).where(ApiToken.user_id == provider.id)).one()
    assert stored.token_hash == hash_token(token)

    assert main(["demo"]) == 0
    assert "未加载演示数据" in capsys.readouterr().out
    assert len(session.exec(select(User).where(User.name == "湖北公安经办人")).all()) == 1


def test_a_subcommand_is_required(settings, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2
