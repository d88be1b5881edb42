"""Payloads: the worker's and the API's converter (shixian/temporal.py) reads what pydantic's
stock converter reads, and builds a type's adapter once for every workflow run, not per run."""

from __future__ import annotations

import json
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter

from shixian.temporal import PayloadConverter, _adapter
from workflows.common import CaseState

HISTORY = Path(__file__).parent / "replay" / "histories" / "hubei-delivery-overdue.json"


def recorded_states() -> list[list[object]]:
    """Every projection record of a recorded case, as payloads."""
    history = WorkflowHistory.from_json("case", json.loads(HISTORY.read_text()))
    return [
        list(event.activity_task_scheduled_event_attributes.input.payloads)
        for event in history.events
        if event.HasField("activity_task_scheduled_event_attributes")
        and event.activity_task_scheduled_event_attributes.activity_type.name == "record_case"
    ]


def test_the_converter_reads_what_pydantics_own_reads():
    stock = pydantic_data_converter.payload_converter
    ours = PayloadConverter()
    records = recorded_states()
    assert len(records) > 3
    for payloads in records:
        [state] = ours.from_payloads(payloads, [CaseState])  # type: ignore[arg-type]
        assert state == stock.from_payloads(payloads, [CaseState])[0]  # type: ignore[arg-type]
        assert ours.to_payloads([state]) == stock.to_payloads([state])


def test_every_workflow_runs_converter_shares_one_adapter_per_type():
    [payloads, *_] = recorded_states()
    PayloadConverter().from_payloads(payloads, [CaseState])  # type: ignore[arg-type]
    before = _adapter.cache_info()
    for _ in range(3):  # as three cases' runs would, each with its own converter
        PayloadConverter().from_payloads(payloads, [CaseState])  # type: ignore[arg-type]
    after = _adapter.cache_info()
    assert (after.hits - before.hits, after.misses - before.misses) == (3, 0)
