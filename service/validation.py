"""Checks every writer shares: text, identifiers, jurisdiction codes and enumerations, with
Chinese messages and stable codes; a page of a listing; private, atomic file writes."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Generic, TypeVar, TypeVarTuple, overload

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select
from sqlmodel.sql.expression import Select, SelectOfScalar

from service.errors import DomainError, Invalid
from service.text import (
    FIELD_COUNT,
    FIELD_NAME,
    ID_PATTERN,
    ID_RULE,
    NAME,
    TextRefused,
    check_text,
)
from workflows.common import (
    DELIVERY_METHOD_LABELS,
    DEPARTMENT_KIND_LABELS,
    OPEN_TYPE_LABELS,
    ROLE_LABELS,
    SHARE_TYPE_LABELS,
    DeliveryMethod,
    DepartmentKind,
    OpenType,
    Role,
    ShareType,
)

T = TypeVar("T")
Ts = TypeVarTuple("Ts")

# Chinese labels accepted wherever the English value is, for catalogs kept in spreadsheets.
ALIASES: dict[type[StrEnum], dict[str, StrEnum]] = {
    DepartmentKind: {name: kind for kind, name in DEPARTMENT_KIND_LABELS.items()},
    Role: {name: role for role, name in ROLE_LABELS.items()},
    ShareType: {name: share for share, name in SHARE_TYPE_LABELS.items()},
    OpenType: {
        **{name: kind for kind, name in OPEN_TYPE_LABELS.items()},
        "依申请开放": OpenType.CONDITIONAL,
    },
    DeliveryMethod: {name: method for method, name in DELIVERY_METHOD_LABELS.items()},
}
# Dotted jurisdiction codes, outermost first: hubei, hubei.lichuan.
JURISDICTION_PATTERN = re.compile(r"^[a-z]+(\.[a-z]+)*$")


@dataclass
class Listing(Generic[T]):
    """One page of a listing, and how many rows the whole listing has."""

    total: int
    items: list[T]


# -- validation ----------------------------------------------------------------------------


def clean_text(
    value: object,
    name: str,
    label: str,
    *,
    max_length: int,
    required: bool,
    multiline: bool = False,
) -> str:
    """Text by the one rule every user's text follows (service/text.py), trimmed."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid(f"{label}应为文字。", f"invalid_{name}")
    try:
        text = check_text(value, multiline=multiline).strip()
    except TextRefused as problem:
        raise Invalid(f"{label}：{problem}。", f"invalid_{name}") from None
    if required and not text:
        raise Invalid(f"{label}不能为空。", f"invalid_{name}")
    if len(text) > max_length:
        raise Invalid(f"{label}不能超过{max_length}个字符。", f"invalid_{name}")
    return text


def clean_identifier(value: object, name: str, label: str) -> str:
    text = clean_text(value, name, label, max_length=64, required=True)
    if not ID_PATTERN.fullmatch(text):
        raise Invalid(f"{label}“{text}”无效：{ID_RULE}。", f"invalid_{name}")
    return text


def clean_jurisdiction(value: object) -> str:
    text = clean_text(value, "jurisdiction", "辖区代码", max_length=100, required=True)
    if not JURISDICTION_PATTERN.fullmatch(text):
        raise Invalid(
            f"辖区代码“{text}”无效：应为小写拼音，由外到内以点分隔，如 hubei 或 hubei.lichuan。",
            "invalid_jurisdiction",
        )
    return text


E = TypeVar("E", bound=StrEnum)


def clean_choice(value: object, enum: type[E], name: str, label: str) -> E:
    if isinstance(value, str):
        text = clean_text(value, name, label, max_length=NAME, required=False)
    else:
        text = str(value)
    try:
        return enum(text)
    except ValueError:
        alias = ALIASES.get(enum, {}).get(text)
        if alias is not None:
            return alias  # type: ignore[return-value]
    allowed = "、".join(member.value for member in enum)
    raise Invalid(f"{label}“{text}”无效，可选：{allowed}。", f"invalid_{name}")


def clean_field_names(value: object) -> list[str]:
    """Field names from a list, or from text separated by semicolons (as in the CSV)."""
    if value is None:
        return []
    if isinstance(value, str):
        parts: Iterable[object] = re.split(r"[;；]", value)
    elif isinstance(value, list | tuple):
        parts = value
    else:
        raise Invalid("字段清单应为文字列表。", "invalid_fields")
    names: list[str] = []
    for part in parts:
        if not isinstance(part, str):
            raise Invalid("字段清单应为文字列表。", "invalid_fields")
        name = clean_text(part, "fields", "字段名称", max_length=FIELD_NAME, required=False)
        if name and name not in names:
            names.append(name)
    if len(names) > FIELD_COUNT:
        raise Invalid(f"字段不能超过{FIELD_COUNT}个。", "invalid_fields")
    return names


def commit_or(session: Session, conflict: DomainError) -> None:
    """Commit, turning a unique-key race with another request into `conflict`."""
    try:
        session.commit()
    except IntegrityError as error:
        session.rollback()
        raise conflict from error


@overload
def page_of(session: Session, query: SelectOfScalar[T], limit: int, offset: int) -> Listing[T]: ...
@overload
def page_of(
    session: Session, query: Select[*Ts], limit: int, offset: int
) -> Listing[tuple[*Ts]]: ...
def page_of(session: Session, query: Any, limit: int, offset: int) -> Listing[Any]:
    """One page of `query` (ordered by the caller), and how many rows all of it has."""
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    return Listing(total=total, items=list(session.exec(query.limit(limit).offset(offset)).all()))


def decode_text(data: bytes, what: str) -> str:
    """UTF-8 (with or without the BOM spreadsheets write), else GB18030 (Excel's 中文 CSV)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Invalid(f"{what}的编码无法识别，请保存为 UTF-8。", "invalid_encoding")


def clean_file(text: str, what: str, code: str) -> str:
    """A whole uploaded text file by the text rule (multi-line), the refusal naming its line."""
    try:
        return check_text(text, multiline=True)
    except TextRefused as refused:
        raise Invalid(f"{what}{refused.in_file()}。", code) from None


def private_directory(path: Path) -> Path:
    """`path`, created if missing readable by the service's user only (0700)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def write_atomically(target: Path, text: str) -> None:
    """Write `target` whole or not at all, readable by the service's user only (0600)."""
    # The temporary name does not end in .yaml, so no loader ever reads a half-written file.
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(temporary, target)
