"""What a case's identifiers are called in Chinese on the timeline: event kinds, stages,
outcomes, decisions, and the details an event carries.

The same identifier means different things in different processes: `reject` is 不同意共享 in a
sharing application and 疑义不成立 in a quality verification; `verification` is the provider's
校核 there and the 核实 of an objection. So each process has its own table, read first; the
common table holds only what every process means alike. An identifier no table knows is shown
as it is (tests/api/test_timeline_labels.py walks every recorded history so that none is).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from workflows.common import DepartmentKind, OpenType, Role, ShareType

Table = Literal["kinds", "stages", "outcomes", "decisions"]


@dataclass(frozen=True)
class Labels:
    kinds: Mapping[str, str] = field(default_factory=dict)
    stages: Mapping[str, str] = field(default_factory=dict)
    outcomes: Mapping[str, str] = field(default_factory=dict)
    decisions: Mapping[str, str] = field(default_factory=dict)
    # Detail names, as "kind.key" (one event kind's) or "key" (every event's).
    details: Mapping[str, str] = field(default_factory=dict)


COMMON = Labels(
    kinds={
        "received": "收件",
        "stage_entered": "进入环节",
        "reminded": "到期提醒",
        "overdue": "逾期",
        "replanned": "因日历调整重新计算期限",
        "closed": "办结",
        "request_extension": "申请延长期限",
        "grant_extension": "同意延长期限",
        "refuse_extension": "不同意延长期限",
        "extension_requested": "延期申请已登记",
    },
    stages={"received": "收件", "closed": "已办结", "extension_review": "审批延期申请"},
    outcomes={"lapsed": "期满终止"},
    details={
        "reason": "理由",
        "legal_basis": "法律依据",
        "decision": "决定",
        "note": "备注",
        "outcome": "结果",
        "granted_by": "授权方式",
    },
)

SHARE_TYPES = {"unconditional": "无条件共享", "conditional": "有条件共享", "not_shared": "不予共享"}

BY_PROCESS: dict[str, Labels] = {
    "sharing_application": Labels(
        kinds={
            "received": "收到申请",
            "deemed_consent": "视为同意",
            "accept": "审核通过并转送",
            "decline": "不予受理",
            "approve": "同意共享",
            "reject": "不同意共享",
            "provide": "主管部门提供数据",
            "request_coordination": "申请协调",
            "decide": "作出协调决定",
            "withdraw": "撤回申请",
        },
        stages={
            "review": "审核",
            "provider_review": "提供部门答复",
            "authority_provide": "主管部门提供",
            "refused": "不予共享后待申请协调",
            "coordination": "协调",
        },
        outcomes={
            "granted": "同意共享（已授权）",
            "declined": "不予受理",
            "refused": "不予共享",
            "withdrawn": "已撤回",
        },
        decisions={"grant": "同意共享", "uphold": "维持不予共享"},
    ),
    "open_data_objection": Labels(
        kinds={
            "received": "收到异议",
            "suspend": "暂停开放并核实",
            "opening_suspended": "已暂停开放",
            "keep_open": "不暂停开放，继续核实",
            "close": "作出核实处理决定",
        },
        stages={"provider_assessment": "提供部门研判", "verification": "核实处理"},
        outcomes={
            "data_withdrawn": "撤回数据",
            "restored": "恢复开放",
            "reopened_processed": "处理后重新开放",
        },
        decisions={
            "withdraw": "撤回数据",
            "restore": "恢复开放",
            "reopen_processed": "处理后重新开放",
        },
        details={"close.decision": "处理决定"},
    ),
    "quality_verification": Labels(
        kinds={
            "received": "收到疑义或错误数据",
            "forward": "转送提供部门校核",
            "explain": "释明",
            "repair": "修复数据",
            "reject": "疑义不成立",
            "data_repaired": "数据已修复（版本更新）",
            "request_extension": "申请延长校核期限",
            "grant_extension": "同意延长校核期限",
            "refuse_extension": "不同意延长校核期限",
            "dispute": "对校核结果提出异议",
            "decide": "作出异议处理决定",
        },
        stages={
            "forwarding": "主管部门转送",
            "verification": "提供部门校核",
            "extension_review": "审批延长校核期限",
            "joint_verification": "服务中心联合核实",
            "dispute_period": "校核结果异议期",
            "dispute_review": "异议处理",
        },
        outcomes={"explained": "已释明", "repaired": "已修复", "rejected": "疑义不成立"},
        decisions={"uphold": "维持校核结果", "reverify": "责令重新校核"},
        details={
            "repair.decision": "修复的数据资源",
            "working_days": "申请延长工作日数",
            "dispute": "异议处理",
        },
    ),
    "catalog_update": Labels(
        kinds={
            "received": "登记目录更新事由",
            "draft_edited": "编辑目录草稿",
            "submit": "提交目录更新",
            "request_extension": "申请延长目录更新期限",
            "grant_extension": "同意延长目录更新期限",
            "refuse_extension": "不同意延长目录更新期限",
            "publish": "审核通过并发布目录",
            "return_for_rework": "退回修改",
        },
        stages={
            "department_update": "部门更新目录",
            "extension_review": "审批延长目录更新期限",
            "authority_review": "主管部门审核发布",
            "rework": "退回修改",
        },
        outcomes={"published": "已发布目录新版本", "confirmed_unchanged": "经核目录无需变更"},
        details={"version": "目录版本", "late_at_filing": "逾期情形"},
    ),
    "green_channel": Labels(
        kinds={
            "received": "收到数据需求",
            "approve": "批准绿色通道",
            "refuse": "不批准绿色通道",
            "confirm": "答复可以提供",
            "decline": "答复无法提供",
            "deliver": "提供数据",
            "withdraw": "撤回需求",
        },
        stages={"green_review": "绿色通道审核", "feedback": "提供部门答复", "delivery": "提供数据"},
        outcomes={
            "delivered": "已提供数据",
            "unavailable": "无法提供（附理由）",
            "refused": "不批准绿色通道",
            "withdrawn": "需求已撤回",
        },
        decisions={"close": "办结", "ordinary": "转入动态调度", **SHARE_TYPES},
        details={"refuse.decision": "后续办理", "deliver.decision": "共享类型"},
    ),
    "service_change": Labels(
        kinds={
            "received": "收到共享告知",
            "late_filing": "未按规定提前告知",
            "holders_notified": "已告知使用部门",
            "took_effect": "变更生效",
            "withdraw": "撤回共享告知",
        },
        stages={"announced": "已告知，待生效"},
        outcomes={"took_effect": "变更已生效", "withdrawn": "告知已撤回，不作变更"},
        details={"earliest": "最早可生效日", "departments": "已告知部门", "change": "变更类型"},
    ),
    "emergency_reclassification": Labels(
        kinds={
            "received": "登记共享属性临时调整",
            "reclassified": "临时调整共享类型",
            "restore": "提前恢复原共享类型",
            "share_type_restored": "已恢复原共享类型",
        },
        stages={"reclassified": "临时调整期间"},
        outcomes={
            "restored_at_end": "期满恢复原共享类型",
            "restored_early": "提前恢复原共享类型",
        },
        details={
            "share_type_before": "原共享类型",
            "share_type": "共享类型",
            "until": "临时调整至",
        },
    ),
}

# Values of a detail shown by name (decisions and outcomes are looked up per process).
DETAIL_VALUES: dict[str, Mapping[str, str]] = {
    "granted_by": {
        "provider": "提供部门同意",
        "deemed_consent": "视为同意",
        "authority": "主管部门决定",
        "platform": "共享平台直接授权",
    },
    "share_type": SHARE_TYPES,
    "share_type_before": SHARE_TYPES,
    "change": {"upgrade": "系统升级", "change": "变更", "stop": "停用"},
    "dispute": {"upheld": "维持校核结果", "reverified": "重新校核"},
}


def label(table: Table, process: str, value: str) -> str:
    own: Mapping[str, str] = getattr(BY_PROCESS.get(process, COMMON), table)
    return own.get(value) or getattr(COMMON, table).get(value, value)


def detail_name(process: str, kind: str, key: str) -> str | None:
    """The name of a detail the timeline shows, or None for one it leaves out."""
    own = BY_PROCESS.get(process, COMMON).details
    return own.get(f"{kind}.{key}") or own.get(key) or COMMON.details.get(key)


def detail_value(process: str, key: str, value: str) -> str:
    if key == "outcome":
        return label("outcomes", process, value)
    if key == "decision":
        return label("decisions", process, value)
    return DETAIL_VALUES.get(key, {}).get(value, value)


# -- reference data ------------------------------------------------------------------------

ROLE_NAMES = {
    Role.CASEWORKER: "经办人",
    Role.SUPERVISOR: "监管人员",
    Role.AUDITOR: "审计人员",
    Role.ADMIN: "系统管理员",
    Role.PUBLIC: "社会公众",
}
RESOURCE_STATUSES = {"active": "有效", "suspended": "暂停", "retired": "停用"}

KIND_NAMES = {
    DepartmentKind.ORDINARY: "普通部门",
    DepartmentKind.COMPETENT_AUTHORITY: "政务数据主管部门",
    DepartmentKind.SERVICE_CENTRE: "服务中心",
}
SHARE_TYPE_NAMES = {
    ShareType.UNCONDITIONAL: "无条件共享",
    ShareType.CONDITIONAL: "有条件共享",
    ShareType.NOT_SHARED: "不予共享",
}
OPEN_TYPE_NAMES = {
    OpenType.UNCONDITIONAL: "无条件开放",
    OpenType.CONDITIONAL: "有条件开放",
    OpenType.NOT_OPEN: "不予开放",
}
# Chinese labels accepted wherever the English value is, for catalogs kept in spreadsheets.
ALIASES: dict[type[StrEnum], dict[str, StrEnum]] = {
    DepartmentKind: {name: kind for kind, name in KIND_NAMES.items()},
    Role: {name: role for role, name in ROLE_NAMES.items()},
    ShareType: {name: share for share, name in SHARE_TYPE_NAMES.items()},
    OpenType: {
        **{name: kind for kind, name in OPEN_TYPE_NAMES.items()},
        "依申请开放": OpenType.CONDITIONAL,
    },
}
