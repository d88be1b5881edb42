"""The `shixian` command: reference data from the console, on the database of the settings.

    shixian department add ID NAME --jurisdiction J [--kind K]
    shixian user add NAME --role R [--department D]      prints the token, this once
    shixian token issue USER_ID | shixian token revoke USER_ID
    shixian catalog import FILE.csv                      exit 1 if any row failed
    shixian demo                                         demo data on an empty database
    shixian replay CASE_ID... | --file F.json... | --all [--process P] [--ruleset R]
                   [--status open|closed]                exit 1 if any case failed to replay

Each subcommand is a function that adds its parser to `SUBCOMMANDS`' list and sets `run`;
adding one (`shixian replay`) is a function and a line there.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

from sqlmodel import Session, col, or_, select
from temporalio.client import Client, WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter

from models import CaseRecord, CaseSubmission
from models.db import migrate
from service import catalog, reference
from service.access import console
from service.errors import DomainError
from service.platform import Platform
from service.validation import decode_text
from shixian.demo import USERS, load_demo, new_password
from shixian.settings import get_settings
from workflows.common import DepartmentKind, Role

Subcommands = Any  # argparse's private _SubParsersAction


def platform() -> Platform:
    """The platform of the settings, its database schema brought up to date first."""
    settings = get_settings()
    migrate(settings.database)
    return Platform.connecting(settings)


@contextmanager
def database() -> Iterator[Session]:
    with platform().session() as session:
        yield session


def fail(message: str) -> int:
    print(f"错误：{message}", file=sys.stderr)
    return 1


def _actions(commands: Subcommands, name: str, help_text: str) -> Subcommands:
    """A subcommand whose action (`shixian department add`) names what it does."""
    parser = commands.add_parser(name, help=help_text)
    return parser.add_subparsers(dest="action", required=True, metavar="ACTION")


# -- department ----------------------------------------------------------------------------


def add_department_commands(commands: Subcommands) -> None:
    actions = _actions(commands, "department", "部门 (departments)")
    add = actions.add_parser("add", help="新增部门")
    add.add_argument("id", help="部门编码，如 hubei-health")
    add.add_argument("name", help="部门名称")
    add.add_argument("--jurisdiction", required=True, help="辖区代码，如 hubei 或 hubei.lichuan")
    add.add_argument(
        "--kind", default=DepartmentKind.ORDINARY.value, choices=[k.value for k in DepartmentKind]
    )
    add.set_defaults(run=department_add)


def department_add(args: argparse.Namespace) -> int:
    department = reference.create_department(
        platform(),
        console(),
        department_id=args.id,
        name=args.name,
        jurisdiction=args.jurisdiction,
        kind=args.kind,
    )
    print(f"已新增部门 {department.id}（{department.name}，{department.jurisdiction}）")
    return 0


# -- user and token ------------------------------------------------------------------------


def add_user_commands(commands: Subcommands) -> None:
    actions = _actions(commands, "user", "用户 (users)")
    add = actions.add_parser("add", help="新增用户并签发令牌")
    add.add_argument("name", help="姓名")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--department", help="所属部门编码（经办人、监管人员必填）")
    add.set_defaults(run=user_add)


def user_add(args: argparse.Namespace) -> int:
    account, token = reference.create_user(
        platform(), console(), name=args.name, role=args.role, department_id=args.department
    )
    user = account.user
    print(f"已新增用户 {user.id}：{user.name}（{user.role}，{user.department_id or '无部门'}）")
    print_token(token)
    return 0


def print_token(token: str) -> None:
    print(f"令牌（只显示这一次，请妥善保存）：{token}")


def add_token_commands(commands: Subcommands) -> None:
    actions = _actions(commands, "token", "访问令牌 (API tokens)")
    issue = actions.add_parser("issue", help="为用户签发新令牌")
    issue.add_argument("user_id", type=int)
    issue.set_defaults(run=token_issue)
    revoke = actions.add_parser("revoke", help="吊销用户的全部令牌")
    revoke.add_argument("user_id", type=int)
    revoke.set_defaults(run=token_revoke)


def token_issue(args: argparse.Namespace) -> int:
    token = reference.issue_token(platform(), console(), args.user_id)
    print(f"已为用户 {args.user_id} 签发新令牌")
    print_token(token)
    return 0


def token_revoke(args: argparse.Namespace) -> int:
    count = reference.revoke_tokens(platform(), console(), args.user_id)
    print(f"已吊销用户 {args.user_id} 的 {count} 个令牌")
    return 0


# -- catalog -------------------------------------------------------------------------------


def add_catalog_commands(commands: Subcommands) -> None:
    actions = _actions(commands, "catalog", "数据资源目录 (the catalog)")
    load = actions.add_parser(
        "import",
        help="从 CSV 导入目录资源",
        description="列：" + ",".join(catalog.CATALOG_COLUMNS) + "；fields 以分号分隔。",
    )
    load.add_argument("file", type=Path, help="CSV 文件（UTF-8 或 GB18030）")
    load.set_defaults(run=catalog_import)


def catalog_import(args: argparse.Namespace) -> int:
    try:
        data = args.file.read_bytes()
    except OSError as error:
        return fail(f"无法读取 {args.file}：{error.strerror}")
    report = catalog.import_catalog_csv(platform(), console(), decode_text(data, str(args.file)))
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
    settings = get_settings()
    expires = datetime.now(UTC) + timedelta(days=settings.token_lifetime_days)
    with database() as session:
        world = load_demo(session, password_for=new_password, token_expires_at=expires)
    if world is None:
        print("数据库中已有部门，未加载演示数据。")
        return 0
    print("已加载演示数据。各用户的用户名、密码和令牌（只显示这一次）：")
    names = {key: (name, role) for key, name, role, _ in USERS}
    for key, token in world.tokens.items():
        name, role = names[key]
        print(f"  {key:<22} {world.passwords[key]}  {role.value:<11} {name}\t{token}")
    return 0


# -- replay --------------------------------------------------------------------------------


def add_replay_command(commands: Subcommands) -> None:
    parser = commands.add_parser(
        "replay",
        help="用当前工作流代码重放案件历史，报告不确定性 (nondeterminism)",
        description="每个案件输出一行：OK 案件号，或 NONDETERMINISTIC 案件号: 问题；"
        "取不到历史的输出 ERROR。任一案件未通过则退出码为 1。",
    )
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("case_ids", nargs="*", default=[], metavar="CASE_ID", help="案件号或案件编号")
    what.add_argument(
        "--file", nargs="+", type=Path, metavar="F.json", help="历史 JSON 文件（Temporal 导出格式）"
    )
    what.add_argument("--all", action="store_true", help="案件列表中符合条件的全部案件")
    parser.add_argument("--process", help="与 --all 同用：事项类型")
    parser.add_argument("--ruleset", help="与 --all 同用：规则")
    parser.add_argument("--status", choices=["open", "closed"], help="与 --all 同用：状态")
    parser.set_defaults(run=replay_command)


REPLAY_BATCH = 50


def replay_command(args: argparse.Namespace) -> int:
    if (args.process or args.ruleset or args.status) and not args.all:
        return fail("--process、--ruleset、--status 只能与 --all 同用。")
    if args.file:
        try:
            histories = [h for path in args.file for h in histories_in(path)]
        except (OSError, ValueError) as error:
            return fail(f"无法读取历史文件：{error}")
        return asyncio.run(report_replays(histories))
    with database() as session:
        if args.all:
            query = select(CaseRecord.case_id).order_by(CaseRecord.case_id)
            if args.process:
                query = query.where(CaseRecord.process == args.process)
            if args.ruleset:
                query = query.where(CaseRecord.ruleset == args.ruleset)
            if args.status:
                query = query.where(CaseRecord.status == args.status)
            case_ids = list(session.exec(query).all())
        else:
            case_ids = [full_case_id(session, case_id) for case_id in args.case_ids]
    return asyncio.run(replay_from_temporal(case_ids))


def full_case_id(session: Session, case_id: str) -> str:
    """`sharing-application/HB419-2026-000001` from the number alone, if the database knows it."""
    if "/" in case_id:
        return case_id
    found = session.exec(
        select(CaseSubmission.case_id).where(
            or_(
                col(CaseSubmission.case_id) == case_id,
                col(CaseSubmission.case_id).endswith("/" + case_id),
            )
        )
    ).first()
    return found or case_id


def histories_in(path: Path) -> list[WorkflowHistory]:
    """A file holds one history (`{"events": [...]}`) or a list of them. Each is named by the
    case id in its workflow input and by the file it came from."""
    data = json.loads(path.read_text(encoding="utf-8"))
    items = data if isinstance(data, list) else [data]
    if not all(isinstance(item, dict) and "events" in item for item in items):
        raise ValueError(f"{path} 不是 Temporal 历史 JSON（缺少 events）")
    return [
        WorkflowHistory.from_json(
            f"{case_id_in(item) or '?'} ({path}{'' if len(items) == 1 else f'#{i + 1}'})", item
        )
        for i, item in enumerate(items)
    ]


def case_id_in(history: dict[str, Any]) -> str | None:
    try:
        [first] = WorkflowHistory.from_json("-", {"events": history["events"][:1]}).events
        payloads = first.workflow_execution_started_event_attributes.input.payloads
        [value] = pydantic_data_converter.payload_converter.from_payloads(list(payloads))
        return str(value["case_id"])
    except (KeyError, IndexError, TypeError, ValueError):
        return None


async def replay_from_temporal(case_ids: Sequence[str]) -> int:
    from shixian.temporal import connect

    settings = get_settings()
    try:
        client = await connect(settings)
    except Exception as error:  # any connection failure is the same to the operator
        return fail(f"无法连接工作流服务 {settings.temporal_target}：{error}")
    failed = 0
    for start in range(0, len(case_ids), REPLAY_BATCH):
        histories, missing = await fetch_histories(client, case_ids[start : start + REPLAY_BATCH])
        failed |= await report_replays(histories, missing)
    return failed


async def fetch_histories(
    client: Client, case_ids: Sequence[str]
) -> tuple[list[WorkflowHistory], list[tuple[str, str]]]:
    histories, missing = [], []
    for case_id in case_ids:
        try:
            histories.append(await client.get_workflow_handle(case_id).fetch_history())
        except Exception as error:  # not found, past retention, unreachable: reported per case
            missing.append((case_id, str(error) or type(error).__name__))
    return histories, missing


async def report_replays(
    histories: list[WorkflowHistory], missing: Sequence[tuple[str, str]] = ()
) -> int:
    """Print one line per case; 1 if any case failed to replay or could not be fetched."""
    from shixian.replay import replay

    failed = 0
    for case_id, problem in missing:
        print(f"ERROR {case_id}: 无法获取历史：{problem}")
        failed = 1
    for outcome in await replay(histories) if histories else []:
        if outcome.ok:
            print(f"OK {outcome.workflow_id}")
        else:
            print(f"NONDETERMINISTIC {outcome.workflow_id}: {outcome.problem}")
            failed = 1
    return failed


# -- main ----------------------------------------------------------------------------------

SUBCOMMANDS: list[Callable[[Subcommands], None]] = [
    add_department_commands,
    add_user_commands,
    add_token_commands,
    add_catalog_commands,
    add_demo_command,
    add_replay_command,
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


def command() -> NoReturn:
    """The `shixian` command: `main`, then out at once. The Temporal client's and replayer's
    native threads can outlive the interpreter's finalization and abort it (PyGILState_Release,
    seen under load), turning a finished replay into exit status 134: what was to be written
    is flushed, and the process ends without finalizing."""
    code = main()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    command()
