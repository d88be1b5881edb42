"""The new-case form of each process: its fields (the resource chosen from the catalog), and the
request body the form's values become. The body is then the same one the API takes, checked
by the same service (service.cases.submit)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from models import CatalogResource, Department
from service import catalog, reference
from service.access import Caller
from service.platform import Platform
from web.forms import Field, split_lines, split_list
from workflows.common import SHARE_TYPE_LABELS, OpenType, Role, ShareType
from workflows.negative_listing import BASIS_RANK_LABELS

TRIGGERS = (
    ("law_changed", "法律、行政法规或国务院决定调整"),
    ("local_rule_changed", "地方性法规、规章调整"),
    ("functions_changed", "部门职能变化"),
    ("system_built", "新建或改扩建业务系统"),
    ("data_purchased", "购买数据资源"),
    ("data_agreed", "同意共享后列入目录"),
)
OBJECTION_GROUNDS = (
    ("accuracy", "数据有误"),
    ("trade_secret", "涉及商业秘密"),
    ("privacy", "涉及个人隐私"),
)
GREEN_GROUNDS = (("special_business", "特殊业务需要"), ("public_emergency", "紧急突发公共事件"))
TRACKS = (("green", "绿色通道"), ("ordinary", "动态调度（普通需求）"))
CHANGE_KINDS = (("upgrade", "系统升级"), ("change", "服务变更"), ("stop", "停用"))
MORE_OPEN = (("conditional", "有条件共享"), ("unconditional", "无条件共享"))
BASIS_RANKS = tuple((rank.value, label) for rank, label in BASIS_RANK_LABELS.items())


@dataclass(frozen=True)
class Choices:
    """The catalog and departments the caller may choose from."""

    resources: list[CatalogResource]
    departments: list[Department]

    def names(self) -> dict[str, str]:
        return {d.id: d.name for d in self.departments}


def load_choices(platform: Platform, caller: Caller) -> Choices:
    resources = catalog.list_resources(platform, caller, status="active", limit=1000).items
    departments = (
        []
        if caller.role is Role.PUBLIC
        else reference.list_departments(platform, caller, limit=1000).items
    )
    return Choices(resources, departments)


def _resource_choices(
    choices: Choices, keep: Callable[[CatalogResource], bool]
) -> tuple[tuple[str, str], ...]:
    names = choices.names()
    return tuple(
        (
            r.id,
            f"{r.name}（{names.get(r.provider_id, r.provider_id)}，"
            f"{SHARE_TYPE_LABELS.get(ShareType(r.share_type), r.share_type)}）",
        )
        for r in choices.resources
        if keep(r)
    )


def _department_choices(
    choices: Choices, keep: Callable[[Department], bool]
) -> tuple[tuple[str, str], ...]:
    return tuple((d.id, d.name) for d in choices.departments if keep(d))


def form_fields(process: str, caller: Caller, choices: Choices) -> list[Field]:
    own = caller.department_id
    others = _department_choices(choices, lambda d: d.id != own)
    if process == "sharing_application":
        return [
            Field(
                "resource_id",
                "申请的数据资源",
                "select",
                choices=_resource_choices(
                    choices,
                    lambda r: (
                        r.provider_id != own
                        and not (r.share_type == ShareType.NOT_SHARED and r.negative_list_case)
                    ),
                ),
                placeholder="（目录外数据：不选，填写下面两项）",
                hint="经批准列入不予共享负面清单的数据不在此列。",
            ),
            Field("requested_name", "目录外数据：所需数据名称"),
            Field("provider_id", "目录外数据：提供部门", "select", choices=others),
            Field("purpose", "用途", "textarea", True),
            Field("scenario", "应用场景", "textarea", True),
            Field(
                "fields",
                "申请的数据项",
                hint="用逗号或顿号分隔，如：姓名、身份证号；按最小够用原则。",
            ),
            Field("valid_until", "使用期限截至", "date", hint="不限期限的留空。"),
        ]
    if process == "quality_verification":
        resources = _resource_choices(choices, lambda r: r.provider_id != own)
        return [
            Field("resource_id", "有疑义的数据资源", "select", True, resources),
            Field("description", "疑义或错误的说明", "textarea", True),
            Field("fields", "涉及的数据项", hint="用逗号或顿号分隔。"),
            Field("records", "涉及的记录标识", "textarea", hint="每行一个。"),
            Field(
                "conflicting_resource_id",
                "与之不一致的另一部门数据资源",
                "select",
                choices=resources,
                hint="利川：多部门数据不一致时由服务中心联合核实。",
            ),
            Field("attachments", "证据材料", "file", hint="PDF、JPEG 或 PNG，每个不超过10MB。"),
        ]
    if process == "catalog_update":
        fields = [
            Field("trigger", "更新事由", "select", True, TRIGGERS),
            Field("trigger_date", "变化之日", "date", True, hint="期限自变化之日起计算。"),
            Field("description", "变化情况", "textarea", True),
        ]
        if caller.role is Role.SUPERVISOR:
            overseen = _department_choices(choices, lambda d: caller.oversees(d.jurisdiction))
            fields.insert(0, Field("department_id", "目录需更新的部门", "select", True, overseen))
        return fields
    if process == "open_data_objection":
        opened = _resource_choices(
            choices, lambda r: r.open_type != OpenType.NOT_OPEN and r.provider_id != own
        )
        return [
            Field("resource_id", "提出异议的开放数据", "select", True, opened),
            Field("grounds", "异议类型", "select", True, OBJECTION_GROUNDS),
            Field("description", "异议内容", "textarea", True),
            Field("contact", "联系方式", required=True, hint="手机号或邮箱，用于告知核实结果。"),
            Field(
                "attachments", "证据材料", "file", True, hint="PDF、JPEG 或 PNG，每个不超过10MB。"
            ),
        ]
    if process == "green_channel":
        return [
            Field("track", "通道", "select", True, TRACKS, default="green"),
            Field("provider_id", "数据提供部门", "select", True, others),
            Field("data_name", "需求数据名称"),
            Field(
                "resource_id",
                "已在目录中的数据资源",
                "select",
                choices=_resource_choices(choices, lambda r: r.provider_id != own),
            ),
            Field("purpose", "用途", "textarea", True),
            Field("scenario", "应用场景", "textarea", True),
            Field(
                "grounds", "绿色通道事由", "select", choices=GREEN_GROUNDS, hint="绿色通道必填。"
            ),
            Field("justification", "申请绿色通道的理由", "textarea", hint="绿色通道必填。"),
            Field("fields", "需求的数据项", hint="用逗号或顿号分隔。"),
        ]
    mine = _resource_choices(choices, lambda r: r.provider_id == own)
    if process == "service_change":
        return [
            Field("resource_id", "本部门的数据资源", "select", True, mine),
            Field("kind", "变更类型", "select", True, CHANGE_KINDS),
            Field("effective_on", "生效日期", "date", True),
            Field("description", "变更内容及影响", "textarea", True),
            Field(
                "reason",
                "正当理由",
                "textarea",
                hint="停用或变更共享服务须有正当理由（《政务数据共享条例》第二十七条）。",
            ),
            Field(
                "consultation",
                "与需求部门协商情况",
                "textarea",
                hint="已与使用部门协商的，写明情况；告知本身也将征求其意见并报主管部门备案。",
            ),
        ]
    if process == "emergency_reclassification":
        return [
            Field("resource_id", "本部门的数据资源", "select", True, mine),
            Field("share_type", "临时共享类型", "select", True, MORE_OPEN),
            Field("reason", "突发公共事件及调整理由", "textarea", True),
            Field("until", "临时调整截至", "date", True),
        ]
    if process == "negative_listing":
        shared = _resource_choices(
            choices, lambda r: r.provider_id == own and r.negative_list_case is None
        )
        return [
            Field("resource_id", "本部门的数据资源", "select", True, shared),
            Field(
                "basis_rank",
                "依据位阶",
                "select",
                True,
                BASIS_RANKS,
                hint="只有法律、行政法规或国务院决定明确规定不能共享的，才能列入负面清单。",
            ),
            Field("legal_basis", "法律依据（名称及条款）", "textarea", True),
            Field("reasons", "不予共享的理由", "textarea", True),
        ]
    return []


LISTS = {"fields": split_list, "records": split_lines}


def request_body(process: str, values: Mapping[str, str], attachments: list[int]) -> dict[str, Any]:
    """The API's request body from the form's values: empty optional fields left out."""
    body: dict[str, Any] = {"process": process}
    for name, value in values.items():
        if name in ("csrf_token", "idempotency_key", "attachments") or not value:
            continue
        body[name] = LISTS[name](value) if name in LISTS else value
    if attachments:
        body["attachments"] = attachments
    return body
