"""Domain errors: what went wrong, in Chinese for the people who read it, with a stable code
for programs. Use cases raise them; each skin maps them to its own answer once (api/errors.py
to HTTP statuses). Temporal's and the rulesets' failures are translated here, so that no use
case leaks an SDK exception to its caller.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any, get_args

from pydantic import BaseModel
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from regulations import RulesetError, RulesetNotApplicable, RulesetNotInForce
from workflows.common import (
    FORBIDDEN,
    INVALID,
    STALE,
    SUPPLEMENT_ALREADY_REQUESTED,
    UNSIGNED,
    WRONG_STAGE,
)

log = logging.getLogger(__name__)


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(
        self, message: str, code: str | None = None, *, recorded: bool | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        # For an action that got no answer in time: whether its case accepted it (it is
        # then applied, as of when it was received, once the case can go on).
        self.recorded = recorded
        # The answer an earlier request with the same Idempotency-Key got, given again.
        self.replayed = False


class Unauthorized(DomainError):
    status, code = 401, "unauthorized"


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class NotFound(DomainError):
    status, code = 404, "not_found"


class Conflict(DomainError):
    status, code = 409, "conflict"


class LengthRequired(DomainError):
    status, code = 411, "length_required"


class TooLarge(DomainError):
    status, code = 413, "too_large"


class Invalid(DomainError):
    status, code = 422, "invalid"


class Unavailable(DomainError):
    status, code = 503, "unavailable"


VALIDATOR_ERRORS = {
    FORBIDDEN: Forbidden,
    WRONG_STAGE: Conflict,
    INVALID: Invalid,
    UNSIGNED: Forbidden,
    SUPPLEMENT_ALREADY_REQUESTED: Conflict,
}


def from_update_failure(error: WorkflowUpdateFailedError) -> DomainError:
    """A refused action (the workflow's validator said why) or a failure inside the workflow."""
    cause = error.cause
    if isinstance(cause, ApplicationError) and cause.type in VALIDATOR_ERRORS:
        return VALIDATOR_ERRORS[cause.type](cause.message, cause.type)
    if isinstance(cause, ApplicationError) and cause.type == STALE:
        return Unavailable(cause.message, "action_not_recorded", recorded=False)
    log.error("action failed inside the workflow: %r", cause)
    return Conflict("操作未能完成，案件状态未改变。", "action_failed")


def from_rpc(error: RPCError) -> DomainError:
    """Temporal's answer, where nothing more is known of the case: a use case that can ask
    why a case did not answer does (service/diagnosis.py). FAILED_PRECONDITION is not "closed":
    Temporal says it of a case whose workflow task keeps failing, or that no worker polls."""
    if error.status is RPCStatusCode.NOT_FOUND:
        return NotFound("案件不存在或已超过保存期限。", "case_not_found")
    if error.status is RPCStatusCode.FAILED_PRECONDITION:
        return Unavailable(
            "案件的工作流暂时不能处理请求（处理进程不可用或案件处理出错）；本次操作未生效。",
            "workflow_not_ready",
        )
    if error.status in (
        RPCStatusCode.UNAVAILABLE,
        RPCStatusCode.DEADLINE_EXCEEDED,
        RPCStatusCode.CANCELLED,
    ):
        return Unavailable(
            "工作流服务暂不可用，请稍后重试；本次操作未生效。", "temporal_unavailable"
        )
    log.error("Temporal call failed: %s", error)
    return Unavailable("工作流服务返回错误，本次操作未生效。", "temporal_error")


# What SQLAlchemy raises when the database does not answer: refused or lost connections,
# a pool that gave out (sqlalchemy.exc.TimeoutError).
DATABASE_DOWN: tuple[type[Exception], ...] = (OperationalError, InterfaceError, PoolTimeout)


def database_unavailable() -> Unavailable:
    """The database did not answer (down, restarting, unreachable, its pool exhausted)."""
    return Unavailable("数据库暂不可用，请稍后重试；本次操作未生效。", "database_unavailable")


def from_ruleset(error: ValueError) -> DomainError:
    """Why no ruleset governs a case, or why an uploaded one is refused."""
    if isinstance(error, RulesetNotInForce):
        return Invalid(str(error), "ruleset_not_in_force")
    if isinstance(error, RulesetNotApplicable):
        return Invalid(str(error), "ruleset_not_applicable")
    if isinstance(error, RulesetError):
        return Invalid(ruleset_problem(error), "ruleset_invalid")
    raise error


def ruleset_problem(error: RulesetError) -> str:
    """What is wrong with a ruleset file, in Chinese: pydantic's findings field by field, each
    field by its path in the YAML (`processes.catalog_update.update.time_limits.0`), which is
    what the operator wrote."""
    if not error.problems:
        return str(error)
    described = "；".join(
        f"{'.'.join(str(part) for part in issue['loc'])}：{_field_problem(issue)}"
        for issue in error.problems[:5]
    )
    return f"{error.source}：{described}"


# -- request validation -------------------------------------------------------------------

FIELD_PROBLEMS = {
    "missing": "缺少必填字段",
    "dict_type": "应为 JSON 对象",
    "model_attributes_type": "应为 JSON 对象",
    "string_too_short": "不能为空",
    "string_too_long": "过长（最多 {max_length} 个字符）",
    "string_pattern_mismatch": "格式不正确",
    "too_short": "至少 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "应不小于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "应不大于 {le}",
    "string_type": "应为字符串",
    "list_type": "应为列表",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "int_parsing_size": "数值超出范围",
    "bool_type": "应为布尔值",
    "date_type": "应为日期（YYYY-MM-DD）",
    "datetime_type": "应为带时区的时间",
    "datetime_from_date_parsing": "应为带时区的时间",
    "date_from_datetime_inexact": "应为日期（YYYY-MM-DD），不含时刻",
    # pydantic refuses a lone surrogate before the text rule sees it; say it in the same words.
    "string_unicode": "含有孤立的代理码元（不成对的 UTF-16 代理项，不是有效字符），不允许使用",
    "model_type": "应为 JSON 对象",
    "bool_parsing": "应为布尔值",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "datetime_parsing": "应为带时区的时间",
    "literal_error": "应为以下之一：{allowed}",
    "enum": "应为以下之一：{allowed}",
    "extra_forbidden": "不允许的字段",
    "json_invalid": "不是有效的 JSON（{error}）",
    "timezone_aware": "应为带时区的时间",
    "timezone_naive": "应为不带时区的时间",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "decimal_parsing": "应为数字",
    "int_from_string": "应为整数",
    "none_required": "不应填写",
    "frozen_field": "不能修改",
    "dict_attributes_type": "应为 JSON 对象",
    "mapping_type": "应为 JSON 对象",
    "tuple_type": "应为列表",
    "set_type": "应为列表",
    "bytes_type": "应为字符串",
    "uuid_parsing": "格式不正确",
    "url_parsing": "应为网址",
    "date_future": "应为将来的日期",
    "date_past": "应为过去的日期",
    "datetime_future": "应为将来的时间",
    "datetime_past": "应为过去的时间",
    "string_sub_type": "应为字符串",
    "union_tag_invalid": "取值不在允许范围内",
    "union_tag_not_found": "缺少区分类型的字段",
}
# What a problem pydantic has no Chinese for is called: never its English.
UNKNOWN_PROBLEM = "格式不正确"
OUT_OF_RANGE = "超出允许范围"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
# How the JSON decoders' English reasons read (pydantic's, and Python's that FastAPI reports):
# a line and column where one is given, never a byte offset (people count no bytes).
JSON_REASONS = {
    "Expecting value": "此处应为值",
    "Expecting ',' delimiter": "缺少逗号",
    "Expecting ':' delimiter": "缺少冒号",
    "Expecting property name": "键应为带引号的字符串",
    "Unterminated string": "字符串缺少结尾的引号",
    "Extra data": "结尾有多余内容",
    "Invalid control character": "字符串中含有控制字符",
    "Invalid \\escape": "无效的转义",
    "EOF while parsing": "内容不完整",
    "expected value": "此处应为值",
    "trailing comma": "多余的逗号",
    "key must be a string": "键应为带引号的字符串",
    "control character": "字符串中含有控制字符",
    "invalid escape": "无效的转义",
    "expected `,` or `}`": "缺少逗号或右花括号",
    "expected `,` or `]`": "缺少逗号或右方括号",
    "expected `:`": "缺少冒号",
    "trailing characters": "结尾有多余内容",
    "invalid unicode": "无效的 Unicode 转义",
    "lone leading surrogate": "含有孤立的代理码元",
}


# Query parameters as people call them (a body's fields are named by their model's titles).
QUERY_NAMES = {
    "process": "事项",
    "ruleset": "规则集",
    "stage": "环节",
    "status": "状态",
    "department": "部门",
    "overdue": "是否逾期",
    "due_within": "剩余工作日",
    "received_from": "收件起始时间",
    "received_to": "收件截止时间",
    "limit": "每页条数",
    "offset": "起始位置",
    "jurisdiction": "辖区",
    "from": "起始日期",
    "to": "截止日期",
    "format": "格式",
    "detail": "是否含明细",
    "year": "年度",
    "unread": "是否未读",
    "case_id": "案件编号",
}
# A pattern that is a list of values (`^(open|closed)$`) says them when a value misses it.
CHOICES_PATTERN = re.compile(r"\^\(([\w|-]+)\)\$")


def allowed_values(expected: str) -> str:
    """pydantic's `'a', 'b' or 'c'` as 「a、b、c」: the values themselves, not its English."""
    values = re.findall(r"'([^']*)'", expected) or [expected]
    return "、".join(values)


def json_reason(error: str) -> str:
    reason = next((zh for en, zh in JSON_REASONS.items() if en in error), "语法错误")
    if found := re.search(r"line (\d+) column (\d+)", error):
        return f"第{found[1]}行第{found[2]}列：{reason}"
    return reason


def _field_problem(issue: Any) -> str:
    kind = issue["type"]
    context = dict(issue.get("ctx") or {})
    if kind in ("value_error", "assertion_error") and context.get("error"):
        # Our validators raise with Chinese text; pydantic prefixes "Value error, ".
        return str(context["error"])
    known = FIELD_PROBLEMS.get(kind)
    if known is None:
        # Our own rules (the text rule, the bounds) raise with Chinese words: those stand.
        message = str(issue.get("msg", ""))
        return message if CHINESE.search(message) else UNKNOWN_PROBLEM
    if "expected" in context:
        context["allowed"] = allowed_values(str(context["expected"]))
    if kind == "json_invalid":
        context["error"] = json_reason(str(context.get("error", "")))
    if kind == "string_pattern_mismatch" and (
        choices := CHOICES_PATTERN.fullmatch(str(context.get("pattern", "")))
    ):
        return f"应为以下之一：{'、'.join(choices[1].split('|'))}"
    try:
        return known.format(**context)
    except (KeyError, IndexError):  # a limit pydantic did not report: say it without the number
        return OUT_OF_RANGE


def describe_problems(problems: Sequence[Any], model: type[BaseModel] | None = None) -> str:
    """Pydantic's findings as one Chinese sentence naming the fields: by the Chinese name
    (the field's `title`) and the JSON name, when `model` is the request's model."""
    parts = []
    for issue in list(problems)[:5]:
        loc = _where(issue)
        problem = _field_problem(issue)
        if issue["loc"][:1] == ("query",) and len(loc) == 1 and str(loc[0]) in QUERY_NAMES:
            where = f"{QUERY_NAMES[str(loc[0])]}（{loc[0]}）"
        else:
            where = field_label(model, loc) or "请求体"
        parts.append(f"{where}：{problem}")
    return "请求内容无效：" + "；".join(parts)


def field_problems(problems: Sequence[Any]) -> dict[str, str]:
    """Pydantic's findings per top-level field, in Chinese, for a form to show beside each."""
    found: dict[str, str] = {}
    for issue in problems:
        where = _where(issue)
        name = str(where[0]) if where else ""
        found.setdefault(name, _field_problem(issue) + "。")
    return found


def _where(issue: Any) -> list[str | int]:
    """The field a problem is about; none for a body that is not JSON (pydantic gives the
    byte offset there, which names no field)."""
    if issue["type"] == "json_invalid":
        return []
    return [p for p in issue["loc"] if p not in ("body", "query", "path")]


def field_label(model: type[BaseModel] | None, loc: Sequence[str | int]) -> str:
    """`purpose` as 用途（purpose）, `fields.2` as 字段（fields）第3项."""
    label = ""
    for part in loc:
        if isinstance(part, int):
            label += f"第{part + 1}项"
            continue
        field = model.model_fields.get(part) if model is not None else None
        named = f"{field.title}（{part}）" if field is not None and field.title else str(part)
        label += ("." if label else "") + named
        model = model_in(field.annotation) if field is not None else None
    return label


def model_in(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds, directly, in a list or as an optional value."""
    if isinstance(annotation, type) and not get_args(annotation):
        return annotation if issubclass(annotation, BaseModel) else None
    for argument in get_args(annotation):
        found = model_in(argument)
        if found is not None:
            return found
    return None
