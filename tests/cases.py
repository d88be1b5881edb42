"""Helpers for case tests: submit and act through the API, read effects from the database."""

from __future__ import annotations

import json
import os
import struct
import zlib
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session, select
from temporalio.client import Client

from models import Authorization, CatalogResource, Notice
from tests.conftest import auth

HISTORIES = Path(__file__).parent / "replay" / "histories"
RECORD = os.environ.get("SHIXIAN_RECORD_HISTORIES") == "1"


async def submit(api: httpx.AsyncClient, key: str, **body: Any) -> dict[str, Any]:
    body.setdefault("process", "sharing_application")
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


async def until(
    api: httpx.AsyncClient, key: str, case: dict[str, Any], predicate: Any, seconds: float = 10
) -> dict[str, Any]:
    """The case once `predicate(state)` holds: a fired timer is processed asynchronously."""
    import asyncio

    state: dict[str, Any] = {}
    for _ in range(int(seconds / 0.05)):
        response = await api.get(f"/api/v1/cases/{case['case_id']}", headers=auth(key))
        if response.status_code != 503:  # a query may time out while a worker takes over
            assert response.status_code == 200, response.text
            state = response.json()
            if predicate(state):
                return state
        await asyncio.sleep(0.05)
    raise AssertionError(f"condition not reached: {state.get('stage')} {state.get('events')}")
