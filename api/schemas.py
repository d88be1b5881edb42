"""Shapes only the HTTP skin has: the error body, and the error answers of every route."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BaseModel, Field

from service.bounds import MAX_INTEGER, MAX_ROW_ID


class Error(BaseModel):
    code: str
    message: str
    recorded: bool | None = Field(
        None,
        description="An action that got no answer in time (503): whether its case accepted "
        "it. True: it is applied, as of when the platform received it, once the case can go "
        "on; do not send it again. False: nothing happened; send it again later. Absent on "
        "an action's 503: Temporal could not say (its answer was lost with the connection); "
        "look at the case, or send it again with the same Idempotency-Key, which is applied "
        "at most once.",
    )


# The error answers every route may give, for OpenAPI.
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Error} for code in (401, 403, 404, 409, 422, 503)
}


# Parameters every listing or lookup shares, bounded so that no value reaches the database out
# of its column's range (service/bounds.py).
Offset = Annotated[int, Query(ge=0, le=MAX_INTEGER, description="Rows to skip.")]
RowIdInPath = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


# The body size a route accepts, when it is not the JSON default (Settings.max_json_bytes):
# documented in its OpenAPI operation and enforced by api/guard.py.
MAX_BODY = "x-max-body-bytes"


def body_limit(size: int) -> dict[str, Any]:
    return {MAX_BODY: size}


def enum_schema(values: list[str], **extra: Any) -> dict[str, Any]:
    """Documents the allowed values in OpenAPI; the operation checks them with a Chinese
    message (pydantic's own would be English)."""
    return {"enum": values, **extra}
