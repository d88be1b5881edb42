"""Payloads: the worker's and the API's converter (shixian/temporal.py) reads what pydantic's
stock converter reads, and builds a type's adapter once for every workflow run, not per run;
it takes no serialization context, so the worker asks workflows for none."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from temporalio.api.common.v1 import Payload
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import PayloadCodec, SerializationContext, WithSerializationContext
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from shixian.faults import ObservedRunner, _Observed
from shixian.temporal import DATA_CONVERTER, PayloadConverter, _adapter, ignores_context
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


class ContextualCodec(PayloadCodec, WithSerializationContext):
    """A codec that would encrypt each workflow's payloads with a key of its own."""

    def __init__(self, context: SerializationContext | None = None) -> None:
        self.context = context

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(payloads)

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(payloads)

    def with_context(self, context: SerializationContext) -> ContextualCodec:
        return ContextualCodec(context)


class Instance:
    """A workflow instance as the runner wraps it, answering with what it was asked."""

    def get_serialization_context(self, command_info: object) -> object:
        return ("asked", command_info)

    def get_external_store_context(self, command_info: object) -> object:
        return ("asked", command_info)


def test_a_worker_asks_no_workflow_for_a_context_its_converter_would_not_take():
    assert ignores_context(DATA_CONVERTER)
    taking = dataclasses.replace(DATA_CONVERTER, payload_codec=ContextualCodec())
    assert not ignores_context(taking)

    def observed(context_free: bool) -> Any:
        runner = ObservedRunner(SandboxedWorkflowRunner(), context_free=context_free)
        return _Observed(Instance(), "case", runner)  # type: ignore[arg-type]

    skipping = observed(True)
    assert skipping.get_serialization_context("command") is None
    assert skipping.get_external_store_context("command").target is None
    asking = observed(False)
    assert asking.get_serialization_context("command") == ("asked", "command")
    assert asking.get_external_store_context("command") == ("asked", "command")
