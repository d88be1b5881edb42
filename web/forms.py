"""What each form asks for, in Chinese: the fields of each case action (which of `reason`,
`legal_basis`, `decision`, `note`, `working_days` it takes, and which it needs), and the
checks the page makes before the service does, so that a missing field is said beside it.

The workflows remain the judges: they refuse an unfit action with a Chinese message, which
`field_for` places beside the field it names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from service.labels import label

Kind = Literal["text", "textarea", "select", "number", "date", "file", "password"]


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: Kind = "text"
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    hint: str = ""
    default: str = ""
    placeholder: str = ""


def reason(required: bool = True, text: str = "理由") -> Field:
    return Field("reason", text, "textarea", required)


def note(required: bool = False, text: str = "备注", hint: str = "") -> Field:
    return Field("note", text, "textarea", required, hint=hint)


def decision(process: str, values: Sequence[str], text: str = "决定") -> Field:
    return Field(
        "decision", text, "select", True, tuple((v, label("decisions", process, v)) for v in values)
    )


SHARE_CHOICES = (("conditional", "有条件共享"), ("unconditional", "无条件共享"))

# process -> action -> fields. An action not listed takes an optional note.
ACTION_FIELDS: dict[str, dict[str, list[Field]]] = {
    "sharing_application": {
        "decline": [
            Field(
                "reason",
                "不予受理的理由",
                "textarea",
                True,
                hint="仅用于不属于共享平台受理范围的申请。2025年8月1日起收到的申请材料不全的，"
                "应“一次性告知补正”，不得不予受理（《政务数据共享条例》第二十一条第二款）。",
            )
        ],
        "request_supplement": [
            Field(
                "items",
                "需补正的材料",
                "textarea",
                True,
                hint="一次性列明全部需补充的材料，每行一项：材料名称：需要补充的理由。",
                placeholder="数据安全承诺书：有条件共享数据须提交加盖公章的安全承诺书",
            )
        ],
        "supplement": [
            note(True, "补正说明", "说明补充了哪些材料。"),
            Field("attachments", "补正材料附件", "file", hint="PDF、JPEG 或 PNG，每个不超过10MB。"),
        ],
        "reject": [
            reason(text="不同意共享的理由"),
            Field(
                "legal_basis",
                "法律依据",
                "textarea",
                hint="河北等规定须写明不予共享的法律、法规依据。",
            ),
        ],
        "request_coordination": [reason(False, "申请协调的理由")],
        "decide": [
            decision("sharing_application", ("grant", "uphold", "unresolved"), "协调决定"),
            reason(False, "理由（维持不予共享、协调不成时必填）"),
        ],
        "withdraw": [reason(False, "撤回原因")],
        "deliver": [
            decision("sharing_application", ("interface", "batch_exchange", "file"), "交付方式"),
            note(True, "交付凭据", "接口地址、交换批次号或文件编号。"),
        ],
        "confirm_receipt": [note(False, "收到情况说明")],
        # 809 第二十八条's ladder.
        "request_negotiation": [reason(text="对不予共享意见的异议")],
        "record_negotiation": [
            decision("sharing_application", ("agreed", "failed"), "协商结果"),
            reason(False, "理由（协商不成时必填）"),
            note(False, "协商情况"),
        ],
        "record_government_grant": [
            Field("note", "决定文件文号", required=True, placeholder="如：鄂政函〔2026〕95号"),
            Field("decision", "决定日期", "date", True),
        ],
        "record_government_uphold": [
            Field("note", "决定文件文号", required=True, placeholder="如：鄂政函〔2026〕95号"),
            Field("decision", "决定日期", "date", True),
            reason(text="决定理由"),
        ],
    },
    "quality_verification": {
        "explain": [reason(text="释明内容")],
        "repair": [
            note(True, "修复说明", "说明修改了哪些数据。"),
            Field("decision", "修复的数据资源编码", hint="联合核实时填写所修复的资源；否则留空。"),
        ],
        "reject": [reason(text="疑义不成立的理由")],
        "request_extension": [
            Field("working_days", "申请延长的工作日数", "number", True),
            reason(text="特殊原因"),
        ],
        "refuse_extension": [reason()],
        "dispute": [reason(text="异议理由")],
        "decide": [
            decision("quality_verification", ("uphold", "reverify"), "异议处理决定"),
            reason(),
        ],
    },
    "catalog_update": {
        "submit": [note(False, "说明", "草稿中没有目录变更时，须说明目录无需变更的理由。")],
        "request_extension": [reason(text="申请延期的理由")],
        "refuse_extension": [reason()],
        "return_for_rework": [reason(text="退回修改的理由")],
    },
    "green_channel": {
        "refuse": [
            decision("green_channel", ("close", "ordinary"), "后续办理"),
            reason(text="不批准的理由"),
        ],
        "decline": [reason(text="无法提供的理由")],
        "deliver": [
            Field(
                "decision",
                "新汇聚数据的共享类型",
                "select",
                choices=SHARE_CHOICES,
                hint="需求的数据不在目录中时选择；已在目录中的留空。",
            ),
            note(),
        ],
        "withdraw": [reason(text="撤回理由")],
    },
    "open_data_objection": {
        "keep_open": [reason(text="不暂停开放的理由")],
        "close": [
            decision(
                "open_data_objection", ("withdraw", "restore", "reopen_processed"), "核实结论"
            ),
            reason(text="理由（将告知异议人）"),
            note(False, "处理说明", "处理后重新开放的，须说明对数据作了哪些处理。"),
        ],
    },
    "service_change": {"withdraw": [reason(text="撤回理由")]},
    "emergency_reclassification": {"restore": [reason(text="提前恢复的理由")]},
    "negative_listing": {
        "forward": [note(text="审核意见")],
        "reject": [reason(text="审核不通过的理由")],
        "record_approval": [
            Field("note", "批准文件文号", required=True, placeholder="如：鄂政函〔2026〕12号"),
            Field("decision", "批准日期", "date", True),
        ],
        "record_refusal": [reason(text="不予批准的理由"), note(text="政府文件文号")],
        "withdraw": [reason(text="撤回理由")],
    },
}

# Actions that hand nothing over to anyone: shown as a plain button, danger-coloured.
REFUSALS = frozenset(
    {
        "decline",
        "reject",
        "refuse",
        "refuse_extension",
        "withdraw",
        "return_for_rework",
        "record_refusal",
        "record_government_uphold",
    }
)


def action_fields(process: str, action: str) -> list[Field]:
    return ACTION_FIELDS.get(process, {}).get(action, [note()])


def missing(fields: Sequence[Field], values: Mapping[str, str]) -> dict[str, str]:
    """Field name -> why it is unfit, for what the page can tell without the service."""
    problems: dict[str, str] = {}
    for spec in fields:
        value = values.get(spec.name, "")
        if spec.required and not value:
            problems[spec.name] = f"请填写{spec.label}。"
        elif value and spec.choices and value not in {key for key, _ in spec.choices}:
            problems[spec.name] = f"{spec.label}的取值无效。"
        elif value and spec.kind == "number" and not value.isdigit():
            problems[spec.name] = f"{spec.label}应为整数。"
    return problems


# Words in a service or workflow message, and the field they are about.
HINTS: tuple[tuple[str, str], ...] = (
    ("补正材料", "items"),
    ("需补正", "items"),
    ("补正说明", "note"),
    ("法律依据", "legal_basis"),
    ("legal_basis", "legal_basis"),
    ("工作日", "working_days"),
    ("decision", "decision"),
    ("决定", "decision"),
    ("结论", "decision"),
    ("note", "note"),
    ("说明修改", "note"),
    ("理由", "reason"),
    ("原因", "reason"),
)


def field_for(message: str, fields: Sequence[Field]) -> str | None:
    """The field a refusal message is about, if the form has it."""
    names = {spec.name for spec in fields}
    for word, name in HINTS:
        if word in message and name in names:
            return name
    return None


def split_list(text: str) -> list[str]:
    """Field names typed in one box: separated by commas, 、, semicolons or new lines."""
    return [part.strip() for part in re.split(r"[,，、;；\n]+", text) if part.strip()]


def split_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def supplement_items(text: str) -> tuple[list[dict[str, str]], str]:
    """The items of a supplement request typed one a line, `材料：理由`, and the problem with
    them in Chinese ("" if none): the service checks each item's length and reason."""
    items = []
    for number, line in enumerate(split_lines(text), 1):
        item, colon, why = line.replace(":", "：").partition("：")
        if not colon or not item.strip() or not why.strip():
            return [], f"第{number}行须写明材料名称和需要补充的理由，用冒号分隔。"
        items.append({"item": item.strip(), "reason": why.strip()})
    return items, ""


@dataclass
class FormState:
    """What a form shows again after a refusal: the values typed, and the errors."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    message: str = ""
