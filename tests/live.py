"""The API as a separate process for the fault tests (tests/test_faults.py): the production
app, its clock running in real time from a fixed Monday morning, so that no case depends on
today's date. The clock starts at the monotonic instant the test gives (`SHIXIAN_TEST_EPOCH`,
comparable across the processes of one machine), so an API process started again later
reads on from where the first left off, as a real clock would.

    SHIXIAN_TEST_EPOCH=<time.monotonic()> uvicorn --factory tests.live:create_app
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi import FastAPI

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
EPOCH = "SHIXIAN_TEST_EPOCH"


def reading(epoch: float) -> datetime:
    """The clock of the processes started with `SHIXIAN_TEST_EPOCH=epoch`, read now."""
    return MONDAY + timedelta(seconds=time.monotonic() - epoch)


def clock() -> datetime:
    return reading(float(os.environ[EPOCH]))


def create_app() -> FastAPI:
    from api.app import create_app as production

    return production(clock=clock)
