"""What the case page shows, gathered from the service: the case as the viewer sees it, the
departments' names, its notices and attachments, its steps in Chinese, and a form for each
action the viewer may take now."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from calendars import formatting
from models import Attachment, Notice
from service import attachments, inbox, notices, reference
from service.access import Caller
from service.labels import detail_name, detail_value, label, party_rows
from service.platform import Platform
from service.submissions import PROCESSES
from service.views import CaseOut, EventOut
from web.forms import REFUSALS, Field, FormState, action_fields
from web.session import INBOX_ROLES
from workflows.common import DELIVERY_METHOD_LABELS, OPEN_STATUS_LABELS, ROLE_LABELS, Role

LAPSES = {
    "deemed_consent": "期满视为同意",
    "overdue": "期满记为逾期并通报",
    "close": "期满办结",
    "deemed_failed": "期满视为协商不成",
}
# Details of a case shown on its page, in this order, with their Chinese names.
DETAILS = (
    ("resource_name", "数据资源"),
    ("data_name", "需求数据"),
    ("purpose", "用途"),
    ("scenario", "应用场景"),
    ("fields", "数据项"),
    ("description", "说明"),
    ("grounds", "事由"),
    ("justification", "理由"),
    ("contact", "联系方式"),
    ("trigger_date", "变化之日"),
    ("effective_on", "生效日期"),
    ("until", "临时调整至"),
    ("reason", "理由"),
    ("open_status", "开放状态（不影响共享）"),
    ("reclassified_by_case", "临时调整期间受理（授权至恢复原共享类型）"),
    ("grants_revoked", "恢复时撤销授权的申请"),
    ("grants_kept", "经正常程序同意而保留授权的申请"),
    ("consultation", "与需求部门协商情况"),
    ("consulted", "已征求意见的使用部门"),
    ("filed_with", "备案主管部门"),
    ("filing_cite", "备案依据"),
    ("government_document", "本级人民政府决定文号"),
    ("government_decided_on", "本级人民政府决定日期"),
)
GROUNDS = {
    "accuracy": "数据有误",
    "trade_secret": "涉及商业秘密",
    "privacy": "涉及个人隐私",
    "special_business": "特殊业务需要",
    "public_emergency": "紧急突发公共事件",
}


@dataclass
class Step:
    at: datetime
    what: str
    stage: str
    who: str
    details: list[tuple[str, str]]
    on_time: str  # "met", "missed" or ""


@dataclass
class ActionForm:
    action: str
    title: str
    fields: list[Field]
    danger: bool
    state: FormState = field(default_factory=FormState)


@dataclass
class CasePage:
    case: CaseOut
    process_title: str
    parties: list[tuple[str, str]]
    details: list[tuple[str, str]]
    steps: list[Step]
    notices: list[tuple[datetime, Notice]]  # with when they were sent
    attachments: list[Attachment]
    forms: list[ActionForm]
    draft_form: bool
    urgency: str  # "overdue", "due-soon" or ""
    lapse: str
    auditable: bool
    # The instruments governing the case, most local first: (ruleset id, its title).
    chain: list[tuple[str, str]] = field(default_factory=list)
    # Refusals of actions that have no form here (no longer, or never, the viewer's to take).
    problems: list[str] = field(default_factory=list)


def _who(event: EventOut, names: dict[str, str]) -> str:
    actor = event.actor
    if actor is None:
        return "" if event.kind == "received" else "系统"
    department = names.get(actor.department_id or "", actor.department_id or "")
    role = next((n for r, n in ROLE_LABELS.items() if r.value == actor.role), "")
    return " · ".join(part for part in (actor.name, department, role) if part)


def _steps(case: CaseOut, names: dict[str, str]) -> list[Step]:
    steps = []
    for event in case.events:
        details = []
        for key, value in event.detail.items():
            name = detail_name(case.process, event.kind, key)
            if name:
                details.append((name, detail_value(case.process, key, value)))
        on_time = event.detail.get("on_time")
        steps.append(
            Step(
                at=event.at,
                what=label("kinds", case.process, event.kind),
                stage=label("stages", case.process, event.stage),
                who=_who(event, names),
                details=details,
                on_time={"true": "met", "false": "missed"}.get(on_time or "", ""),
            )
        )
    return steps


# Details whose values are identifiers, and their labels.
VALUES: dict[str, dict[str, str]] = {
    "grounds": GROUNDS,
    "open_status": {str(k): v for k, v in OPEN_STATUS_LABELS.items()},
}


def _shown(key: str, value: Any) -> str:
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if key in VALUES:
        return VALUES[key].get(str(value), str(value))
    return formatting.iso_text(str(value))


def _delivery(value: Any) -> list[tuple[str, str]]:
    """The provider's delivery after its consent (809 第二十二条), where one is owed."""
    if not isinstance(value, dict):
        return []
    due = formatting.due_in_beijing(value["due"]) if value.get("due") else ""
    if not value.get("delivered_at"):
        return [("数据交付", f"待数据提供部门交付，期限至{due}（{value.get('cite', '')}）")]
    method = str(value.get("method", ""))
    method = next((n for m, n in DELIVERY_METHOD_LABELS.items() if m.value == method), method)
    timing = "按期" if value.get("on_time") else f"逾期（期限至{due}）"
    rows = [
        (
            "数据交付",
            f"{formatting.instant_text(value['delivered_at'])}以{method}方式交付，{timing}",
        ),
        ("交付凭据", str(value.get("reference", ""))),
    ]
    if value.get("confirmed_at"):
        rows.append(("申请部门确认收到", formatting.instant_text(value["confirmed_at"])))
    return rows


def _attachment_ids(case: CaseOut) -> list[int]:
    ids = [i for i in case.details.get("attachments") or [] if isinstance(i, int)]
    for evidence in case.details.get("evidence") or []:
        if isinstance(evidence, dict) and isinstance(evidence.get("attachment_id"), int):
            ids.append(evidence["attachment_id"])
    supplement = case.details.get("supplement")  # a sharing application's 补正
    if isinstance(supplement, dict):
        ids += [i for i in supplement.get("attachments") or [] if isinstance(i, int)]
    return ids


def compose(
    platform: Platform,
    caller: Caller,
    case: CaseOut,
    horizon: datetime,
    failed: dict[str, FormState] | None = None,
) -> CasePage:
    """Runs in a worker thread: it reads the database."""
    failed = failed or {}
    parties = case.parties.model_dump()
    names = reference.department_names(
        platform,
        caller,
        [*parties.values(), *(e.actor.department_id for e in case.events if e.actor)],
    )
    if caller.role in INBOX_ROLES:
        shown = [item.notice for item in inbox.inbox(platform, caller, case_id=case.case_id).items]
    else:
        shown = notices.list_notices(platform, caller, case_id=case.case_id).items
    events = [{"at": e.at.isoformat()} for e in case.events]
    sent = [(inbox.sent_at(n, events), n) for n in shown]
    forms = [
        ActionForm(
            action=name,
            title=label("kinds", case.process, name),
            fields=action_fields(case.process, name),
            danger=name in REFUSALS,
            state=failed.get(name, FormState()),
        )
        for name in case.actions
        if name in PROCESSES[case.process].actions
    ]
    shown_forms = {form.action for form in forms} | (
        {"edit_draft"} if "edit_draft" in case.actions else set()
    )
    problems = [
        state.message or "；".join(state.errors.values())
        for action, state in failed.items()
        if action not in shown_forms
    ]
    deadline = case.deadline
    urgency = ""
    if case.status == "open" and deadline is not None:
        urgency = "overdue" if case.overdue or deadline.due <= platform.now() else ""
        urgency = urgency or ("due-soon" if deadline.due <= horizon else "")
    process = PROCESSES.get(case.process)
    rulesets = platform.rulesets()
    chain = [
        (ruleset_id, known.spec.title if (known := rulesets.get(ruleset_id)) else "")
        for ruleset_id in case.governed_by or [case.ruleset]
    ]
    return CasePage(
        case=case,
        process_title=process.title if process else case.process,
        parties=party_rows(parties, names),
        details=[
            (text, _shown(key, case.details[key]))
            for key, text in DETAILS
            if case.details.get(key) not in (None, "", [])
        ]
        + _delivery(case.details.get("delivery")),
        steps=_steps(case, names),
        notices=sent,
        attachments=attachments.described(platform, caller, _attachment_ids(case)),
        forms=forms,
        draft_form="edit_draft" in case.actions,
        urgency=urgency,
        lapse=LAPSES.get(deadline.on_timeout, "") if deadline else "",
        auditable=caller.role in (Role.SUPERVISOR, Role.AUDITOR),
        problems=problems,
        chain=chain,
    )
