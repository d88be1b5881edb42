"""Connecting to Temporal the same way from the API, the worker and the command line, with one
way of turning values into payloads."""

from __future__ import annotations

import functools
from typing import Any

from pydantic import TypeAdapter
from temporalio.api.common.v1 import Payload
from temporalio.client import Client, TLSConfig
from temporalio.contrib.pydantic import PydanticJSONPlainPayloadConverter
from temporalio.converter import (
    CompositePayloadConverter,
    DataConverter,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
    WorkflowSerializationContext,
)
from temporalio.service import RetryConfig

from shixian.settings import Settings

# The API answers people: it retries a Temporal it cannot reach for two seconds, then says so
# (a 503 that says whether the action was recorded), instead of the SDK's ten.
ANSWERING = RetryConfig(max_elapsed_time_millis=2000)


async def connect(settings: Settings, retry: RetryConfig | None = None) -> Client:
    """A client as configured; `retry`: how its calls retry an unreachable server (the SDK's
    default, up to 10 s, for workers and commands)."""
    tls: TLSConfig | bool = False
    if settings.temporal_tls_cert or settings.temporal_tls_ca:
        tls = TLSConfig(
            client_cert=settings.temporal_tls_cert.read_bytes()
            if settings.temporal_tls_cert
            else None,
            client_private_key=settings.temporal_tls_key.read_bytes()
            if settings.temporal_tls_key
            else None,
            server_root_ca_cert=settings.temporal_tls_ca.read_bytes()
            if settings.temporal_tls_ca
            else None,
        )
    return await Client.connect(
        settings.temporal_target,
        namespace=settings.temporal_namespace,
        tls=tls,
        api_key=settings.temporal_api_key,
        data_converter=DATA_CONVERTER,
        retry_config=retry or RetryConfig(),
    )


class _SharedAdapters(PydanticJSONPlainPayloadConverter):
    """Pydantic's JSON payload converter, its type adapters built once per type for the whole
    process. The SDK makes a payload converter for every workflow run it starts or replays; the
    stock one's adapters are its own, so each case rebuilt and kept its own adapters for the
    same types (about 90 KB a case, bench/README.md), and built them inside the sandbox, slow
    enough under load to trip the SDK's 2-second deadlock detector."""

    def from_payload(self, payload: Payload, type_hint: type | None = None) -> Any:
        try:
            adapter = _adapter(Any if type_hint is None else type_hint)
        except TypeError:  # an unhashable hint: the stock converter builds one for it
            return super().from_payload(payload, type_hint)
        return adapter.validate_json(payload.data)


# The production worker's workflows use the passed-through modules' types (worker.py): a few
# dozen. The test suite's checking sandbox re-imports a process's own module for each run, so
# its input and details types are new each time; the bound keeps those, and the sandboxes they
# hold on to, from piling up.
_adapter = functools.lru_cache(maxsize=128)(TypeAdapter)


# Made once, as the SDK's default ones are: the SDK makes a payload converter at every
# workflow activation, and pydantic's builds a serializer when it is made.
_ENCODINGS = tuple(
    _SharedAdapters() if isinstance(converter, JSONPlainPayloadConverter) else converter
    for converter in DefaultPayloadConverter.default_encoding_payload_converters
)


class PayloadConverter(CompositePayloadConverter):
    """Temporal's default payload converters, with pydantic's JSON in place of plain JSON."""

    def __init__(self) -> None:
        super().__init__(*_ENCODINGS)


DATA_CONVERTER = DataConverter(payload_converter_class=PayloadConverter)


def ignores_context(converter: DataConverter) -> bool:
    """Whether `converter` turns values into payloads the same way whatever the workflow,
    activity or command they belong to: no part of it takes a serialization context, and it
    stores nothing outside the history. Such a converter lets a worker skip asking each
    workflow for the context of every payload it carries (faults.ObservedRunner)."""
    context = WorkflowSerializationContext(namespace="", workflow_id="")
    return converter.external_storage is None and converter.with_context(context) is converter
