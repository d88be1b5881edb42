"""Notices: rendered in Chinese with jinja2 and stored for each recipient department, or for
a member of the public, who has no department, addressed to the user."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from temporalio import activity

from activities.database import session
from models import Department, Notice, User

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
BEIJING = ZoneInfo("Asia/Shanghai")


def end_of_day(due_iso: str) -> str:
    """A due instant (00:00 of the next day) as the law says it: 24时 of the last day."""
    last_day = (datetime.fromisoformat(due_iso).astimezone(BEIJING) - timedelta(seconds=1)).date()
    return f"{last_day.year}年{last_day.month}月{last_day.day}日24时（北京时间）"


environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
environment.filters["end_of_day"] = end_of_day


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


def render_notice(kind: str, context: dict[str, NoticeValue]) -> tuple[str, str]:
    """Title (the template's first line) and body."""
    # Imported here: the workflow modules the titles are declared in import this module.
    from workflows.registry import PROCESS_TITLES

    context = _flags_as_booleans(context)
    process = str(context.get("process", ""))
    text = environment.get_template(f"notices/{kind}.txt").render(
        process_name=PROCESS_TITLES.get(process, ""), **context
    )
    title, _, body = text.partition("\n")
    return title.strip(), body.strip() + "\n"


@activity.defn
def send_notice(request: SendNoticeInput) -> int:
    """Store the notice once per recipient; returns how many were new."""
    title, body = render_notice(request.kind, request.context)
    created = 0
    with session() as db:
        for recipient in request.recipients:
            if db.get(Department, recipient) is None:
                continue
            exists = db.exec(
                select(Notice.id).where(
                    Notice.case_id == request.case_id,
                    Notice.key == request.key,
                    Notice.recipient_department_id == recipient,
                )
            ).first()
            if exists is not None:
                continue
            db.add(
                Notice(
                    case_id=request.case_id,
                    key=request.key,
                    kind=request.kind,
                    recipient_department_id=recipient,
                    title=title,
                    body=body,
                )
            )
            try:
                db.commit()
                created += 1
            except IntegrityError:
                db.rollback()
    return created


@dataclass(frozen=True)
class SendUserNoticeInput:
    case_id: str
    key: str
    kind: str
    user_id: int
    context: dict[str, NoticeValue] = field(default_factory=dict)


@activity.defn
def send_user_notice(request: SendUserNoticeInput) -> int:
    """Store the notice for one user once; returns 1 if it is new."""
    title, body = render_notice(request.kind, request.context)
    query = select(Notice.id).where(
        Notice.case_id == request.case_id,
        Notice.key == request.key,
        Notice.recipient_user_id == request.user_id,
    )
    with session() as db:
        if db.get(User, request.user_id) is None or db.exec(query).first() is not None:
            return 0
        db.add(
            Notice(
                case_id=request.case_id,
                key=request.key,
                kind=request.kind,
                recipient_user_id=request.user_id,
                title=title,
                body=body,
            )
        )
        try:
            db.commit()
        except IntegrityError:
            db.rollback()
            return 0
    return 1
