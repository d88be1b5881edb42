"""Small complete files of each type an attachment may have, and their upload through the API."""

from __future__ import annotations

import struct
import zlib
from typing import Any

import httpx

from tests.conftest import auth


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
