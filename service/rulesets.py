"""Rulesets (the instruments as data): what each defines, and uploading a successor (or a
predecessor given its end date). Every authenticated user reads them; administrators upload.
A running case keeps the ruleset it started with: it is part of the workflow input."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from calendars import BEIJING, formatting
from regulations import Ruleset, RulesetError, Rulesets, load_rulesets
from regulations.compose import Link, chain_of
from regulations.loader import PACKAGED, parse_ruleset_text
from service.access import Caller
from service.errors import Conflict, Invalid, NotFound, ruleset_problem
from service.platform import Platform
from service.validation import clean_file, private_directory, write_atomically
from workflows.common import Role


class InForceOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: date = Field(alias="from")
    until: date | None = Field(description="Inclusive; null while no end is set.")


class LinkOut(BaseModel):
    """One instrument of a jurisdiction's chain."""

    id: str | None = Field(description="Its ruleset id; null for an instrument not held.")
    title: str | None
    number: str
    level: str
    held: bool = Field(description="False: known to bind here, its text not held; not composed.")
    applies_from: date | None = Field(
        description="First day it binds this jurisdiction (null: not verified)."
    )
    applies_until: date | None = Field(description="Last day, inclusive; null: no end.")
    note: str = ""


class RulesetOut(BaseModel):
    id: str
    title: str
    number: str = Field(description="文号 of the instrument.")
    level: str
    jurisdiction: str
    parent: str | None
    parent_window: InForceOut | None = Field(
        None, description="Where the file says so: the window in which its parent applies."
    )
    chain: list[LinkOut] = Field(
        default_factory=list,
        description="The instruments binding its jurisdiction, most local first, each with the "
        "window in which it binds there; instruments known but not held are listed as such.",
    )
    in_force: InForceOut
    in_force_text: str = Field(
        description="The window in Chinese: 2021年11月21日至2026年11月20日; 自2023年1月1日起施行."
    )
    status: str = Field(description="Today in Beijing time: in_force, ended or not_yet.")
    case_prefix: str
    processes: list[str]
    origin: str = Field(description="packaged (shipped with Shixian) or uploaded.")


class RulesetDetailOut(RulesetOut):
    plans: dict[str, Any] = Field(
        description="Per process, the plan its workflow runs: per track the stages, who acts, "
        "the working days, what happens when time runs out, and the article cited."
    )


def in_force_text(ruleset: Ruleset) -> str:
    """When an instrument is in force, as people say it: 2021年11月21日至2026年11月20日, or
    自2023年1月1日起施行 for one that sets no end."""
    window = ruleset.spec.in_force
    if window.until is None:
        return f"自{formatting.day_text(window.from_)}起施行"
    return formatting.days_text(window.from_, window.until)


def _link(link: Link) -> dict[str, Any]:
    if link.ruleset is not None:
        spec = link.ruleset.spec
        return {
            "id": spec.id,
            "title": spec.title,
            "number": spec.number,
            "level": spec.level,
            "held": True,
            "applies_from": link.applies_from,
            "applies_until": link.applies_until,
        }
    unknown = link.not_held
    assert unknown is not None
    return {
        "id": None,
        "title": unknown.title,
        "number": unknown.number,
        "level": unknown.level,
        "held": False,
        "applies_from": link.applies_from,
        "applies_until": link.applies_until,
        "note": unknown.note,
    }


def _out(ruleset: Ruleset, today: date, rulesets: Rulesets) -> dict[str, Any]:
    spec = ruleset.spec
    window_from, window_until = ruleset.parent_window()
    return {
        "id": spec.id,
        "title": spec.title,
        "number": spec.number,
        "level": spec.level,
        "jurisdiction": spec.jurisdiction,
        "parent": ruleset.parent,
        "parent_window": {"from": window_from, "until": window_until} if window_from else None,
        "chain": [_link(link) for link in chain_of(rulesets, ruleset)],
        "in_force": {"from": spec.in_force.from_, "until": spec.in_force.until},
        "in_force_text": in_force_text(ruleset),
        "status": ruleset.status_on(today),
        "case_prefix": spec.case_prefix,
        "processes": defined_processes(ruleset),
        "origin": "packaged" if ruleset.source.startswith(str(PACKAGED)) else "uploaded",
    }


def _detail(ruleset: Ruleset, today: date, rulesets: Rulesets) -> RulesetDetailOut:
    plans = {}
    for process in defined_processes(ruleset):
        plan = ruleset.plan_for(process)
        plans[process] = TypeAdapter(type(plan)).dump_python(plan, mode="json")
    return RulesetDetailOut.model_validate({**_out(ruleset, today, rulesets), "plans": plans})


def list_rulesets(platform: Platform, caller: Caller) -> list[RulesetOut]:
    """Every loaded ruleset, by id, with whether it is in force today (Beijing time)."""
    today = platform.now().astimezone(BEIJING).date()
    rulesets = platform.rulesets()
    return [RulesetOut.model_validate(_out(r, today, rulesets)) for r in rulesets]


def get_ruleset(platform: Platform, caller: Caller, ruleset_id: str) -> RulesetDetailOut:
    """One ruleset with its stage plans."""
    ruleset = platform.rulesets().get(ruleset_id)
    if ruleset is None:
        raise NotFound(f"规则集“{ruleset_id}”不存在。", "ruleset_not_found")
    return _detail(ruleset, platform.now().astimezone(BEIJING).date(), platform.rulesets())


def upload_ruleset(platform: Platform, caller: Caller, text: str) -> tuple[RulesetDetailOut, bool]:
    """Add a ruleset from the YAML text of its file (administrators); returns it and whether
    it replaced one with the same id."""
    caller.require(Role.ADMIN)
    if not text.strip():
        raise Invalid("请求体应为规则集文件的 YAML 文本，当前为空。", "ruleset_invalid")
    ruleset, reloaded, replaced = save_ruleset(
        rulesets=platform.rulesets(),
        directory=platform.settings.data_dir / "regulations",
        text=text,
    )
    return _detail(ruleset, platform.now().astimezone(BEIJING).date(), reloaded), replaced


def save_ruleset(
    *, rulesets: Rulesets, directory: Path, text: str
) -> tuple[Ruleset, Rulesets, bool]:
    """Validate the YAML text of an instrument against the loaded ones, save it as
    `<directory>/<id>.yaml` and reload. Returns the ruleset, the reloaded set, and whether it
    replaced one with the same id (e.g. a predecessor given its `in_force.until`).

    A running case keeps the ruleset it started with: it is part of the workflow input."""
    text = clean_file(text, "规则集文件", "ruleset_invalid")
    source = _ruleset_source(text)
    try:
        ruleset = parse_ruleset_text(text, source, rulesets)
    except RulesetError as error:
        raise Invalid(f"规则集文件无效：{ruleset_problem(error)}", "ruleset_invalid") from error
    _refuse_clashes(ruleset, rulesets)
    private_directory(directory)
    target = directory / f"{ruleset.id}.yaml"
    previous = target.read_text(encoding="utf-8") if target.exists() else None
    write_atomically(target, text)
    try:
        reloaded = load_rulesets(directory)
    except RulesetError as error:
        # Another file depended on what this one changed: put the old one back.
        if previous is None:
            target.unlink()
        else:
            write_atomically(target, previous)
        raise Invalid(
            f"规则集保存后无法与其他规则集一同加载：{error}", "ruleset_invalid"
        ) from error
    return reloaded.by_id[ruleset.id], reloaded, rulesets.get(ruleset.id) is not None


def _ruleset_source(text: str) -> str:
    """`<id>.yaml` for error messages, if the text says its id; the upload otherwise."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError:
        return "上传的规则集"
    found = raw.get("id") if isinstance(raw, dict) else None
    if isinstance(found, str) and re.fullmatch(r"[a-z0-9][a-z0-9-]*", found):
        return f"{found}.yaml"
    return "上传的规则集"


def _refuse_clashes(ruleset: Ruleset, rulesets: Rulesets) -> None:
    """Case numbers are counted per ruleset, so two rulesets must not share a prefix; and two
    instruments of one jurisdiction for one process must not be in force on one day unless one
    names the other (through its parents) as above it: which governs a case would otherwise be
    a matter of chance."""
    mine = ruleset.spec
    processes = _defined_processes(ruleset)
    for other in rulesets:
        theirs = other.spec
        if other.id == ruleset.id:
            continue
        if theirs.case_prefix == mine.case_prefix:
            raise Conflict(
                f"案件编号前缀“{mine.case_prefix}”已由规则集“{other.id}”使用，请另选前缀。",
                "case_prefix_taken",
            )
        if theirs.jurisdiction != mine.jurisdiction:
            continue
        if not processes & _defined_processes(other):
            continue
        if _above(rulesets, ruleset, other.id) or _above(rulesets, other, ruleset.id):
            continue  # layered (湖北省数据条例 above order 419), not rivals
        end = date.max
        if mine.in_force.from_ <= (theirs.in_force.until or end) and theirs.in_force.from_ <= (
            mine.in_force.until or end
        ):
            raise Conflict(
                f"《{mine.title}》的施行期间（{in_force_text(ruleset)}）与同一辖区的"
                f"《{theirs.title}》（{theirs.number}，{in_force_text(other)}）重叠。"
                f"请先上传写明 in_force.until 的“{other.id}”，再上传接续的规则集。",
                "ruleset_overlaps",
            )


def _above(rulesets: Rulesets, ruleset: Ruleset, ancestor: str) -> bool:
    """Whether `ancestor` stands above `ruleset` through the parents the files name."""
    seen: set[str] = set()
    parent = ruleset.parent
    while parent is not None and parent not in seen:
        if parent == ancestor:
            return True
        seen.add(parent)
        found = rulesets.get(parent)
        parent = found.parent if found else None
    return False


def _defined_processes(ruleset: Ruleset) -> set[str]:
    return {name for name, plan in ruleset.spec.processes if plan is not None}


def defined_processes(ruleset: Ruleset) -> list[str]:
    return sorted(_defined_processes(ruleset))
