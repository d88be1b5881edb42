"""Helpers for case tests: submit and act through the API, read effects from the database."""

from __future__ import annotations

import asyncio
import json
import os
import struct
import zlib
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session, select
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError

from models import Authorization, CaseSubmission, CatalogResource, Notice
from tests.conftest import TestClock, auth
from workflows.case import CaseWorkflow, SettleInput

HISTORIES = Path(__file__).parent / "replay" / "histories"
RECORD = os.environ.get("SHIXIAN_RECORD_HISTORIES") == "1"


async def submit(api: httpx.AsyncClient, key: str, **body: Any) -> dict[str, Any]:
    body.setdefault("process", "sharing_application")
    if body["process"] in ("sharing_application", "green_channel"):
        body.setdefault("purpose", "核验救助对象户籍信息")
        body.setdefault("scenario", "最低生活保障审核")
    response = await api.post("/api/v1/cases", json=body, headers=auth(key))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def act(
    api: httpx.AsyncClient, key: str, case: dict[str, Any], action: str, **body: Any
) -> httpx.Response:
    return await api.post(
        f"/api/v1/cases/{case['case_id']}/actions/{action}", json=body, headers=auth(key)
    )


async def done(
    api: httpx.AsyncClient, key: str, case: dict[str, Any], action: str, **body: Any
) -> dict[str, Any]:
    response = await act(api, key, case, action, **body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def view(api: httpx.AsyncClient, key: str, case: dict[str, Any]) -> dict[str, Any]:
    response = await api.get(f"/api/v1/cases/{case['case_id']}", headers=auth(key))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


# Small complete files of each accepted type (both ends are checked, not only the first bytes).
PDF = b"%PDF-1.7\n" + b"0" * 2048 + b"\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n"
    + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    + png_chunk(b"IDAT", zlib.compress(b"\x00\x00"))
    + png_chunk(b"IEND", b"")
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"2" * 256 + b"\xff\xd9"


async def upload(
    api: httpx.AsyncClient,
    key: str,
    data: bytes,
    content_type: str = "application/pdf",
    name: str = "户籍证明.pdf",
) -> httpx.Response:
    return await api.post(
        "/api/v1/attachments", files={"file": (name, data, content_type)}, headers=auth(key)
    )


async def uploaded(api: httpx.AsyncClient, key: str, data: bytes = PDF, **kw: Any) -> int:
    response = await upload(api, key, data, **kw)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def kinds(case: dict[str, Any]) -> list[str]:
    return [event["kind"] for event in case["events"]]


def grants(session: Session, case_id: str) -> list[Authorization]:
    session.expire_all()
    return list(session.exec(select(Authorization).where(Authorization.case_id == case_id)))


def notices(session: Session, case_id: str, kind: str | None = None) -> list[Notice]:
    session.expire_all()
    query = select(Notice).where(Notice.case_id == case_id)
    if kind:
        query = query.where(Notice.kind == kind)
    return list(session.exec(query.order_by(Notice.id)))  # type: ignore[arg-type]


def resource(session: Session, resource_id: str) -> CatalogResource | None:
    session.expire_all()
    return session.get(CatalogResource, resource_id)


async def keep_history(client: Client, case: dict[str, Any], name: str) -> None:
    """With SHIXIAN_RECORD_HISTORIES=1, save the case's history for the replay suite."""
    if not RECORD:
        return
    history = await client.get_workflow_handle(case["case_id"]).fetch_history()
    HISTORIES.mkdir(parents=True, exist_ok=True)
    path = HISTORIES / f"{name}.json"
    path.write_text(json.dumps(json.loads(history.to_json()), ensure_ascii=False, indent=1))


async def settle(clock: TestClock, case_id: str) -> None:
    """Wait until the case's workflow has done everything it does without an action or a later
    moment than the clock's: every effect of what happened so far (the timers a clock advance
    fired included) is done, its notices sent and its projection recorded. An event, not a
    poll: the update returns once the main loop is idle. A closed case takes no updates, and
    has nothing left to do: its view query answers for good."""
    handle = clock.env.client.get_workflow_handle(case_id)
    try:
        # Bounded only so that a case that never comes to rest fails instead of hanging.
        await asyncio.wait_for(
            handle.execute_update(CaseWorkflow.settle, SettleInput(at=clock())), timeout=120
        )
    except RPCError:
        if (await handle.describe()).status is WorkflowExecutionStatus.RUNNING:
            raise


async def settled(
    clock: TestClock, api: httpx.AsyncClient, key: str, case: dict[str, Any]
) -> dict[str, Any]:
    """The case as `key` sees it through the API, once settled."""
    await settle(clock, case["case_id"])
    return await view(api, key, case)


async def settle_all(clock: TestClock, session: Session) -> None:
    """Settle every case submitted so far, for views that read the projection of many."""
    session.expire_all()
    for case_id in session.exec(select(CaseSubmission.case_id)).all():
        await settle(clock, case_id)
