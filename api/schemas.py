"""Shapes only the HTTP skin has: the error body, and the error answers of every route."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Error(BaseModel):
    code: str
    message: str
    recorded: bool | None = Field(
        None,
        description="An action that got no answer in time (503): whether its case accepted "
        "it. True: it is applied, as of when the platform received it, once the case can go "
        "on; do not send it again. False: nothing happened; send it again later.",
    )


# The error answers every route may give, for OpenAPI.
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Error} for code in (401, 403, 404, 409, 422, 503)
}


def enum_schema(values: list[str], **extra: Any) -> dict[str, Any]:
    """Documents the allowed values in OpenAPI; the operation checks them with a Chinese
    message (pydantic's own would be English)."""
    return {"enum": values, **extra}
