"""Evidence attachments: POST /attachments (upload), GET /attachments/{id} (the bytes)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from api.deps import CallerDep, PlatformDep
from api.schemas import ERRORS, RowIdInPath, body_limit
from service import attachments
from service.errors import Invalid, LengthRequired
from service.views import BeijingTime

router = APIRouter(prefix="/api/v1/attachments", tags=["attachments"])

# What multipart framing may add around a file at most: boundaries, headers, a long name.
FRAMING = 64 * 1024


class AttachmentOut(BaseModel):
    id: int
    sha256: str
    name: str
    content_type: str
    size: int
    uploaded_by: int
    created_at: BeijingTime


@router.post(
    "",
    status_code=201,
    response_model=AttachmentOut,
    openapi_extra=body_limit(attachments.MAX_BYTES + FRAMING),
    responses={**ERRORS, 411: ERRORS[422], 413: ERRORS[422]},
)
async def upload_attachment(
    request: Request, platform: PlatformDep, caller: CallerDep
) -> AttachmentOut:
    """Upload one evidence file (any authenticated user) as `multipart/form-data` field `file`.
    PDF, JPEG or PNG, checked from the file's bytes against its declared type (422 otherwise);
    at most 10 MB (413); not empty (422). Identical files are stored once. Cite the returned
    `id` in a case's `attachments`."""
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        raise LengthRequired("上传附件须带 Content-Length。")
    if int(length) > attachments.MAX_BYTES + FRAMING:
        raise attachments.too_large()
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise Invalid("请以 multipart/form-data 上传，文件字段名为 file。", "invalid_upload")
    try:
        form = await request.form(max_files=1, max_fields=1)
    except HTTPException as error:
        raise Invalid("上传的表单无法解析。", "invalid_upload") from error
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise Invalid("表单中缺少文件字段 file。", "invalid_upload")
        attachment = await attachments.upload(platform, caller, upload)
    finally:
        await form.close()  # the spooled upload's temporary file
    return AttachmentOut.model_validate(attachment, from_attributes=True)


@router.get(
    "/{attachment_id}",
    response_class=FileResponse,
    responses={**ERRORS, 200: {"content": {t: {} for t in attachments.TYPE_NAMES}}},
)
def read_attachment(
    attachment_id: RowIdInPath, platform: PlatformDep, caller: CallerDep
) -> FileResponse:
    """The attachment's bytes: for its uploader, auditors, and the parties and supervisors of
    the cases that cite it."""
    attachment, stored = attachments.readable(platform, caller, attachment_id)
    return FileResponse(
        stored,
        media_type=attachment.content_type,
        filename=attachment.name,
    )
