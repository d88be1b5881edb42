"""The `shixian` command: reference data from the console, on the database of the settings.

    shixian department add ID NAME --jurisdiction J [--kind K]
    shixian user add NAME --role R [--department D]      prints the token, this once
    shixian token issue USER_ID | shixian token revoke USER_ID
    shixian catalog import FILE.csv                      exit 1 if any row failed
    shixian demo                                         demo data on an empty database

Each subcommand is a function that adds its parser to `SUBCOMMANDS`' list and sets `run`;
adding one (`shixian replay`) is a function and a line there.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlmodel import Session

from api import crud
from api.errors import DomainError
from models.db import migrate, session_for
from shixian.demo import USERS, load_demo
from shixian.settings import get_settings
from workflows.common import DepartmentKind, Role

Subcommands = Any  # argparse's private _SubParsersAction


@contextmanager
def database() -> Iterator[Session]:
    """A session on the settings' database, its schema brought up to date first."""
    url = get_settings().database
    migrate(url)
    with session_for(url) as session:
        yield session


def fail(message: str) -> int:
    print(f"错误：{message}", file=sys.stderr)
    return 1


# -- department ----------------------------------------------------------------------------


def add_department_commands(commands: Subcommands) -> None:
    parser = commands.add_parser("department", help="部门 (departments)")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="新增部门")
    add.add_argument("id", help="部门编码，如 hubei-health")
    add.add_argument("name", help="部门名称")
    add.add_argument("--jurisdiction", required=True, help="辖区代码，如 hubei 或 hubei.lichuan")
    add.add_argument(
        "--kind", default=DepartmentKind.ORDINARY.value, choices=[k.value for k in DepartmentKind]
    )
    add.set_defaults(run=department_add)


def department_add(args: argparse.Namespace) -> int:
    with database() as session:
        department = crud.create_department(
            session=session,
            department_id=args.id,
            name=args.name,
            jurisdiction=args.jurisdiction,
            kind=args.kind,
        )
    print(f"已新增部门 {department.id}（{department.name}，{department.jurisdiction}）")
    return 0


# -- user and token ------------------------------------------------------------------------


def add_user_commands(commands: Subcommands) -> None:
    parser = commands.add_parser("user", help="用户 (users)")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="新增用户并签发令牌")
    add.add_argument("name", help="姓名")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--department", help="所属部门编码（经办人、监管人员必填）")
    add.set_defaults(run=user_add)


def user_add(args: argparse.Namespace) -> int:
    with database() as session:
        user, token = crud.create_user(
            session=session, name=args.name, role=args.role, department_id=args.department
        )
    print(f"已新增用户 {user.id}：{user.name}（{user.role}，{user.department_id or '无部门'}）")
    print_token(token)
    return 0


def print_token(token: str) -> None:
    print(f"令牌（只显示这一次，请妥善保存）：{token}")


def add_token_commands(commands: Subcommands) -> None:
    parser = commands.add_parser("token", help="访问令牌 (API tokens)")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    issue = actions.add_parser("issue", help="为用户签发新令牌")
    issue.add_argument("user_id", type=int)
    issue.set_defaults(run=token_issue)
    revoke = actions.add_parser("revoke", help="吊销用户的全部令牌")
    revoke.add_argument("user_id", type=int)
    revoke.set_defaults(run=token_revoke)


def token_issue(args: argparse.Namespace) -> int:
    with database() as session:
        token = crud.issue_token(session=session, user_id=args.user_id)
    print(f"已为用户 {args.user_id} 签发新令牌")
    print_token(token)
    return 0


def token_revoke(args: argparse.Namespace) -> int:
    with database() as session:
        count = crud.revoke_tokens(session=session, user_id=args.user_id)
    print(f"已吊销用户 {args.user_id} 的 {count} 个令牌")
    return 0


# -- catalog -------------------------------------------------------------------------------


def add_catalog_commands(commands: Subcommands) -> None:
    parser = commands.add_parser("catalog", help="数据资源目录 (the catalog)")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    load = actions.add_parser(
        "import",
        help="从 CSV 导入目录资源",
        description="列：" + ",".join(crud.CATALOG_COLUMNS) + "；fields 以分号分隔。",
    )
    load.add_argument("file", type=Path, help="CSV 文件（UTF-8 或 GB18030）")
    load.set_defaults(run=catalog_import)


def catalog_import(args: argparse.Namespace) -> int:
    try:
        data = args.file.read_bytes()
    except OSError as error:
        return fail(f"无法读取 {args.file}：{error.strerror}")
    with database() as session:
        report = crud.import_catalog_csv(
            session=session, text=crud.decode_text(data, str(args.file))
        )
    for row in report.rows:
        mark = "✓" if row.ok else "✗"
        print(f"第{row.row}行 {mark} {row.id or '（无编码）'}：{row.message}")
    print(
        f"共 {len(report.rows)} 行：新增 {report.count('created')}，"
        f"更新 {report.count('updated')}，未变 {report.count('unchanged')}，"
        f"失败 {report.failed}"
    )
    return 1 if report.failed else 0


# -- demo ----------------------------------------------------------------------------------


def add_demo_command(commands: Subcommands) -> None:
    parser = commands.add_parser("demo", help="在空数据库上加载演示数据并显示令牌")
    parser.set_defaults(run=demo)


def demo(args: argparse.Namespace) -> int:
    with database() as session:
        world = load_demo(session)
    if world is None:
        print("数据库中已有部门，未加载演示数据。")
        return 0
    print("已加载演示数据。各用户的令牌（只显示这一次）：")
    names = {key: (name, role) for key, name, role, _ in USERS}
    for key, token in world.tokens.items():
        name, role = names[key]
        print(f"  {key:<22} {role.value:<11} {name}\t{token}")
    return 0


# -- main ----------------------------------------------------------------------------------

SUBCOMMANDS: list[Callable[[Subcommands], None]] = [
    add_department_commands,
    add_user_commands,
    add_token_commands,
    add_catalog_commands,
    add_demo_command,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shixian",
        description="时限 (Shixian): reference data on the database of the settings "
        "(DATABASE_URL, or SQLite under SHIXIAN_DATA_DIR).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in SUBCOMMANDS:
        add(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except DomainError as error:
        return fail(error.message)


if __name__ == "__main__":
    sys.exit(main())
