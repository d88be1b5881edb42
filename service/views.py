"""What use cases return that is computed for the reader: a case in Beijing time with the
working days left, a page of a listing."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from calendars import BEIJING
from service.bounds import AttachmentIds
from service.text import (
    DECISION,
    LEGAL_BASIS,
    REASON,
    SUPPLEMENT_ITEM,
    SUPPLEMENT_ITEM_REASON,
    SUPPLEMENT_ITEMS,
    Line,
    Text,
)


def _beijing(moment: datetime) -> str:
    return moment.astimezone(BEIJING).isoformat()


BeijingTime = Annotated[datetime, PlainSerializer(_beijing, return_type=str)]


class ActorOut(BaseModel):
    user_id: int
    role: str
    name: str
    department_id: str | None
    jurisdiction: str | None


class PrevailedOut(BaseModel):
    """Another instrument's limit for the same duty, which the governing one beat or equalled."""

    instrument: str = Field(description="Its ruleset id.")
    cite: str
    working_days: int


class DeadlineOut(BaseModel):
    stage: str
    due: BeijingTime
    last_day: date
    working_days: int
    working_days_left: int
    provisional: bool
    cite: str
    on_timeout: str
    basis: str
    counted_from: BeijingTime
    remind_at: BeijingTime
    notices: list[str]
    replanned_from: BeijingTime | None = None
    instrument: str = Field(
        "", description="The ruleset whose limit governs (empty in cases started before 809)."
    )
    prevails_over: list[PrevailedOut] = Field(
        default_factory=list,
        description="The limits of the other instruments in force for the same duty, which "
        "this one beat (longer) or equalled (on a tie the most local is named).",
    )
    provenance: str = Field("", description="The same, as users read it (Chinese).")
    passed: bool = Field(False, description="The limit has run out (its lapse has happened).")


class MissedLimitOut(BaseModel):
    cite: str
    due: BeijingTime


class LimitOut(BaseModel):
    """The time limit a step stood against."""

    due: BeijingTime
    cite: str
    on_time: bool | None = Field(
        None, description="Whether the step met the limit; null where no verdict is due."
    )
    missed: list[MissedLimitOut] = Field(
        default_factory=list, description="Every limit of the stage the step came after."
    )
    replanned_from: BeijingTime | None = Field(
        None, description="A re-planned limit's earlier due instant."
    )
    provisional: bool = False


class EventOut(BaseModel):
    at: BeijingTime
    kind: str
    stage: str
    actor: ActorOut | None
    detail: dict[str, str] = Field(description="What people wrote and what the step names.")
    limit: LimitOut | None = None


class PartiesOut(BaseModel):
    applicant: str | None
    provider: str | None
    authority: str | None
    service_centre: str | None
    second_provider: str | None = Field(
        None, description="A joint verification's second providing department (reads only)."
    )
    superior_authority: str | None = Field(
        None,
        description="A dispute across regions or levels: the common superior authority "
        "(809 第二十八条), where it has a department here.",
    )


class CaseBase(BaseModel):
    """What a case and its row in a list both show."""

    case_id: str
    case_number: str
    process: str
    ruleset: str
    jurisdiction: str
    status: str
    stage: str
    outcome: str | None


class CaseOut(CaseBase):
    received_at: BeijingTime
    parties: PartiesOut
    deadline: DeadlineOut | None = Field(description="The limit that runs now.")
    deadlines: list[DeadlineOut] = Field(
        default_factory=list,
        description="Every limit of the current stage, in order: where a short local limit "
        "is followed by a longer one (Lichuan's 2 working days, then Hubei's deemed consent "
        "after 10), both.",
    )
    overdue: bool
    actions: list[str]
    events: list[EventOut]
    details: dict[str, Any] = Field(
        description="What the case is about, by process (docs/processes/); times in Beijing "
        "time, booleans as booleans."
    )
    governed_by: list[str] = Field(
        default_factory=list,
        description="The ruleset ids of the instruments governing the case, most local first "
        "(the first is `ruleset`).",
    )


class CaseSummary(CaseBase):
    applicant_department_id: str | None
    applicant_name: str | None = Field(None, description="The requesting department's name.")
    provider_department_id: str | None
    provider_name: str | None = Field(None, description="The providing department's name.")
    received_at: BeijingTime
    due: BeijingTime | None
    last_day: date | None
    working_days_left: int | None
    provisional: bool
    overdue: bool


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    total: int
    limit: int
    offset: int
    items: list[T]


class RequestBody(BaseModel):
    """A request body: a field it does not know is an error to name, not one to drop (a
    misspelt `reson` must not pass as an action without reasons)."""

    model_config = ConfigDict(extra="forbid")


class SupplementItemBody(RequestBody):
    """One thing missing from an application, and why it is needed."""

    item: Line = Field(min_length=1, max_length=SUPPLEMENT_ITEM, title="需补正的材料")
    reason: Text = Field(min_length=1, max_length=SUPPLEMENT_ITEM_REASON, title="需补正的理由")


class ActionBody(RequestBody):
    """What an action may carry; which fields are required depends on the action."""

    reason: Text = Field("", max_length=REASON, title="理由")
    legal_basis: Text = Field("", max_length=LEGAL_BASIS, title="法律依据")
    decision: Line = Field(
        "",
        max_length=DECISION,
        title="决定",
        description="The decision's code word (a delivery's method: interface, batch_exchange, "
        "file).",
    )
    note: Text = Field("", max_length=REASON, title="说明")
    working_days: int = Field(
        0, ge=0, le=365, title="延长工作日数", description="Extension asked for, in working days."
    )
    items: list[SupplementItemBody] = Field(
        default_factory=list,
        max_length=SUPPLEMENT_ITEMS,
        title="需补正的材料",
        description="request_supplement: everything missing, each with its reason, at once.",
    )
    attachment_ids: AttachmentIds = Field(
        default_factory=list,
        title="补正附件",
        description="supplement: ids from POST /attachments (own uploads).",
    )
