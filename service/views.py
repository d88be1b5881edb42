"""What use cases return that is computed for the reader: a case in Beijing time with the
working days left, a page of a listing."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, Field, PlainSerializer

from calendars import BEIJING
from service.text import DECISION, LEGAL_BASIS, REASON, Line, Text


def _beijing(moment: datetime) -> str:
    return moment.astimezone(BEIJING).isoformat()


BeijingTime = Annotated[datetime, PlainSerializer(_beijing, return_type=str)]


class ActorOut(BaseModel):
    user_id: int
    role: str
    name: str
    department_id: str | None
    jurisdiction: str | None


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


class EventOut(BaseModel):
    at: BeijingTime
    kind: str
    stage: str
    actor: ActorOut | None
    detail: dict[str, str]


class PartiesOut(BaseModel):
    applicant: str | None
    provider: str | None
    authority: str | None
    service_centre: str | None
    second_provider: str | None = Field(
        None, description="A joint verification's second providing department (reads only)."
    )


class CaseOut(BaseModel):
    case_id: str
    case_number: str
    process: str
    ruleset: str
    jurisdiction: str
    status: str
    stage: str
    outcome: str | None
    received_at: BeijingTime
    parties: PartiesOut
    deadline: DeadlineOut | None
    overdue: bool
    actions: list[str]
    events: list[EventOut]
    details: dict[str, Any]


class CaseSummary(BaseModel):
    case_id: str
    case_number: str
    process: str
    ruleset: str
    jurisdiction: str
    status: str
    stage: str
    outcome: str | None
    applicant_department_id: str | None
    provider_department_id: str | None
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


class ActionBody(BaseModel):
    """What an action may carry; which fields are required depends on the action."""

    reason: Text = Field("", max_length=REASON, title="理由")
    legal_basis: Text = Field("", max_length=LEGAL_BASIS, title="法律依据")
    decision: Line = Field(
        "", max_length=DECISION, title="决定", description="The decision's code word."
    )
    note: Text = Field("", max_length=REASON, title="说明")
    working_days: int = Field(
        0, ge=0, le=365, title="延长工作日数", description="Extension asked for, in working days."
    )
