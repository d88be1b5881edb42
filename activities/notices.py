"""Notices: rendered in Chinese with jinja2 and stored for each recipient department, or for
a member of the public, who has no department, addressed to the user."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from temporalio import activity

from activities.database import commit_once, session
from calendars import formatting
from models import Department, Notice, User
from models.reference import utcnow
from service.rendering import template_environment
from workflows.common import PARTY_LABELS, Parties, Party

environment = template_environment(keep_trailing_newline=True)
formatting.install(environment)


# What a notice's template is given: text, and flags and numbers as themselves.
NoticeValue = str | bool | int | None


# The flags a notice may carry. Cases started before flags were booleans passed them as text
# ("true", "false", "" for false); a notice of such a case retried now reads them alike.
FLAGS = frozenset({"granted", "final", "late"})


def _flags_as_booleans(context: dict[str, NoticeValue]) -> dict[str, NoticeValue]:
    return {
        key: value == "true" if key in FLAGS and isinstance(value, str) else value
        for key, value in context.items()
    }


@dataclass(frozen=True)
class SendNoticeInput:
    case_id: str
    key: str
    kind: str
    recipients: list[str]
    context: dict[str, NoticeValue] = field(default_factory=dict)
    # The case's parties, so that each recipient's notice is written for its part in the case
    # and names the others (none in notices recorded before: written for any reader).
    parties: Parties | None = None


SECOND = "second_provider"  # lichuan 第十七条's second provider of a joint verification
# The parts a reader may have in a case, in the order a department with two is addressed by.
READERS = (
    Party.PROVIDER,
    Party.APPLICANT,
    Party.AUTHORITY,
    Party.SERVICE_CENTRE,
    SECOND,
    Party.SUPERIOR_AUTHORITY,
)
# A member of the public (send_user_notice): no department.
PUBLIC = "public"


@dataclass(frozen=True)
class Reader:
    """Whom a notice is written for: their part in the case (`reader` in the templates: a
    `Party` value, "second_provider", "public", or "" when unknown) and the parties'
    department names (`names`: by part, the part's label where the name is not known; the
    templates' `named` lists the parts whose names are known)."""

    part: str = ""
    names: dict[str, str] = field(default_factory=dict)


def reader_of(recipient: str, parties: Parties | None, names: dict[str, str]) -> Reader:
    part = ""
    if parties is not None:
        part = next((str(p) for p in READERS if getattr(parties, str(p)) == recipient), "")
    return Reader(part, names)


LABELS = {
    **{str(party): label for party, label in PARTY_LABELS.items()},
    SECOND: "另一数据提供部门",
}


def party_labels() -> dict[str, str]:
    return dict(LABELS)


def party_names(db: Session, parties: Parties | None) -> dict[str, str]:
    """Each part's department name; the part's label where there is none."""
    return _named(parties, department_names(db, _party_ids(parties)))


def _party_ids(parties: Parties | None) -> list[str]:
    if parties is None:
        return []
    return [i for part in READERS if (i := getattr(parties, str(part)))]


def _named(parties: Parties | None, departments: dict[str, str]) -> dict[str, str]:
    names = party_labels()
    for part in READERS if parties is not None else ():
        department = getattr(parties, str(part))
        if department in departments:
            names[str(part)] = departments[department]
    return names


def department_names(db: Session, ids: Iterable[str]) -> dict[str, str]:
    """Each of `ids` that is a department, with its name."""
    query = select(Department.id, Department.name).where(col(Department.id).in_(set(ids)))
    return dict(db.exec(query).all())


def render_notice(
    kind: str, context: dict[str, NoticeValue], reader: Reader | None = None
) -> tuple[str, str]:
    """Title (the template's first line) and body, written for `reader`."""
    # Imported here: the workflow modules the titles are declared in import this module.
    from workflows.registry import PROCESS_TITLES

    reader = reader or Reader(names=party_labels())
    context = _flags_as_booleans(context)
    process = str(context.get("process", ""))
    text = environment.get_template(f"notices/{kind}.txt").render(
        process_name=PROCESS_TITLES.get(process, ""),
        **context,
        reader=reader.part,
        names=reader.names,
        named=[part for part, name in reader.names.items() if name != LABELS.get(part)],
    )
    title, _, body = text.partition("\n")
    return title.strip(), body.strip() + "\n"


def _store_once(
    db: Session,
    request: SendNoticeInput | SendUserNoticeInput,
    reader: Reader,
    *,
    department_id: str | None = None,
    user_id: int | None = None,
) -> bool:
    """The request's notice for one recipient, a department or else a user, written for
    `reader`, unless the recipient has it already: whether it is new."""
    recipient = (
        Notice.recipient_department_id == department_id
        if department_id is not None
        else Notice.recipient_user_id == user_id
    )
    exists = select(Notice.id).where(
        Notice.case_id == request.case_id, Notice.key == request.key, recipient
    )
    if db.exec(exists).first() is not None:
        return False
    db.add(Notice(**_notice(request, reader, department_id=department_id, user_id=user_id)))
    return commit_once(db)


def _notice(
    request: SendNoticeInput | SendUserNoticeInput,
    reader: Reader,
    *,
    department_id: str | None = None,
    user_id: int | None = None,
) -> dict[str, Any]:
    """The notice's row, written for `reader`."""
    title, body = render_notice(request.kind, request.context, reader)
    return {
        "case_id": request.case_id,
        "key": request.key,
        "kind": request.kind,
        "recipient_department_id": department_id,
        "recipient_user_id": user_id,
        "title": title,
        "body": body,
        "created_at": utcnow(),
    }


@activity.defn
def send_notice(request: SendNoticeInput) -> int:
    """Store the notice once per recipient, written for it; returns how many were new."""
    with session() as db:
        rows = new_notices(db, [request])
        # One commit for them all; where an attempt running at the same time stored one
        # first, each recipient's notice is stored on its own, once.
        if commit_with(db, rows):
            return len(rows)
        return store_one_by_one(db, request)


def commit_with(db: Session, notices: list[dict[str, Any]]) -> bool:
    """Insert the rows of `notices` and commit the session's other changes, in one
    transaction; False, rolled back, where an attempt running at the same time stored one
    of them first. The rows go in as one statement: no ORM object is made for any."""
    try:
        if notices:
            db.execute(insert(Notice), notices)
    except IntegrityError:
        db.rollback()
        return False
    return commit_once(db)


def new_notices(db: Session, requests: Sequence[SendNoticeInput]) -> list[dict[str, Any]]:
    """The rows of each request's notice for each recipient that does not have it yet. Two
    reads, however many notices and recipients; nothing is written."""
    if not requests:
        return []
    departments = department_names(
        db, {i for r in requests for i in (*r.recipients, *_party_ids(r.parties))}
    )
    held_query = select(Notice.case_id, Notice.key, Notice.recipient_department_id).where(
        col(Notice.case_id).in_({r.case_id for r in requests}),
        col(Notice.key).in_({r.key for r in requests}),
    )
    held = {tuple(row) for row in db.exec(held_query)}
    rows = []
    for request in requests:
        names = _named(request.parties, departments)
        for recipient in _recipients(request, departments):
            if (request.case_id, request.key, recipient) not in held:
                held.add((request.case_id, request.key, recipient))
                reader = reader_of(recipient, request.parties, names)
                rows.append(_notice(request, reader, department_id=recipient))
    return rows


def store_one_by_one(db: Session, request: SendNoticeInput) -> int:
    """Commit each recipient's notice on its own, once: how many were new."""
    departments = department_names(db, {*request.recipients, *_party_ids(request.parties)})
    names = _named(request.parties, departments)
    return sum(
        _store_once(db, request, reader_of(r, request.parties, names), department_id=r)
        for r in _recipients(request, departments)
    )


def _recipients(request: SendNoticeInput, departments: dict[str, str]) -> list[str]:
    """The request's recipients that are departments, each once."""
    return [r for r in dict.fromkeys(request.recipients) if r in departments]


@dataclass(frozen=True)
class SendUserNoticeInput:
    case_id: str
    key: str
    kind: str
    user_id: int
    context: dict[str, NoticeValue] = field(default_factory=dict)
    parties: Parties | None = None  # to name them (none in notices recorded before)


@activity.defn
def send_user_notice(request: SendUserNoticeInput) -> int:
    """Store the notice for one user once; returns 1 if it is new."""
    with session() as db:
        if db.get(User, request.user_id) is None:
            return 0
        reader = Reader(PUBLIC, party_names(db, request.parties))
        return int(_store_once(db, request, reader, user_id=request.user_id))
