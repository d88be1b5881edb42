"""Notices: rendered in Chinese with jinja2 and stored for each recipient department, or for
a member of the public, who has no department, addressed to the user."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlmodel import Session, col, select
from temporalio import activity

from activities.database import commit_once, session
from calendars import formatting
from models import Department, Notice, User
from workflows.common import PARTY_LABELS, Parties, Party

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
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
    names = party_labels()
    if parties is None:
        return names
    ids = {str(part): getattr(parties, str(part)) for part in READERS}
    found = _departments(db, [i for i in ids.values() if i])
    names.update({part: found[i].name for part, i in ids.items() if i in found})
    return names


def _departments(db: Session, ids: list[str]) -> dict[str, Department]:
    return {d.id: d for d in db.exec(select(Department).where(col(Department.id).in_(ids)))}


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
    db.add(_notice(request, reader, department_id=department_id, user_id=user_id))
    return commit_once(db)


def _notice(
    request: SendNoticeInput | SendUserNoticeInput,
    reader: Reader,
    *,
    department_id: str | None = None,
    user_id: int | None = None,
) -> Notice:
    title, body = render_notice(request.kind, request.context, reader)
    return Notice(
        case_id=request.case_id,
        key=request.key,
        kind=request.kind,
        recipient_department_id=department_id,
        recipient_user_id=user_id,
        title=title,
        body=body,
    )


@activity.defn
def send_notice(request: SendNoticeInput) -> int:
    """Store the notice once per recipient, written for it; returns how many were new."""
    with session() as db:
        new = add_notice(db, request)
        # One commit for them all; where an attempt running at the same time stored one
        # first, each recipient's notice is stored on its own, once.
        if commit_once(db):
            return new
        return store_one_by_one(db, request)


def add_notice(db: Session, request: SendNoticeInput) -> int:
    """Add, uncommitted, the notice of each recipient that does not have it yet: how many."""
    names = party_names(db, request.parties)
    held = select(Notice.recipient_department_id).where(
        Notice.case_id == request.case_id,
        Notice.key == request.key,
        col(Notice.recipient_department_id).in_(request.recipients),
    )
    new = [r for r in _recipients(db, request) if r not in set(db.exec(held))]
    for recipient in new:
        reader = reader_of(recipient, request.parties, names)
        db.add(_notice(request, reader, department_id=recipient))
    return len(new)


def store_one_by_one(db: Session, request: SendNoticeInput) -> int:
    """Commit each recipient's notice on its own, once: how many were new."""
    names = party_names(db, request.parties)
    return sum(
        _store_once(db, request, reader_of(r, request.parties, names), department_id=r)
        for r in _recipients(db, request)
    )


def _recipients(db: Session, request: SendNoticeInput) -> list[str]:
    """The request's recipients that are departments, each once."""
    known = _departments(db, request.recipients)
    return [r for r in dict.fromkeys(request.recipients) if r in known]


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
