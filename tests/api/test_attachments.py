"""Evidence attachments: type checked from the bytes, size-limited, stored once by digest, read
by the uploader and by the parties of the cases citing them."""

from __future__ import annotations

import hashlib

from sqlmodel import Session, select

from models import Attachment
from shixian.settings import Settings
from tests.attachments import JPEG, PDF, PNG, upload, uploaded
from tests.conftest import auth


async def test_a_pdf_is_stored_once_by_digest_and_read_back_by_its_uploader(
    api, session: Session, settings: Settings
):
    response = await upload(api, "hubei-applicant", PDF)
    assert response.status_code == 201, response.text
    first = response.json()
    digest = hashlib.sha256(PDF).hexdigest()
    assert first["sha256"] == digest
    assert (first["content_type"], first["size"], first["name"]) == (
        "application/pdf",
        len(PDF),
        "户籍证明.pdf",
    )
    again = await uploaded(api, "hubei-provider", PDF, name="副本.pdf")
    assert again != first["id"]
    stored = settings.data_dir / "attachments"
    assert [p.name for p in stored.iterdir()] == [digest]  # one file, no temporary left
    rows = session.exec(select(Attachment).where(Attachment.sha256 == digest)).all()
    assert len(rows) == 2

    read = await api.get(f"/api/v1/attachments/{first['id']}", headers=auth("hubei-applicant"))
    assert read.status_code == 200
    assert read.content == PDF
    assert read.headers["content-type"] == "application/pdf"


async def test_a_stranger_may_not_read_an_attachment_no_case_cites(api):
    attachment = await uploaded(api, "hubei-applicant")
    response = await api.get(f"/api/v1/attachments/{attachment}", headers=auth("hebei-provider"))
    assert response.status_code == 403
    assert response.json()["code"] == "attachment_forbidden"
    audited = await api.get(f"/api/v1/attachments/{attachment}", headers=auth("auditor"))
    assert audited.status_code == 200
    missing = await api.get("/api/v1/attachments/999", headers=auth("hubei-applicant"))
    assert (missing.status_code, missing.json()["code"]) == (404, "attachment_not_found")


async def test_type_is_checked_from_the_bytes(api, settings: Settings):
    mismatch = await upload(api, "hubei-applicant", PNG, content_type="application/pdf")
    assert mismatch.status_code == 422
    assert mismatch.json()["code"] == "attachment_type_mismatch"
    assert "PNG" in mismatch.json()["message"]
    unknown = await upload(api, "hubei-applicant", b"MZ\x90\x00" * 64, "application/pdf")
    assert (unknown.status_code, unknown.json()["code"]) == (422, "attachment_type_unsupported")
    assert "只接受" in unknown.json()["message"]
    png = await upload(api, "hubei-applicant", PNG, content_type="image/png", name="截图.png")
    assert png.status_code == 201
    leftovers = [p.name for p in (settings.data_dir / "attachments").iterdir()]
    assert leftovers == [hashlib.sha256(PNG).hexdigest()]


async def test_empty_and_oversized_files_are_refused(api, settings: Settings):
    empty = await upload(api, "hubei-applicant", b"")
    assert (empty.status_code, empty.json()["code"]) == (422, "attachment_empty")
    big = await upload(api, "hubei-applicant", b"%PDF-" + b"0" * (10 * 1024 * 1024))
    assert (big.status_code, big.json()["code"]) == (413, "attachment_too_large")
    assert "10 MB" in big.json()["message"]
    no_file = await api.post(
        "/api/v1/attachments", data={"other": "x"}, files={}, headers=auth("hubei-applicant")
    )
    assert no_file.status_code == 422
    unauthenticated = await api.post("/api/v1/attachments", files={"file": ("a.pdf", PDF)})
    assert unauthenticated.status_code == 401


async def test_a_file_missing_from_the_data_directory_is_said_not_served(api, settings: Settings):
    attachment = await uploaded(api, "hubei-applicant")
    for stored in (settings.data_dir / "attachments").iterdir():
        stored.unlink()  # a data directory not restored with the database
    response = await api.get(f"/api/v1/attachments/{attachment}", headers=auth("hubei-applicant"))
    assert (response.status_code, response.json()["code"]) == (503, "attachment_file_missing")
    assert "请联系运维人员" in response.json()["message"]


async def test_a_file_whose_type_its_ends_do_not_confirm_is_refused(api):
    """A magic prefix alone is not a type: a PDF ends with %%EOF, a PNG has an intact IHDR and
    ends with IEND, a JPEG ends with FFD9."""
    broken_crc = PNG[:29] + bytes([PNG[29] ^ 0xFF]) + PNG[30:]
    for data, content_type in (
        (b"%PDF-" + b"MZ\x90\x00" * 64, "application/pdf"),  # an executable behind a prefix
        (PDF[: -len(b"%%EOF\n")], "application/pdf"),  # cut short
        (PNG[:-12], "image/png"),  # no IEND
        (broken_crc, "image/png"),
        (PNG[:8] + b"\x00" * 64 + PNG[-12:], "image/png"),  # no IHDR
        (JPEG[:-2], "image/jpeg"),  # no end-of-image marker
    ):
        response = await upload(api, "hubei-applicant", data, content_type=content_type)
        assert (response.status_code, response.json()["code"]) == (
            422,
            "attachment_type_unsupported",
        ), data[:16]
        assert "完整的 PDF、JPEG、PNG 文件" in response.json()["message"]
    for data, content_type in ((JPEG, "image/jpeg"), (PNG, "image/png"), (PDF, "application/pdf")):
        response = await upload(api, "hubei-applicant", data, content_type=content_type)
        assert response.status_code == 201, response.text


async def test_attachments_are_readable_by_the_service_user_only(api, settings: Settings):
    await uploaded(api, "hubei-applicant")
    folder = settings.data_dir / "attachments"
    assert folder.stat().st_mode & 0o777 == 0o700
    assert [p.stat().st_mode & 0o777 for p in folder.iterdir()] == [0o600]
