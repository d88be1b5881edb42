"""The one text rule (service/text.py): what it refuses, drops and normalizes, the request
models that carry it, and the Chinese messages that name the field."""

from __future__ import annotations

import typing

import pytest
from pydantic import BaseModel, ValidationError

from service.errors import Invalid, describe_problems
from service.submissions import PROCESSES
from service.submissions.catalog_update import DraftEdit
from service.text import (
    REFUSED_IN_LINE,
    REFUSED_IN_TEXT,
    TextRefused,
    _kind,
    _multi_line,
    _single_line,
    check_text,
)
from service.validation import clean_field_names, clean_file, clean_text
from service.views import ActionBody

HOSTILE = {"NUL": "不符合\x00条件", "surrogate": "不符合\ud800条件", "RLO": "湖北\u202e厅"}


@pytest.mark.parametrize("multiline", [False, True])
@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_nul_lone_surrogates_and_bidi_overrides_are_refused_naming_the_character(value, multiline):
    with pytest.raises(TextRefused) as refused:
        check_text(value, multiline=multiline)
    position = next(i for i, c in enumerate(value) if c in "\x00\ud800\u202e")
    assert str(refused.value).startswith(f"第{position + 1}个字符（U+{ord(value[position]):04X}）")


@pytest.mark.parametrize(
    "char",
    ["\x01", "\x1b", "\x7f", "\x85", "\x9f", "\u202a", "\u202d", "\u2066", "\u2069", "\ufffe"],
)
def test_other_controls_embeddings_isolates_and_noncharacters_are_refused(char):
    for multiline in (False, True):
        with pytest.raises(TextRefused):
            check_text(f"a{char}b", multiline=multiline)


def test_tab_and_line_breaks_are_kept_in_multi_line_text_and_normalized():
    assert check_text("第一行\r\n第二行\r第三行\u2028第四行\t完", multiline=True) == (
        "第一行\n第二行\n第三行\n第四行\t完"
    )


@pytest.mark.parametrize("char", ["\t", "\n", "\r", "\u2028", "\u2029"])
def test_a_single_line_refuses_tabs_and_line_breaks(char):
    with pytest.raises(TextRefused, match="只能填一行"):
        check_text(f"湖北{char}公安厅", multiline=False)


def test_invisible_marks_are_dropped():
    assert check_text("\ufeff湖北\u200b公安\u200e厅\u200f\u061c", multiline=False) == "湖北公安厅"


def test_ordinary_chinese_text_emoji_and_joiners_pass_unchanged():
    text = "《中华人民共和国数据安全法》第二十一条；👩‍💻 ZWJ\u200d、ZWNJ\u200c；𠀋"
    assert check_text(text, multiline=False) == text


def test_the_fast_search_and_the_description_agree_on_every_code_point():
    for code in range(0x110000):
        char = chr(code)
        for multiline, search in ((False, REFUSED_IN_LINE), (True, REFUSED_IN_TEXT)):
            assert (search.search(char) is not None) == (_kind(code, multiline) is not None), (
                hex(code),
                multiline,
            )


def test_a_refused_file_names_the_line_and_column():
    with pytest.raises(Invalid) as refused:
        text = "year: 2027\nnotice:\n  title: 国务院\u202e通知\n"
        clean_file(text, "日历文件", "calendar_invalid")
    assert refused.value.message.startswith("日历文件第3行第13个字符（U+202E）是双向文字控制符")
    assert refused.value.code == "calendar_invalid"


def test_admin_text_goes_through_the_same_rule_with_the_label():
    with pytest.raises(Invalid) as refused:
        clean_text("湖北\u202e厅\x00", "name", "部门名称", max_length=200, required=True)
    assert refused.value.message.startswith("部门名称：第3个字符（U+202E）")
    assert refused.value.code == "invalid_name"
    with pytest.raises(Invalid):
        clean_text("第一行\n第二行", "name", "部门名称", max_length=200, required=True)
    assert (
        clean_text("第一行\r\n第二行", "b", "法律依据", max_length=9, required=True, multiline=True)
        == "第一行\n第二行"
    )
    with pytest.raises(Invalid, match="字段名称：第1个字符"):
        clean_field_names(["\x00姓名"])


# -- request models ----------------------------------------------------------------------------


def request_models() -> list[type[BaseModel]]:
    return [*(process.request for process in PROCESSES.values()), ActionBody, DraftEdit]


def text_validators(annotation: object, metadata: list[object]) -> set[object]:
    """The text-rule validators a field carries, however deep (lists, optionals)."""
    found = {getattr(meta, "func", None) for meta in metadata}
    for argument in typing.get_args(annotation):
        found |= text_validators(argument, list(getattr(argument, "__metadata__", ())))
    return found & {_single_line, _multi_line}


@pytest.mark.parametrize("model", request_models(), ids=lambda m: m.__name__)
def test_every_text_field_of_every_request_model_carries_the_rule_a_limit_and_a_chinese_name(
    model,
):
    for name, field in model.model_fields.items():
        if str not in _leaf_types(field.annotation):
            continue
        assert text_validators(field.annotation, field.metadata), (
            f"{model.__name__}.{name} skips the text rule"
        )
        schema = model.model_json_schema()["properties"][name]
        assert "maxLength" in str(schema), f"{model.__name__}.{name} has no maximum length"
        assert field.title and not field.title.isascii(), f"{model.__name__}.{name}: no 中文 title"


def _leaf_types(annotation: object) -> set[object]:
    arguments = typing.get_args(annotation)
    if not arguments:
        return {annotation}
    return set().union(*(_leaf_types(a) for a in arguments if not _is_metadata(a)))


def _is_metadata(value: object) -> bool:
    return not isinstance(value, type) and not typing.get_args(value) and value is not None


def test_a_refused_field_is_named_in_chinese_and_by_its_json_name():
    model = PROCESSES["sharing_application"].request
    body = {
        "process": "sharing_application",
        "resource_id": "hubei-hukou",
        "purpose": "核验",
        "scenario": "不符合\x00条件",
        "fields": ["姓名", "户籍\u202e地址"],
    }
    with pytest.raises(ValidationError) as error:
        model.model_validate(body)
    message = describe_problems(error.value.errors(), model)
    assert "应用场景（scenario）：第4个字符（U+0000）是空字符（NUL），不允许使用" in message
    assert "申请字段（fields）第2项：第3个字符（U+202E）是双向文字控制符" in message


def test_limits_are_said_in_chinese_with_their_number():
    with pytest.raises(ValidationError) as error:
        ActionBody.model_validate({"reason": "长" * 2001, "decision": "决" * 101})
    message = describe_problems(error.value.errors(), ActionBody)
    assert "理由（reason）：过长（最多 2000 个字符）" in message
    assert "决定（decision）：过长（最多 100 个字符）" in message


def test_repeated_fields_records_and_attachments_count_once():
    model = PROCESSES["quality_verification"].request
    request = model.model_validate(
        {
            "process": "quality_verification",
            "resource_id": "hubei-hukou",
            "description": "户籍地址有误",
            "fields": ["姓名", "姓名", "户籍地址"],
            "records": ["420100-1", "420100-1"],
            "attachments": [3, 1, 3],
        }
    )
    assert request.fields == ["姓名", "户籍地址"]  # type: ignore[attr-defined]
    assert request.records == ["420100-1"]  # type: ignore[attr-defined]
    assert request.attachments == [3, 1]  # type: ignore[attr-defined]
