"""The data catalog (政务数据资源目录): /catalog, /catalog/{id}, /catalog/import.

Every authenticated user reads it; administrators add, change and import resources. Each
change bumps the resource's version; cases already running keep what they were given.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from pydantic.json_schema import JsonDict
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from api.deps import AdminDep, CallerDep, PlatformDep
from api.schemas import ERRORS, Offset, body_limit, enum_schema
from models import CatalogResource
from service import catalog
from service.errors import Invalid, TooLarge
from service.text import (
    CONDITIONS,
    FIELD_COUNT,
    FIELD_NAME,
    ID_PATTERN,
    LEGAL_BASIS,
    NAME,
    UPDATE_CYCLE,
)
from service.validation import decode_text
from service.views import BeijingTime, Page, RequestBody
from workflows.common import DeliveryMethod, OpenStatus, OpenType, ResourceStatus, ShareType

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog"])

MAX_UPLOAD = 10 * 1024 * 1024
# What multipart framing may add around the file at most.
FRAMING = 64 * 1024
SHARE_TYPES = enum_schema([s.value for s in ShareType])
OPEN_TYPES = enum_schema([o.value for o in OpenType])
STATUSES = enum_schema([s.value for s in ResourceStatus])
OPEN_STATUSES = enum_schema([s.value for s in OpenStatus])
DELIVERY_METHODS = enum_schema([m.value for m in DeliveryMethod])
DELIVERY_METHOD_DESCRIPTION = (
    "How the provider shares the data once it consents (809 第二十二条): interface (接口, the "
    "platform's grant is the delivery), batch_exchange (批量交换) or file (文件): the provider "
    "then delivers within 20 working days of its consent."
)
EXAMPLE_CSV = (
    "id,name,provider_id,share_type,open_type,legal_basis,conditions,fields,update_cycle\n"
    "hubei-health-birth,出生医学证明信息,hubei-health,conditional,not_open,"
    "《中华人民共和国母婴保健法》,仅限户籍登记核验,姓名;出生日期;出生地点,每日\n"
)


# service/catalog.py checks these attributes, text by the rule of service/text.py, with
# messages that name them (for the CSV import too); the schema says what they accept.
ID: JsonDict = {"pattern": ID_PATTERN.pattern, "maxLength": 64}
FIELDS: JsonDict = {"maxItems": FIELD_COUNT, "items": {"type": "string", "maxLength": FIELD_NAME}}


def sized(length: int) -> JsonDict:
    return {"maxLength": length}


class ResourceCreate(RequestBody):
    id: str = Field(title="资源编码", json_schema_extra=ID)
    name: str = Field(title="资源名称", json_schema_extra=sized(NAME))
    provider_id: str = Field(
        title="提供部门", description="The providing department's id.", json_schema_extra=ID
    )
    share_type: str = Field(
        title="共享类型",
        description="无条件共享 / 有条件共享 / 不予共享 (the Chinese labels are accepted too).",
        json_schema_extra=SHARE_TYPES,
    )
    open_type: str = Field(OpenType.NOT_OPEN.value, title="开放类型", json_schema_extra=OPEN_TYPES)
    legal_basis: str = Field("", title="法律依据", json_schema_extra=sized(LEGAL_BASIS))
    conditions: str = Field("", title="共享条件", json_schema_extra=sized(CONDITIONS))
    fields: list[str] = Field(default_factory=list, title="数据项", json_schema_extra=FIELDS)
    update_cycle: str = Field("", title="更新周期", json_schema_extra=sized(UPDATE_CYCLE))
    status: str = Field("active", title="状态", json_schema_extra=STATUSES)
    delivery_method: str = Field(
        DeliveryMethod.INTERFACE.value,
        title="交付方式",
        description=DELIVERY_METHOD_DESCRIPTION,
        json_schema_extra=DELIVERY_METHODS,
    )


class ResourceUpdate(RequestBody):
    """Only the attributes given change; the id never does."""

    name: str | None = Field(None, title="资源名称", json_schema_extra=sized(NAME))
    provider_id: str | None = Field(None, title="提供部门", json_schema_extra=ID)
    share_type: str | None = Field(None, title="共享类型", json_schema_extra=SHARE_TYPES)
    open_type: str | None = Field(None, title="开放类型", json_schema_extra=OPEN_TYPES)
    legal_basis: str | None = Field(None, title="法律依据", json_schema_extra=sized(LEGAL_BASIS))
    conditions: str | None = Field(None, title="共享条件", json_schema_extra=sized(CONDITIONS))
    fields: list[str] | None = Field(None, title="数据项", json_schema_extra=FIELDS)
    update_cycle: str | None = Field(None, title="更新周期", json_schema_extra=sized(UPDATE_CYCLE))
    status: str | None = Field(None, title="状态", json_schema_extra=STATUSES)
    delivery_method: str | None = Field(
        None,
        title="交付方式",
        description=DELIVERY_METHOD_DESCRIPTION,
        json_schema_extra=DELIVERY_METHODS,
    )


class ResourceOut(BaseModel):
    id: str
    name: str
    provider_id: str
    share_type: str
    open_type: str
    legal_basis: str
    conditions: str
    fields: list[str]
    update_cycle: str
    status: str = Field(
        description="Sharing between departments (共享): active, suspended, retired."
    )
    version: int
    created_by_case: str | None
    status_reason: str = Field(description="Why the sharing status last changed.")
    open_status: str = Field(
        "open",
        description="The opening to the public (开放), apart from sharing (hubei 第三条): open, "
        "suspended (by an objection, pending verification) or withdrawn.",
        json_schema_extra=OPEN_STATUSES,
    )
    suspended_by_case: str | None = Field(
        description="The objection case (开放数据异议) whose suspension holds the opening."
    )
    open_status_reason: str = Field("", description="Why the open status last changed.")
    reclassified_by_case: str | None = Field(
        None, description="The case whose temporary share type (dongying 第二十条) is in force."
    )
    reclassified_until: date | None = Field(None, description="The temporary type's last day.")
    share_type_before: str | None = Field(None, description="The type the temporary one replaced.")
    share_type_reason: str = Field("", description="Why the share type last changed.")
    negative_list_case: str | None = Field(
        None, description="The negative-listing case whose recorded approval made it not-shared."
    )
    delivery_method: str = Field(
        DeliveryMethod.INTERFACE.value,
        description=DELIVERY_METHOD_DESCRIPTION,
        json_schema_extra=DELIVERY_METHODS,
    )
    negative_list_approval: str = Field(
        "", description="The government's approval, as refusals of applications cite it."
    )
    updated_at: BeijingTime

    @classmethod
    def of(cls, resource: CatalogResource) -> ResourceOut:
        return cls.model_validate(resource, from_attributes=True)


class RowOut(BaseModel):
    row: int = Field(description="Line of the file; the header is line 1.")
    id: str
    ok: bool
    action: str | None = Field(description="created, updated, unchanged; null if the row failed.")
    message: str


class ImportOut(BaseModel):
    total: int
    created: int
    updated: int
    unchanged: int
    failed: int
    rows: list[RowOut]


@router.get("", response_model=Page[ResourceOut], responses=ERRORS)
def list_catalog(
    platform: PlatformDep,
    caller: CallerDep,
    provider: Annotated[str | None, Query(description="Providing department id.")] = None,
    share_type: Annotated[str | None, Query(json_schema_extra=SHARE_TYPES)] = None,
    status: Annotated[str | None, Query(json_schema_extra=STATUSES)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> Page[ResourceOut]:
    """Catalog resources by id; any authenticated user."""
    found = catalog.list_resources(
        platform,
        caller,
        provider=provider,
        share_type=share_type,
        status=status,
        limit=limit,
        offset=offset,
    )
    return Page[ResourceOut].of(found, limit, offset, ResourceOut.of)


@router.get("/not-shared-unapproved", response_model=Page[ResourceOut], responses=ERRORS)
def list_unapproved_not_shared(
    platform: PlatformDep,
    caller: CallerDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> Page[ResourceOut]:
    """Not-shared resources without a recorded government approval (administrators and
    supervisors): marks made before the negative-listing process, for their providers to
    regularize through it (`process: negative_listing`)."""
    found = catalog.list_unapproved_not_shared(platform, caller, limit=limit, offset=offset)
    return Page[ResourceOut].of(found, limit, offset, ResourceOut.of)


@router.post("", status_code=201, response_model=ResourceOut, responses=ERRORS)
def create_resource(platform: PlatformDep, admin: AdminDep, body: ResourceCreate) -> ResourceOut:
    """Add a resource at version 1 (administrators). 409 if the id exists; 422 if the provider
    is unknown or a type is not one of the allowed values."""
    resource = catalog.create_resource(platform, admin, body.model_dump())
    return ResourceOut.of(resource)


@router.post(
    "/import",
    response_model=ImportOut,
    responses={**ERRORS, 413: ERRORS[422]},
    openapi_extra={
        **body_limit(MAX_UPLOAD + FRAMING),
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}, "example": EXAMPLE_CSV},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                },
            },
        },
    },
)
async def import_catalog(request: Request, platform: PlatformDep, admin: AdminDep) -> ImportOut:
    """Create or update resources from CSV (administrators): the body as `text/csv`, or a
    `multipart/form-data` field `file`. Columns: id, name, provider_id, share_type, open_type,
    legal_basis, conditions, fields (separated by `;`), update_cycle; UTF-8 or GB18030.

    200 with a result per row even when some rows fail: valid rows are written, invalid ones
    are not. An existing id is updated and its version bumped if the row changes it. 422 only
    if the header or the encoding is wrong; 413 past 10 MB."""
    data = await _upload(request)
    text = decode_text(data, "CSV 文件")
    report = await run_in_threadpool(catalog.import_catalog_csv, platform, admin, text)
    return ImportOut(
        total=len(report.rows),
        created=report.count("created"),
        updated=report.count("updated"),
        unchanged=report.count("unchanged"),
        failed=report.failed,
        rows=[RowOut.model_validate(row, from_attributes=True) for row in report.rows],
    )


async def _upload(request: Request) -> bytes:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        try:
            form = await request.form(max_files=1)
        except HTTPException as error:
            raise Invalid("上传的表单无法解析。", "invalid_upload") from error
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise Invalid("表单中缺少文件字段 file。", "invalid_upload")
        data = await upload.read(MAX_UPLOAD + 1)
    else:
        data = await request.body()
    if len(data) > MAX_UPLOAD:
        raise TooLarge(f"文件过大：不能超过{MAX_UPLOAD // 1024 // 1024} MB。", "upload_too_large")
    return data


@router.get("/{resource_id}", response_model=ResourceOut, responses=ERRORS)
def get_resource(platform: PlatformDep, caller: CallerDep, resource_id: str) -> ResourceOut:
    """One resource; any authenticated user."""
    return ResourceOut.of(catalog.get_resource(platform, caller, resource_id))


@router.patch("/{resource_id}", response_model=ResourceOut, responses=ERRORS)
def update_resource(
    platform: PlatformDep, admin: AdminDep, resource_id: str, body: ResourceUpdate
) -> ResourceOut:
    """Change the attributes given (administrators); the version goes up by one if anything
    changed. 404 for an unknown id; 422 as for POST."""
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    resource = catalog.update_resource(platform, admin, resource_id, changes)
    return ResourceOut.of(resource)
