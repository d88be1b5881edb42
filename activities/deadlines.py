"""Turning a stage's working-day limit into an instant, by the official calendar.

This runs as an activity so that the instant is recorded in the case's history: loading a new
calendar year never changes what a replayed case computed. A revision reaches running cases
only through their `replan_deadlines` signal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from temporalio import activity
from temporalio.exceptions import ApplicationError

from calendars import BEIJING, CalendarNotCoveredError, current_calendar, deadline, end_of_day
from shixian.settings import get_settings
from workflows.common import Basis, Lapse, PlannedDeadline, TimeLimit


@dataclass(frozen=True)
class PlanDeadlineInput:
    stage: str
    limit: TimeLimit
    counted_from: datetime


# A period counted from before the calendar's first year can never be counted: no year file
# before it is accepted (service/calendars.py). Retrying would hold the case at that step.
BEFORE_CALENDAR = "before_calendar"


@activity.defn
def plan_deadline(request: PlanDeadlineInput) -> PlannedDeadline:
    limit = request.limit
    calendar = current_calendar(get_settings().calendars)
    try:
        counted = deadline(request.counted_from, limit.working_days, calendar)
    except CalendarNotCoveredError as error:
        if error.year < calendar.first_day.year:
            raise ApplicationError(str(error), type=BEFORE_CALENDAR, non_retryable=True) from error
        raise  # a year after the calendar's end: an uploaded year file will cover it
    return PlannedDeadline(
        stage=request.stage,
        cite=limit.cite,
        on_timeout=limit.on_timeout,
        basis=limit.basis,
        working_days=limit.working_days,
        counted_from=request.counted_from,
        last_day=counted.last_day,
        due=counted.due,
        # One working day ahead: the start of the last day.
        remind_at=datetime.combine(counted.last_day, time(0), BEIJING),
        provisional=counted.provisional,
        notices=list(counted.notices),
        instrument=limit.instrument,
        prevails_over=list(limit.prevails_over),
    )


@dataclass(frozen=True)
class PlanYearEndInput:
    """A period that ends on a calendar date, not after N working days: hubei 第十一条's yearly
    maintenance is due by the end of the year."""

    stage: str
    cite: str
    year: int
    counted_from: datetime


@activity.defn
def plan_year_end(request: PlanYearEndInput) -> PlannedDeadline:
    last_day = date(request.year, 12, 31)
    return PlannedDeadline(
        stage=request.stage,
        cite=request.cite,
        on_timeout=Lapse.OVERDUE,
        basis=Basis.STATUTE,
        working_days=0,
        counted_from=request.counted_from,
        last_day=last_day,
        due=end_of_day(last_day),
        # A month ahead: a year's maintenance is not done in the last day.
        remind_at=datetime.combine(date(request.year, 12, 1), time(0), BEIJING),
        provisional=False,
    )
