"""Who the caller is, and who may read what: the one place every listing and every case view
asks.

- A case: auditors all; supervisors the cases of their jurisdiction (and those inside it),
  whichever side of the case it is on (the governing, the provider's, or the applicant's: a
  cross-jurisdiction case is read by the supervisors of both), and those their own department
  is party to; caseworkers the cases their department is party to
  (applicant, provider, second provider); a member of the public the cases they submitted.
- Its history, replay and timeline: auditors, and supervisors who may read the case.
- An attachment: its uploader, auditors, and whoever may read a case citing it.
- Notices: those addressed to the caller's department, or to the caller in person; auditors
  all.
- Authorizations: caseworkers those their department holds or grants; supervisors those with
  a party in their jurisdiction; auditors all.
- Figures (dashboard, report, yearly maintenance): supervisors their jurisdiction or one
  inside it, auditors any.

Each rule is written once, as SQL, and used both to list and to check one row.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, false, or_, true
from sqlmodel import Session, col, select

from models import (
    ApiToken,
    AttachmentCitation,
    Authorization,
    CaseRecord,
    CaseSubmission,
    CatalogResource,
    Department,
    Notice,
    User,
)
from service.errors import Forbidden, NotFound, Unauthorized
from workflows.common import ROLE_LABELS, Actor, Role
from workflows.registry import PROCESSES as DECLARED


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Caller:
    """The authenticated user, with their department."""

    def __init__(self, user: User, department: Department | None) -> None:
        self.user = user
        self.department = department

    @property
    def id(self) -> int:
        if self.user.id is None:
            raise ValueError("an unsaved user cannot call")
        return self.user.id

    @property
    def role(self) -> Role:
        return Role(self.user.role)

    @property
    def department_id(self) -> str | None:
        return self.user.department_id

    @property
    def jurisdiction(self) -> str | None:
        return self.department.jurisdiction if self.department else None

    def actor(self) -> Actor:
        return Actor(
            user_id=self.id,
            role=self.role,
            name=self.user.name,
            department_id=self.user.department_id,
            jurisdiction=self.jurisdiction,
        )

    def require(self, *roles: Role) -> None:
        if self.role not in roles:
            names = "、".join(ROLE_LABELS[r] for r in roles)
            raise Forbidden(f"此操作仅限{names}。", "role_not_allowed")

    def oversees(self, jurisdiction: str) -> bool:
        """A supervisor oversees their department's jurisdiction and every one inside it."""
        own = self.jurisdiction
        return own is not None and within(jurisdiction, own)

    def jurisdiction_to_read(self, requested: str | None, what: str) -> str | None:
        """The jurisdiction whose figures (`what`, e.g. 概况) the caller may read: a supervisor
        their own or one inside it, an auditor any (None: all)."""
        match self.role:
            case Role.AUDITOR:
                return requested
            case Role.SUPERVISOR:
                own = self.jurisdiction
                if own is None:
                    raise Forbidden(f"监管人员未关联辖区，不能查看{what}。", "no_jurisdiction")
                if requested is None:
                    return own
                if not self.oversees(requested):
                    raise Forbidden(f"只能查看本辖区及下级辖区的{what}。", "jurisdiction_forbidden")
                return requested
        raise Forbidden(f"{what}仅限监管人员和审计人员查看。", "role_not_allowed")


def console() -> Caller:
    """The operator at the server's command line: an administrator without an account."""
    return Caller(User(id=0, name="控制台操作员", role=Role.ADMIN), None)


def authenticate(session: Session, token: str | None, now: datetime | None = None) -> Caller:
    """The caller behind a bearer token; at `now`, the token must not have expired."""
    if not token:
        raise Unauthorized("缺少访问令牌（Authorization: Bearer <token>）。", "token_missing")
    # One statement for the token, its user and the user's department: every request asks.
    found = session.exec(
        select(ApiToken, User, Department)
        .join(User, col(User.id) == ApiToken.user_id)
        .join(Department, col(Department.id) == User.department_id, isouter=True)
        .where(ApiToken.token_hash == hash_token(token))
    ).first()
    if found is None or found[0].revoked_at is not None:
        raise Unauthorized("访问令牌无效或已吊销。", "token_invalid")
    row, user, department = found
    if now is not None and row.expires_at is not None and row.expires_at <= now:
        raise Unauthorized("访问令牌已过期，请联系系统管理员重新签发。", "token_expired")
    if not user.active:
        raise Unauthorized("该令牌对应的用户已停用。", "user_inactive")
    return Caller(user, department)


# -- jurisdictions ---------------------------------------------------------------------------


def within(jurisdiction: str, scope: str) -> bool:
    """`jurisdiction` is `scope` or lies inside it (hubei.lichuan inside hubei)."""
    return jurisdiction == scope or jurisdiction.startswith(scope + ".")


def within_sql(column: Any, scope: str) -> ColumnElement[bool]:
    """`within` as SQL over a jurisdiction column (`%` and `_` in `scope` match themselves)."""
    return or_(column == scope, col(column).startswith(scope + ".", autoescape=True))


# -- cases -------------------------------------------------------------------------------------


class CaseTable(Protocol):
    """What the submissions and the case projection both say of a case's parties."""

    case_id: Any
    jurisdiction: Any
    applicant_jurisdiction: Any
    applicant_department_id: Any
    provider_department_id: Any
    second_provider_department_id: Any


def party_to(table: type[CaseTable], department: str | None) -> ColumnElement[bool]:
    """Cases to which `department` is party: they read it, and find it in their list."""
    if department is None:
        return false()
    return or_(
        col(table.applicant_department_id) == department,
        col(table.provider_department_id) == department,
        col(table.second_provider_department_id) == department,
    )


def readable_cases(caller: Caller, table: type[CaseTable]) -> ColumnElement[bool]:
    """The cases `caller` may read, as a condition on `table` (CaseSubmission or CaseRecord)."""
    match caller.role:
        case Role.AUDITOR:
            return true()
        case Role.SUPERVISOR:
            own = caller.jurisdiction
            scope = (
                or_(
                    within_sql(table.jurisdiction, own),
                    within_sql(table.applicant_jurisdiction, own),
                )
                if own
                else false()
            )
            return or_(scope, party_to(table, caller.department_id))
        case Role.CASEWORKER:
            return party_to(table, caller.department_id)
        case Role.PUBLIC:
            submitted = select(CaseSubmission.case_id).where(CaseSubmission.user_id == caller.id)
            return col(table.case_id).in_(submitted)
    return false()


def case_matches(column: Any, case_id: str) -> ColumnElement[bool]:
    """The full case id, or the case number alone (HB419-2026-000001), exactly. A number is
    looked for under every process's prefix: equality, found through the column's index,
    where a LIKE on the id's end read every row (every case view and action did that)."""
    if "/" in case_id:
        return col(column) == case_id
    return col(column).in_([f"{process.slug}/{case_id}" for process in DECLARED.values()])


def readable_case(session: Session, caller: Caller, case_id: str) -> CaseSubmission:
    """The case's submission if the caller may read the case: 404 if there is none, 403 if
    it is not the caller's to read."""
    submission = session.exec(
        select(CaseSubmission).where(case_matches(CaseSubmission.case_id, case_id))
    ).first()
    if submission is None:
        raise NotFound(f"案件“{case_id}”不存在。", "case_not_found")
    readable = session.exec(
        select(CaseSubmission.id).where(
            CaseSubmission.id == submission.id, readable_cases(caller, CaseSubmission)
        )
    ).first()
    if readable is None:
        raise Forbidden("无权查看该案件：不属于本部门或本辖区。", "case_forbidden")
    return submission


def auditable_case(session: Session, caller: Caller, case_id: str) -> CaseSubmission:
    """A case whose history, replay and timeline the caller may read."""
    caller.require(Role.SUPERVISOR, Role.AUDITOR)
    return readable_case(session, caller, case_id)


def listed_cases(caller: Caller) -> ColumnElement[bool]:
    """The case list: the cases the caller may read."""
    if caller.role is Role.ADMIN:
        raise Forbidden("无权查看案件列表。", "role_not_allowed")
    return readable_cases(caller, CaseRecord)


# -- attachments ---------------------------------------------------------------------------------


def may_read_attachment(
    session: Session, caller: Caller, attachment_id: int, uploader: int
) -> bool:
    if caller.role is Role.AUDITOR or uploader == caller.id:
        return True
    citing = select(AttachmentCitation.case_id).where(
        AttachmentCitation.attachment_id == attachment_id
    )
    found = session.exec(
        select(CaseSubmission.id).where(
            col(CaseSubmission.case_id).in_(citing), readable_cases(caller, CaseSubmission)
        )
    ).first()
    return found is not None


# -- notices and authorizations ------------------------------------------------------------------


def readable_notices(caller: Caller) -> ColumnElement[bool]:
    match caller.role:
        case Role.AUDITOR:
            return true()
        case Role.CASEWORKER | Role.SUPERVISOR:
            return or_(
                col(Notice.recipient_department_id) == caller.department_id,
                col(Notice.recipient_user_id) == caller.id,
            )
        case Role.PUBLIC:
            return col(Notice.recipient_user_id) == caller.id
    raise Forbidden("通知仅供经办人、监管人员、审计人员和本人查看。", "role_not_allowed")


def readable_authorizations(caller: Caller) -> ColumnElement[bool]:
    """A condition on Authorization joined with its CatalogResource."""
    match caller.role:
        case Role.AUDITOR:
            return true()
        case Role.CASEWORKER:
            mine = caller.department_id
            return or_(
                col(Authorization.applicant_department_id) == mine,
                col(CatalogResource.provider_id) == mine,
            )
        case Role.SUPERVISOR:
            own = caller.jurisdiction
            if own is None:
                return false()
            departments = select(Department.id).where(within_sql(Department.jurisdiction, own))
            return or_(
                col(Authorization.applicant_department_id).in_(departments),
                col(CatalogResource.provider_id).in_(departments),
            )
    raise Forbidden("授权记录仅供经办人、监管人员和审计人员查看。", "role_not_allowed")
