"""SQLModel tables. Importing this package registers every table on `SQLModel.metadata`."""

from models.attachments import Attachment, AttachmentCitation
from models.cases import CaseCounter, CaseRecord, CaseSubmission
from models.catalog import CatalogChange, CatalogVersion
from models.effects import Authorization, DataCorrection, Notice
from models.faults import ActionReceipt, StuckCase
from models.reference import ApiToken, CatalogResource, Department, User
from models.web import NoticeRead, WebSession

__all__ = [
    "ActionReceipt",
    "ApiToken",
    "Attachment",
    "AttachmentCitation",
    "Authorization",
    "CaseCounter",
    "CaseRecord",
    "CaseSubmission",
    "CatalogChange",
    "CatalogResource",
    "CatalogVersion",
    "DataCorrection",
    "Department",
    "Notice",
    "NoticeRead",
    "StuckCase",
    "User",
    "WebSession",
]
