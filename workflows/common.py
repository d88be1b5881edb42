"""Vocabulary shared by every process: who acts, what a stage plan says, what a case state shows.

Everything here crosses the Temporal boundary, so it is plain dataclasses and string enums
(serialised by the pydantic data converter) and imports nothing beyond the standard library.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Self


class Role(StrEnum):
    CASEWORKER = "caseworker"  # 经办人
    SUPERVISOR = "supervisor"
    AUDITOR = "auditor"
    ADMIN = "admin"
    PUBLIC = "public"


class DepartmentKind(StrEnum):
    ORDINARY = "ordinary"
    COMPETENT_AUTHORITY = "competent_authority"  # 政务数据主管部门 / 大数据主管部门
    SERVICE_CENTRE = "service_centre"  # e.g. 利川市智慧城市建设服务中心


class ShareType(StrEnum):
    UNCONDITIONAL = "unconditional"  # 无条件共享
    CONDITIONAL = "conditional"  # 有条件共享
    NOT_SHARED = "not_shared"  # 不予共享 (negative list)


class OpenType(StrEnum):
    UNCONDITIONAL = "unconditional"  # 无条件开放
    CONDITIONAL = "conditional"  # 有条件开放 / 依申请开放
    NOT_OPEN = "not_open"  # 不予开放


class Party(StrEnum):
    """Who a stage waits for, relative to the case."""

    APPLICANT = "applicant"
    PROVIDER = "provider"
    AUTHORITY = "authority"  # the competent authority of the case's jurisdiction
    SERVICE_CENTRE = "service_centre"
    # The common superior authority of two jurisdictions, where a dispute crosses regions or
    # levels (809 第二十八条): 共同的上级政务数据共享主管部门.
    SUPERIOR_AUTHORITY = "superior_authority"


class Lapse(StrEnum):
    """What happens when a time limit runs out."""

    DEEMED_CONSENT = "deemed_consent"  # 视为同意: the platform authorizes automatically
    OVERDUE = "overdue"  # marked late, the supervisor is told, the case keeps waiting
    CLOSE = "close"  # the case closes as it stands (operator targets only)
    # The negotiation of a dispute (协商, 809 第二十八条) ends as failed (协商不成): the applicant
    # may then ask for coordination (operator targets only: 809 sets no period).
    DEEMED_FAILED = "deemed_failed"


class Basis(StrEnum):
    STATUTE = "statute"  # a legal deadline of the instrument
    TARGET = "target"  # an operator's target where the instrument sets no number


class GrantedBy(StrEnum):
    PROVIDER = "provider"
    DEEMED_CONSENT = "deemed_consent"
    AUTHORITY = "authority"
    PLATFORM = "platform"
    # The people's government of the coordinating authority's level decided the dispute
    # (809 第二十八条): the authority records its decision.
    GOVERNMENT = "government"


class DeliveryMethod(StrEnum):
    """How a provider shares data (809 第二十二条第二款: 服务接口、批量交换、文件下载等方式)."""

    INTERFACE = "interface"  # through the platform's service interface: the grant delivers
    BATCH_EXCHANGE = "batch_exchange"
    FILE = "file"


class Status(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ResourceStatus(StrEnum):
    """Where a catalog resource stands for sharing between departments (共享)."""

    ACTIVE = "active"
    SUSPENDED = "suspended"  # set by an administrator; an objection suspends the opening only
    RETIRED = "retired"


class OpenStatus(StrEnum):
    """Where a resource's opening to the public (开放) stands, apart from its sharing: 开放 is
    provision to the public, 共享 is between departments (hubei 第三条). An objection to
    opened data (hubei 第二十八条) suspends, withdraws or restores the opening only."""

    OPEN = "open"
    SUSPENDED = "suspended"  # 中止开放, pending verification
    WITHDRAWN = "withdrawn"  # 撤回数据: no longer opened


# -- what each of these is called in Chinese: one table per concept, read wherever it is shown --

ROLE_LABELS = {
    Role.CASEWORKER: "经办人",
    Role.SUPERVISOR: "监管人员",
    Role.AUDITOR: "审计人员",
    Role.ADMIN: "系统管理员",
    Role.PUBLIC: "社会公众",
}
DEPARTMENT_KIND_LABELS = {
    DepartmentKind.ORDINARY: "普通部门",
    DepartmentKind.COMPETENT_AUTHORITY: "政务数据主管部门",
    DepartmentKind.SERVICE_CENTRE: "服务中心",
}
SHARE_TYPE_LABELS = {
    ShareType.UNCONDITIONAL: "无条件共享",
    ShareType.CONDITIONAL: "有条件共享",
    ShareType.NOT_SHARED: "不予共享",
}
OPEN_TYPE_LABELS = {
    OpenType.UNCONDITIONAL: "无条件开放",
    OpenType.CONDITIONAL: "有条件开放",
    OpenType.NOT_OPEN: "不予开放",
}
# The party as a department; the person acting for it is its staff (`ROLE_LABELS`).
PARTY_LABELS = {
    Party.APPLICANT: "申请部门",
    Party.PROVIDER: "数据提供部门",
    Party.AUTHORITY: "政务数据主管部门",
    Party.SERVICE_CENTRE: "服务中心",
    Party.SUPERIOR_AUTHORITY: "共同的上级政务数据共享主管部门",
}
# What lapsing does, as the timeline says it after a limit.
LAPSE_LABELS = {
    Lapse.DEEMED_CONSENT: "视为同意",
    Lapse.OVERDUE: "逾期并通报",
    Lapse.CLOSE: "办结",
    Lapse.DEEMED_FAILED: "视为协商不成",
}
GRANTED_BY_LABELS = {
    GrantedBy.PROVIDER: "提供部门同意",
    GrantedBy.DEEMED_CONSENT: "视为同意",
    GrantedBy.AUTHORITY: "主管部门决定",
    GrantedBy.PLATFORM: "共享平台直接授权",
    GrantedBy.GOVERNMENT: "本级人民政府决定",
}
DELIVERY_METHOD_LABELS = {
    DeliveryMethod.INTERFACE: "接口",
    DeliveryMethod.BATCH_EXCHANGE: "批量交换",
    DeliveryMethod.FILE: "文件",
}
# An entry in force is 有效, beside 暂停 and 停用 (one word for it, where 正常 was also used).
RESOURCE_STATUS_LABELS = {
    ResourceStatus.ACTIVE: "有效",
    ResourceStatus.SUSPENDED: "暂停",
    ResourceStatus.RETIRED: "停用",
}
OPEN_STATUS_LABELS = {
    OpenStatus.OPEN: "开放中",
    OpenStatus.SUSPENDED: "中止开放（核实中）",
    OpenStatus.WITHDRAWN: "已撤回开放",
}


@dataclass(frozen=True)
class Actor:
    """The person behind an action, recorded in history so the history alone proves who acted."""

    user_id: int
    role: Role
    name: str = ""
    department_id: str | None = None
    jurisdiction: str | None = None


@dataclass(frozen=True)
class Prevailed:
    """Another instrument's period for the same duty, which the governing limit beat (a longer
    one) or equalled (on a tie the most local instrument is named, the equal one beside it)."""

    instrument: str  # its ruleset id
    cite: str
    working_days: int


@dataclass(frozen=True)
class TimeLimit:
    """One time limit of a stage: N working days from the stage's start, and what lapsing does.

    Composed per case (regulations/compose.py): `instrument` is the ruleset whose limit
    governs, `prevails_over` the limits of the other instruments in force for the same duty.
    Plans recorded before instruments were composed have neither."""

    working_days: int
    on_timeout: Lapse
    cite: str
    basis: Basis = Basis.STATUTE
    instrument: str = ""
    prevails_over: tuple[Prevailed, ...] = ()


def provenance(cite: str, working_days: int, prevails_over: Sequence[Prevailed]) -> str:
    """Which rule governs, as users read it: 依据《政务数据共享条例》第二十一条（较《…》第…条规定
    的15个工作日更严）; an equal period of another instrument is named beside it."""
    stricter = [p for p in prevails_over if p.working_days > working_days]
    equal = [p for p in prevails_over if p.working_days == working_days]
    parts = []
    if stricter:
        others = "、".join(f"{p.cite}规定的{p.working_days}个工作日" for p in stricter)
        parts.append(f"较{others}更严")
    if equal:
        parts.append(f"与{'、'.join(p.cite for p in equal)}规定相同")
    return f"依据{cite}" + (f"（{'；'.join(parts)}）" if parts else "")


@dataclass(frozen=True)
class StagePlan:
    """A stage as a ruleset defines it. Limits escalate: Lichuan's 2 days, then Hubei's 10."""

    stage: str
    actor: Party
    cite: str
    time_limits: tuple[TimeLimit, ...] = ()


@dataclass(frozen=True)
class Parties:
    """Departments involved in a case, resolved by the API from the catalog at submission."""

    applicant: str | None
    provider: str | None
    authority: str | None = None
    service_centre: str | None = None
    # A second providing department, whose data conflicts with the first's (lichuan 第十七条
    # joint verification): it reads the case, the service centre acts.
    second_provider: str | None = None
    # Where a dispute crosses regions or levels, the common superior authority (809 第二十八条);
    # None there too when that authority has no department on this platform.
    superior_authority: str | None = None

    def department_of(self, party: Party) -> str | None:
        return getattr(self, party.value)


@dataclass
class PlannedDeadline:
    """A time limit turned into an instant by the calendar (computed in an activity, kept in
    history)."""

    stage: str
    cite: str
    on_timeout: Lapse
    basis: Basis
    working_days: int
    counted_from: datetime
    last_day: date
    due: datetime
    remind_at: datetime
    provisional: bool
    notices: list[str] = field(default_factory=list)
    fired: bool = False
    reminded: bool = False
    replanned_from: datetime | None = None
    # Whose limit this is, and the other instruments' limits it beat (TimeLimit).
    instrument: str = ""
    prevails_over: list[Prevailed] = field(default_factory=list)

    def provenance(self) -> str:
        return provenance(self.cite, self.working_days, self.prevails_over)


@dataclass(frozen=True)
class MissedLimit:
    cite: str
    due: datetime


@dataclass(frozen=True)
class LimitCheck:
    """A time limit a step of the case stood against: the one a decision was measured by
    (`on_time`, and every limit of the stage it `missed`), the one that ran out (overdue,
    deemed consent: `on_time` false), came near (a reminder) or moved (a re-plan)."""

    due: datetime
    cite: str
    on_time: bool | None = None  # None: no verdict (a reminder, a re-plan)
    missed: tuple[MissedLimit, ...] = ()
    replanned_from: datetime | None = None
    provisional: bool = False


@dataclass
class CaseEvent:
    """One step of the case. `detail` holds what people wrote and what the step names (a
    reason, a decision, a resource), as text; `limit` the time limit the step stood against."""

    at: datetime
    kind: str
    stage: str
    actor: Actor | None = None
    detail: dict[str, str] = field(default_factory=dict)
    limit: LimitCheck | None = None


class ExtensionStatus(StrEnum):
    REQUESTED = "requested"
    GRANTED = "granted"
    REFUSED = "refused"


@dataclass(frozen=True)
class ExtensionPlan:
    """One extension of a party's period, asked for once and granted by the authority: at
    most `max_working_days` (composed: what the highest instrument setting the duty allows in
    total, less the period already set)."""

    max_working_days: int
    cite: str
    instrument: str = ""
    prevails_over: tuple[Prevailed, ...] = ()


@dataclass(kw_only=True)
class Extension:
    """An extension of a period asked for once, with the authority's consent (hebei 第九条,
    第十六条; 809 第十七条, 第二十一条): the days asked, why, and how the deadline stood before and
    after."""

    status: ExtensionStatus
    working_days: int
    reason: str
    original_due: datetime | None = None
    extended_due: datetime | None = None
    decision_reason: str = ""


@dataclass(kw_only=True)
class CaseDetails:
    """What a case is about, beyond what every case shows: each process's details (in its
    workflow module) add their own typed fields to these."""

    submitted_by: int  # the user id of the submitter

    @classmethod
    def from_input(cls, request: CaseInput, **values: Any) -> Self:
        """The details of the case `request` opens: each field the input has by the same name
        (a list copied, since the details change as the case goes on), the submitter, and
        `values` for the rest or for what the details hold otherwise than the input."""
        given = {f.name for f in fields(request)}
        for name in (f.name for f in fields(cls) if f.init):
            if name in given and name not in values and name != "submitted_by":
                value = getattr(request, name)
                values[name] = list(value) if isinstance(value, list | tuple) else value
        return cls(submitted_by=request.submitted_by.user_id, **values)


@dataclass
class CaseState:
    """What a case shows: the same shape for every process."""

    case_id: str
    case_number: str
    process: str
    ruleset: str
    jurisdiction: str
    status: Status
    stage: str
    outcome: str | None
    received_at: datetime
    parties: Parties
    deadline: PlannedDeadline | None  # the limit that runs now
    overdue: bool
    actions: list[str]
    events: list[CaseEvent]
    # The process's details (a `CaseDetails`); typed by the process where it is read: the
    # workflow holds its own class, the service decodes by the case's process.
    details: Any = None
    revision: int = 0
    # The instruments that govern the case, most local first (ruleset ids); the first is
    # `ruleset`. Cases started before instruments were composed show their one ruleset.
    governed_by: list[str] = field(default_factory=list)
    # Every limit of the current stage, in order (Lichuan's 2 working days, then Hubei's 10).
    deadlines: list[PlannedDeadline] = field(default_factory=list)
    # Where `events` begins in the case's whole list. A projection record and an update's
    # answer carry only the events the projection does not hold yet: a case's history would
    # otherwise hold every event's text again at every step (activities/projection.py).
    events_from: int = 0


@dataclass(frozen=True, kw_only=True)
class CaseInput:
    """What every process's input says about the case itself; each process's input adds its
    plan and what the case is about."""

    case_id: str
    case_number: str
    ruleset: str
    jurisdiction: str
    received_at: datetime  # the platform's recorded time of receipt
    parties: Parties
    submitted_by: Actor
    # The instruments that govern the case, most local first (ruleset ids); the first is
    # `ruleset`. Inputs recorded before instruments were composed have none.
    governed_by: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Assertion:
    """The platform's word, signed by the API (workflows/trust.py), that its `actor` asked for
    an action on a case: when the platform received it, and until when the case may accept it
    (the API stops waiting soon after, and then answers that the action was not recorded)."""

    received_at: datetime
    accept_by: datetime
    signature: str


@dataclass(frozen=True)
class SupplementItem:
    """One thing missing from an application, and why it is needed (补正, 809 第二十一条第二款)."""

    item: str
    reason: str


@dataclass(frozen=True)
class ActionInput:
    """Payload of every action update. Fields a given action does not use stay empty."""

    actor: Actor
    reason: str = ""
    legal_basis: str = ""
    decision: str = ""
    note: str = ""
    working_days: int = 0  # an extension asked for (hebei 第十六条)
    # None in the actions of histories recorded before actions were signed.
    assertion: Assertion | None = None
    # Everything missing, asked for at once (request_supplement), and the stored attachments
    # a supplement cites (service/attachments.py).
    items: tuple[SupplementItem, ...] = ()
    attachment_ids: tuple[int, ...] = ()

    def payload(self) -> dict[str, object]:
        """What the actor wrote, as the signature covers it. The supplement's fields only when
        given: the payload of every other action, and the digest an Idempotency-Key keeps of
        it, stay what they were."""
        payload: dict[str, object] = {
            "reason": self.reason,
            "legal_basis": self.legal_basis,
            "decision": self.decision,
            "note": self.note,
            "working_days": self.working_days,
        }
        if self.items:
            payload["items"] = [[i.item, i.reason] for i in self.items]
        if self.attachment_ids:
            payload["attachment_ids"] = list(self.attachment_ids)
        return payload


@dataclass(frozen=True)
class StateQuery:
    viewer: Actor | None = None


@dataclass(frozen=True)
class ReplanInput:
    """Signal sent after a calendar revision: recount the open deadlines."""

    reason: str


@dataclass(frozen=True)
class RetryInput:
    """Signal sent by an operator who fixed what made an effect of the case fail for good."""

    reason: str


# Update validators reject with these ApplicationError types; api/errors.py maps them to HTTP.
FORBIDDEN = "forbidden"
WRONG_STAGE = "wrong_stage"
INVALID = "invalid"
UNSIGNED = "unsigned"  # no valid signature of the platform's: not an action of a user's
STALE = "stale"  # reached the case after the API had stopped waiting: answered as not recorded
# A second supplement request in a case that already asked once (809 第二十一条第二款: 一次性告知).
SUPPLEMENT_ALREADY_REQUESTED = "supplement_already_requested"
