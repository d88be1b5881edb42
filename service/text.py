"""The one rule for text a user sends, and how long each kind of text may be.

Every free-text value (a process request, an action, a draft edit, an admin writer, a CSV row,
an uploaded ruleset or calendar, a path or query parameter) passes `check_text` before it is
written anywhere or reaches a workflow:

- refused (422, the message names the character and where it is): NUL and the other control
  characters (C0, DEL, C1), except tab and line breaks in multi-line text; lone UTF-16
  surrogates; the bidirectional embeddings, overrides and isolates (U+202A–U+202E,
  U+2066–U+2069), which make text display in another order than it is stored; Unicode
  noncharacters. PostgreSQL cannot store NUL, no UTF-8 can carry a lone surrogate, and a
  reordered refusal reason or department name misleads whoever reads it.
- dropped, because they are invisible and carry nothing in Chinese administrative text: the
  byte-order mark U+FEFF, the zero-width space U+200B and the direction marks U+200E, U+200F,
  U+061C.
- normalized in multi-line text: CR LF and CR become LF, and so do U+2028 and U+2029.

Request models use the annotated types below (`Line`, `Text`, `Identifier`, `FieldNames`,
`RecordIds`) with `Field(title=<Chinese name>, max_length=...)`; the admin writers call
`service.validation.clean_text`, which applies the same rule. docs/input.md lists the limits.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

# -- the rule --------------------------------------------------------------------------------

DROPPED = dict.fromkeys(map(ord, "\ufeff\u200b\u200e\u200f\u061c"))
LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029]")
BIDI_CONTROLS = frozenset(range(0x202A, 0x202F)) | frozenset(range(0x2066, 0x206A))
MULTI_LINE_WHITESPACE = frozenset(map(ord, "\t\n\u2028\u2029"))
# Every character `_kind` objects to, for a fast search (`_kind` then says what it is).
_REFUSED = (
    r"\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069\ufdd0-\ufdef"
    + "".join(rf"\U{plane:04x}fffe\U{plane:04x}ffff" for plane in range(17))
)
REFUSED_IN_TEXT = re.compile(f"[{_REFUSED}]")
REFUSED_IN_LINE = re.compile(f"[{_REFUSED}\\t\\n\\u2028\\u2029]")


class TextRefused(ValueError):
    """Why a text is refused, in Chinese, without the field's name (the caller adds it)."""

    def __init__(self, text: str, index: int, kind: str) -> None:
        self.line = text.count("\n", 0, index) + 1
        self.column = index - (text.rfind("\n", 0, index) + 1) + 1
        self.code = ord(text[index])
        super().__init__(f"第{index + 1}个字符（U+{self.code:04X}）是{kind}，不允许使用")
        self.kind = kind

    def in_file(self) -> str:
        """For a whole file: where to look, by line."""
        return f"第{self.line}行第{self.column}个字符（U+{self.code:04X}）是{self.kind}，不允许使用"


def _kind(code: int, multiline: bool) -> str | None:
    """What is wrong with the character `code`, or None if it may stay."""
    if code in MULTI_LINE_WHITESPACE:
        return None if multiline else "换行符或制表符（此项只能填一行）"
    if code == 0x0D and not multiline:
        return "换行符或制表符（此项只能填一行）"
    if code == 0:
        return "空字符（NUL）"
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return "控制字符"
    if 0xD800 <= code <= 0xDFFF:
        return "孤立的代理码元（不成对的 UTF-16 代理项，不是有效字符）"
    if code in BIDI_CONTROLS:
        return "双向文字控制符（会使文字显示的顺序与实际内容不符）"
    if 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE:
        return "Unicode 非字符"
    return None


def check_text(value: str, *, multiline: bool) -> str:
    """`value` with harmless invisible characters dropped and line breaks normalized; raises
    TextRefused naming the first character the rule refuses."""
    text = value.translate(DROPPED)
    if multiline:
        text = LINE_BREAKS.sub("\n", text)
    found = (REFUSED_IN_TEXT if multiline else REFUSED_IN_LINE).search(text)
    if found is not None:
        kind = _kind(ord(found.group()), multiline)
        assert kind is not None
        raise TextRefused(text, found.start(), kind)
    return text


# -- pydantic types --------------------------------------------------------------------------


def _single_line(value: str) -> str:
    try:
        return check_text(value, multiline=False)
    except TextRefused as problem:
        raise PydanticCustomError("text_refused", str(problem)) from None


def _multi_line(value: str) -> str:
    try:
        return check_text(value, multiline=True)
    except TextRefused as problem:
        raise PydanticCustomError("text_refused", str(problem)) from None


# Department and resource ids appear in URLs and case parties: letters, digits, . _ -
# (the catalog entries a case creates are named after it: R-HB419-2026-000001).
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
ID_RULE = "只能由字母、数字和 . _ - 组成，以字母或数字开头，不超过64个字符"


def _identifier(value: str) -> str:
    if not ID_PATTERN.fullmatch(value):
        # Quoted back: the text rule has passed it, and it is at most 64 characters.
        raise PydanticCustomError("identifier_invalid", f"“{value}”无效：{ID_RULE}")
    return value


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


# A single line: names, titles, codes, contacts. Give `max_length` and `title` with Field.
Line = Annotated[str, AfterValidator(_single_line)]
# Several lines: reasons, descriptions, legal bases, notes.
Text = Annotated[str, AfterValidator(_multi_line)]
# A code (department, resource, ruleset): the text rule first, so that its message says what
# character is wrong, then the pattern.
Identifier = Annotated[
    str,
    Field(max_length=64, json_schema_extra={"pattern": ID_PATTERN.pattern}),
    AfterValidator(_single_line),
    AfterValidator(_identifier),
]

# -- limits ------------------------------------------------------------------------------------
# In characters (code points). Sized for what each text is for, and so that a case carrying the
# largest of every text stays far below Temporal's payload limit (tests/api/test_largest_inputs.py).

NAME = 200  # a department, user, resource or data name; a contact
FIELD_NAME = 200
FIELD_COUNT = 200
RECORD_ID = 100
RECORD_COUNT = 100
PURPOSE = 2000  # purpose, scenario
DESCRIPTION = 4000  # what a request describes or argues: a doubt, an objection, a change
REASON = 2000  # an action's reason and note, a draft's reason
LEGAL_BASIS = 2000
CONDITIONS = 2000
DECISION = 100  # a decision's code word (grant, uphold, close, ...)
UPDATE_CYCLE = 40
IDEMPOTENCY_KEY = 200
# A supplement request (809 第二十一条第二款): every item missing, each with why it is needed.
SUPPLEMENT_ITEMS = 20
SUPPLEMENT_ITEM = NAME
SUPPLEMENT_ITEM_REASON = 500

FieldNames = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=FIELD_NAME), AfterValidator(_single_line)]],
    Field(max_length=FIELD_COUNT, description="Repeated names count once."),
    AfterValidator(_unique),
]
RecordIds = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=RECORD_ID), AfterValidator(_single_line)]],
    Field(max_length=RECORD_COUNT, description="Repeated ids count once."),
    AfterValidator(_unique),
]
