"""Domain errors: what went wrong, in Chinese for the people who read it, with a stable code
for programs. Use cases raise them; each skin maps them to its own answer once (api/errors.py
to HTTP statuses). Temporal's and the rulesets' failures are translated here, so that no use
case leaks an SDK exception to its caller.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, get_args

from pydantic import BaseModel
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from regulations import RulesetError, RulesetNotApplicable, RulesetNotInForce
from workflows.common import FORBIDDEN, INVALID, WRONG_STAGE

log = logging.getLogger(__name__)


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


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


VALIDATOR_ERRORS = {FORBIDDEN: Forbidden, WRONG_STAGE: Conflict, INVALID: Invalid}


def from_update_failure(error: WorkflowUpdateFailedError) -> DomainError:
    """A refused action (the workflow's validator said why) or a failure inside the workflow."""
    cause = error.cause
    if isinstance(cause, ApplicationError) and cause.type in VALIDATOR_ERRORS:
        return VALIDATOR_ERRORS[cause.type](cause.message, cause.type)
    log.error("action failed inside the workflow: %r", cause)
    return Conflict("操作未能完成，案件状态未改变。", "action_failed")


def from_rpc(error: RPCError) -> DomainError:
    if error.status is RPCStatusCode.NOT_FOUND:
        return NotFound("案件不存在或已超过保存期限。", "case_not_found")
    if error.status is RPCStatusCode.FAILED_PRECONDITION:
        return Conflict("案件已办结，不能再办理。", "case_closed")
    if error.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
        return Unavailable(
            "工作流服务暂不可用，请稍后重试；本次操作未生效。", "temporal_unavailable"
        )
    log.error("Temporal call failed: %s", error)
    return Unavailable("工作流服务返回错误，本次操作未生效。", "temporal_error")


def from_ruleset(error: ValueError) -> DomainError:
    """Why no ruleset governs a case, or why an uploaded one is refused."""
    if isinstance(error, RulesetNotInForce):
        return Invalid(str(error), "ruleset_not_in_force")
    if isinstance(error, RulesetNotApplicable):
        return Invalid(str(error), "ruleset_not_applicable")
    if isinstance(error, RulesetError):
        return Invalid(str(error), "ruleset_invalid")
    raise error


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
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
    "extra_forbidden": "不允许的字段",
    "json_invalid": "不是有效的 JSON",
}


def _field_problem(issue: Any) -> str:
    known = FIELD_PROBLEMS.get(issue["type"])
    try:
        return known.format(**issue.get("ctx", {})) if known else str(issue["msg"])
    except (KeyError, IndexError):  # a limit pydantic did not report: say it without the number
        return str(issue["msg"])


def describe_problems(problems: Sequence[Any], model: type[BaseModel] | None = None) -> str:
    """Pydantic's findings as one Chinese sentence naming the fields: by the Chinese name
    (the field's `title`) and the JSON name, when `model` is the request's model."""
    parts = []
    for issue in list(problems)[:5]:
        loc = [p for p in issue["loc"] if p not in ("body", "query", "path")]
        problem = _field_problem(issue)
        parts.append(f"{field_label(model, loc) or '请求体'}：{problem}")
    return "请求内容无效：" + "；".join(parts)


def field_problems(problems: Sequence[Any]) -> dict[str, str]:
    """Pydantic's findings per top-level field, in Chinese, for a form to show beside each."""
    found: dict[str, str] = {}
    for issue in problems:
        where = [str(p) for p in issue["loc"] if p not in ("body", "query", "path")]
        name = where[0] if where else ""
        found.setdefault(name, _field_problem(issue) + "。")
    return found


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
