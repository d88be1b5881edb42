"""SQLModel tables. Importing this package registers every table on `SQLModel.metadata`."""

from models.cases import CaseCounter, CaseRecord, CaseSubmission
from models.catalog import CatalogChange, CatalogVersion
from models.effects import Authorization, Notice
from models.reference import ApiToken, CatalogResource, Department, User

__all__ = [
    "ApiToken",
    "Authorization",
    "CaseCounter",
    "CaseRecord",
    "CaseSubmission",
    "CatalogChange",
    "CatalogResource",
    "CatalogVersion",
    "Department",
    "Notice",
    "User",
]
