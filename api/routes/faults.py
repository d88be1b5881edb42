"""What operators watch: voided case numbers (GET /cases/voided) and cases that cannot go on
by themselves (GET /cases/stuck). Administrators and auditors."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import CallerDep, PlatformDep
from api.schemas import ERRORS
from service import register, stuck
from service.register import VoidedNumber
from service.stuck import StuckReport
from service.text import REASON, Text
from service.views import RequestBody

router = APIRouter(prefix="/api/v1/cases", tags=["operations"])


@router.get("/voided", response_model=list[VoidedNumber], responses=ERRORS)
def voided_numbers(platform: PlatformDep, caller: CallerDep) -> list[VoidedNumber]:
    """Case numbers given and then voided, latest first, each with why: a submission Temporal
    refused, or one whose process died before it was answered (service/register.py). Every
    other number of the register is a case."""
    return register.voided_numbers(platform, caller)


@router.get("/stuck", response_model=StuckReport, responses=ERRORS)
async def stuck_cases(platform: PlatformDep, caller: CallerDep) -> StuckReport:
    """Cases that cannot go on by themselves, longest stuck first: an effect that failed for
    good and waits for an operator's retry (`effect`), one that keeps failing and is still
    retried (`retrying`), a workflow task that keeps failing (`workflow_task`: fix and deploy
    the worker; the case then goes on by itself). Administrators and auditors."""
    return await stuck.stuck_cases(platform, caller)


class RetryBody(RequestBody):
    reason: Text = Field("", max_length=REASON, title="重试说明", description="What was fixed.")


class RetryOut(BaseModel):
    case_id: str
    retried_at: datetime


@router.post("/{case_id:path}/retry", response_model=RetryOut, responses=ERRORS)
async def retry_case(
    case_id: str, platform: PlatformDep, caller: CallerDep, body: RetryBody | None = None
) -> RetryOut:
    """Run a stuck case's failed effect again, once what made it fail is fixed
    (administrators). 409 when nothing of the case waits for a retry."""
    at = await stuck.retry(platform, caller, case_id, (body or RetryBody()).reason)
    return RetryOut(case_id=case_id, retried_at=at)
