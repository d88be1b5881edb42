"""SQLModel tables. Importing this package registers every table on `SQLModel.metadata`."""

from models.cases import CaseCounter, CaseRecord, CaseSubmission
from models.effects import Authorization, Notice
from models.reference import ApiToken, CatalogResource, Department, User

__all__ = [
    "ApiToken",
    "Authorization",
    "CaseCounter",
    "CaseRecord",
    "CaseSubmission",
    "CatalogResource",
    "Department",
    "Notice",
    "User",
]
