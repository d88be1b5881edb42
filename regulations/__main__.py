"""Operator commands, for operators and auditors.

``python -m regulations explain --jurisdiction J --process P [--track T] --received ISO
[--counterpart J2] [--rulesets DIR] [--json]``: the plan composed for a case of that process
whose duties are owed in J, received at that instant (its Beijing date decides what is in
force), with the provenance of every limit: the governing instrument and article and the ones
it prevailed over. ``--rulesets`` adds an operator's uploaded rulesets (the service keeps them
in ``<data_dir>/regulations``).

``python -m regulations chains``: each ruleset's chain, with the windows and the instruments
known but not held.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import fields, is_dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from regulations.compose import BEIJING, Composed, chain_of, compose
from regulations.loader import Rulesets, chinese_date, load_rulesets
from workflows.common import (
    LAPSE_LABELS,
    PARTY_LABELS,
    Basis,
    ExtensionPlan,
    StagePlan,
    TimeLimit,
    provenance,
)
from workflows.registry import PROCESS_TITLES
from workflows.sharing_application import SupplementPlan


def _instant(text: str) -> datetime:
    """An ISO instant; a date alone is 09:00 Beijing time that day, a naive time Beijing's."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not an ISO date or instant: {text!r}") from error
    if len(text) == 10:
        moment = datetime.combine(date.fromisoformat(text), time(9))
    return moment if moment.tzinfo else moment.replace(tzinfo=BEIJING)


def _limit(limit: TimeLimit) -> str:
    target = "，运营目标" if limit.basis is Basis.TARGET else ""
    text = (
        limit.cite
        if limit.basis is Basis.TARGET
        else provenance(limit.cite, limit.working_days, limit.prevails_over)
    )
    return (
        f"{limit.working_days}个工作日{target}，期满{LAPSE_LABELS[limit.on_timeout]} — {text}"
        f"  [{limit.instrument or '?'}]"
    )


def _extension(extension: ExtensionPlan) -> str:
    beaten = "、".join(f"{p.cite}的{p.working_days}个工作日" for p in extension.prevails_over)
    return (
        f"延长：经主管部门同意一次，至多{extension.max_working_days}个工作日 — 依据{extension.cite}"
        + (f"（较{beaten}更严）" if beaten else "")
        + f"  [{extension.instrument or '?'}]"
    )


def _walk(value: Any, name: str, indent: str, lines: list[str]) -> None:
    """Every stage, limit and extension of a plan, in the order its dataclass lists them."""
    if value is None or isinstance(value, str | bool | int):
        return
    if isinstance(value, StagePlan):
        lines.append(f"{indent}环节 {value.stage}（{PARTY_LABELS[value.actor]}），{value.cite}")
        lines.extend(f"{indent}  {_limit(limit)}" for limit in value.time_limits)
        if not value.time_limits:
            lines.append(f"{indent}  无时限")
        return
    if isinstance(value, TimeLimit):
        lines.append(f"{indent}{name}：{_limit(value)}")
        return
    if isinstance(value, ExtensionPlan):
        lines.append(f"{indent}{_extension(value)}")
        return
    if isinstance(value, SupplementPlan):
        lines.append(f"{indent}补正：一次性告知，依据{value.cite}；{value.restart}")
        _walk(value.wait, "wait", indent + "  ", lines)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if is_dataclass(item):
                lines.append(f"{indent}{'轨道' if name == 'tracks' else name} {key}：")
                _walk(item, str(key), indent + "  ", lines)
        return
    if isinstance(value, tuple | list):
        for item in value:
            _walk(item, name, indent, lines)
        return
    if is_dataclass(value):
        for field in fields(value):
            _walk(getattr(value, field.name), field.name, indent, lines)


def explain(rulesets: Rulesets, law: Composed, jurisdiction: str, received: datetime) -> str:
    day = received.astimezone(BEIJING).date()
    names = []
    for ruleset_id in law.governed_by:
        ruleset = rulesets.get(ruleset_id)
        names.append(
            f"{ruleset_id}《{ruleset.spec.title}》（{ruleset.spec.number}）"
            if ruleset
            else ruleset_id
        )
    lines = [
        f"{PROCESS_TITLES.get(law.process, law.process)}（{law.process}），辖区 {jurisdiction}，"
        f"收件 {received.isoformat()}（北京时间{chinese_date(day)}）",
        "适用规则（由近及远）：" + " → ".join(names),
        f"案件编号所属规则集：{law.id}",
    ]
    _walk(law.plan, "", "", lines)
    return "\n".join(lines) + "\n"


def _chains(rulesets: Rulesets) -> str:
    lines = []
    for ruleset in rulesets:
        lines.append(f"{ruleset.spec.jurisdiction}（{ruleset.id}）：")
        for link in chain_of(rulesets, ruleset):
            until = chinese_date(link.applies_until) if link.applies_until else "无终止日期"
            window = (
                f"{chinese_date(link.applies_from)}至{until}"
                if link.applies_from
                else "施行日期未核实"
            )
            if link.ruleset is not None:
                lines.append(f"  {link.ruleset.id}《{link.ruleset.spec.title}》：{window}")
            elif link.not_held is not None:
                lines.append(f"  {link.not_held.name}（未收录）：{window}；{link.not_held.note}")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m regulations", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    explain_parser = commands.add_parser("explain", help="the plan composed for a case")
    explain_parser.add_argument("--jurisdiction", required=True, help="e.g. hubei.lichuan")
    explain_parser.add_argument("--process", required=True, choices=sorted(PROCESS_TITLES))
    explain_parser.add_argument("--track", help="a kind of data, or a catalog update's trigger")
    explain_parser.add_argument(
        "--received", required=True, type=_instant, help="ISO instant (or date: 09:00 Beijing)"
    )
    explain_parser.add_argument("--counterpart", help="the applicant's jurisdiction")
    explain_parser.add_argument("--rulesets", type=Path, help="uploaded rulesets, also loaded")
    explain_parser.add_argument("--json", action="store_true", help="the plan as JSON")
    chains_parser = commands.add_parser("chains", help="each ruleset's chain with its windows")
    chains_parser.add_argument("--rulesets", type=Path, help="uploaded rulesets, also loaded")
    args = parser.parse_args(argv)
    rulesets = load_rulesets(*([args.rulesets] if args.rulesets else []))
    if args.command == "chains":
        sys.stdout.write(_chains(rulesets))
        return 0
    try:
        law = compose(
            rulesets,
            process=args.process,
            jurisdiction=args.jurisdiction,
            received=args.received,
            track=args.track,
            counterpart=args.counterpart,
        )
    except ValueError as error:
        sys.stderr.write(f"{error}\n")
        return 1
    if args.json:
        plan = TypeAdapter(type(law.plan)).dump_python(law.plan, mode="json")
        out = {"ruleset": law.id, "governed_by": list(law.governed_by), "plan": plan}
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=1) + "\n")
    else:
        sys.stdout.write(explain(rulesets, law, args.jurisdiction, args.received))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
