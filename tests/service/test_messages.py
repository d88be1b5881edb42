"""Validation messages are Chinese: each field by its Chinese name, the allowed values listed,
never pydantic's English, never a byte offset (service/errors.py); a ruleset file that is not
YAML or not a ruleset is said in Chinese, by line or by its YAML path."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import pytest
from pydantic import BaseModel, Field, ValidationError

from regulations import RulesetError, load_rulesets
from regulations.loader import PACKAGED, parse_ruleset_text
from service.errors import describe_problems, ruleset_problem


class Request(BaseModel):
    share_type: Literal["conditional", "unconditional"] = Field(title="共享类型")
    at: datetime = Field(title="办理时间")
    count: int = Field(title="数量", ge=1)


def problems(raw: str) -> str:
    with pytest.raises(ValidationError) as error:
        Request.model_validate_json(raw)
    return describe_problems(error.value.errors(), Request)


def test_a_wrong_value_names_the_field_and_the_allowed_values():
    message = problems('{"share_type": "maybe", "at": "2026-11-23T09:00:00+08:00", "count": 1}')
    assert (
        message == "请求内容无效：共享类型（share_type）：应为以下之一：conditional、unconditional"
    )


def test_no_english_from_pydantic():
    message = problems('{"at": "soon", "count": "many"}')
    assert "共享类型（share_type）：缺少必填字段" in message
    assert "办理时间（at）：应为带时区的时间" in message
    assert "数量（count）：应为整数" in message
    for english in ("Field required", "Input should", "valid"):
        assert english not in message


def test_json_that_does_not_parse_is_said_by_line_and_reason_never_by_byte_offset():
    message = problems('{"share_type": ,\n "count": 1}')
    assert message == "请求内容无效：请求体：不是有效的 JSON（第1行第16列：此处应为值）"
    # FastAPI reports Python's decoder and the byte offset as the field: neither is shown.
    fastapi = [
        {
            "type": "json_invalid",
            "loc": ("body", 12),
            "msg": "JSON decode error",
            "input": {},
            "ctx": {"error": "Expecting value"},
        }
    ]
    assert describe_problems(fastapi) == "请求内容无效：请求体：不是有效的 JSON（此处应为值）"


def test_a_problem_without_chinese_words_is_said_in_general_terms():
    unknown = [{"type": "url_scheme", "loc": ("body", "link"), "msg": "URL scheme should be…"}]
    assert describe_problems(unknown) == "请求内容无效：link：格式不正确"


def test_a_ruleset_that_is_not_yaml_is_said_in_chinese_with_its_line():
    known = load_rulesets()
    with pytest.raises(RulesetError) as error:
        parse_ruleset_text("id: x\ntitle: [unclosed\n", "x.yaml", known)
    message = ruleset_problem(error.value)
    assert message.startswith("x.yaml：不是有效的 YAML（第")
    assert "not valid" not in message


def test_a_ruleset_with_a_wrong_field_is_said_by_its_yaml_path_in_chinese():
    known = load_rulesets()
    text = (PACKAGED / "hubei-419.yaml").read_text(encoding="utf-8")
    broken = text.replace("level: province", "level: planet")
    assert broken != text
    with pytest.raises(RulesetError) as error:
        parse_ruleset_text(broken, "hubei-419.yaml", known)
    message = ruleset_problem(error.value)
    assert message.startswith("hubei-419.yaml：level：应为以下之一：")
    assert "province" in message and "Input should" not in message


def test_a_query_parameter_is_named_in_chinese_with_its_allowed_values():
    found = [
        {
            "type": "string_pattern_mismatch",
            "loc": ("query", "status"),
            "msg": "String should match pattern '^(open|closed)$'",
            "input": "half",
            "ctx": {"pattern": "^(open|closed)$"},
        },
        {"type": "int_parsing", "loc": ("query", "limit"), "msg": "Input should be…", "input": "x"},
    ]
    assert describe_problems(found) == (
        "请求内容无效：状态（status）：应为以下之一：open、closed；每页条数（limit）：应为整数"
    )
