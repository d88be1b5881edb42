"""What operators watch: voided case numbers (GET /cases/voided) and cases that cannot go on
by themselves (GET /cases/stuck). Administrators and auditors."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CallerDep, PlatformDep
from api.schemas import ERRORS
from service import register
from service.register import VoidedNumber

router = APIRouter(prefix="/api/v1/cases", tags=["operations"])


@router.get("/voided", response_model=list[VoidedNumber], responses=ERRORS)
def voided_numbers(platform: PlatformDep, caller: CallerDep) -> list[VoidedNumber]:
    """Case numbers given and then voided, latest first, each with why: a submission Temporal
    refused, or one whose process died before it was answered (service/register.py). Every
    other number of the register is a case."""
    return register.voided_numbers(platform, caller)
