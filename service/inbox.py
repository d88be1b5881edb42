"""A person's notices (通知): the ones they may read, which of them they have read, and for those
that hand over work, where the case's deadline stands now.

Read state is per person (a department's caseworkers each have their own). A notice's text is
what was sent; the deadline beside a hand-over is read from the case projection when the inbox
is shown, so it is the case's current one (a deadline moved by a calendar revision or an
extension shows as it now is), in Beijing time with the working days left.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from models import CaseRecord, Notice, NoticeRead
from service.access import Caller, case_matches, readable_notices
from service.cases import days_left
from service.overdue import overdue_now
from service.platform import Platform
from service.validation import Listing, page_of

# Notices that give the recipient something to do on the case.
HANDOVER_KINDS = frozenset(
    {
        "submitted",
        "forwarded",
        "verification_raised",
        "verification_forwarded",
        "verification_extension_requested",
        "verification_extension_decided",
        "extension_requested",
        "extension_decided",
        "coordination_requested",
        "negotiation_requested",
        "dispute_raised",
        "joint_verification",
        "objection_received",
        "catalog_update_opened",
        "catalog_returned",
        "reminder",
        "overdue",
    }
)


@dataclass(frozen=True)
class CaseDeadline:
    """The case's deadline when the inbox is shown."""

    case_number: str
    open: bool
    stage: str
    due: datetime | None
    last_day: date | None
    working_days_left: int | None
    overdue: bool


@dataclass(frozen=True)
class InboxItem:
    notice: Notice
    read: bool
    deadline: CaseDeadline | None  # hand-overs only
    sent_at: datetime


def sent_at(notice: Notice, events: list[dict[str, Any]]) -> datetime:
    """When the step that sent the notice happened: a notice's key starts with the number of
    events the case had then (its row's own time is the database's clock, which a worker
    catching up after an outage would make late)."""
    step, _, _ = notice.key.partition("-")
    if step.isdigit() and 0 < int(step) <= len(events):
        return datetime.fromisoformat(str(events[int(step) - 1]["at"]))
    return notice.created_at


def _read_ids(session: Session, caller: Caller, notice_ids: list[int]) -> set[int]:
    return set(
        session.exec(
            select(NoticeRead.notice_id).where(
                NoticeRead.user_id == caller.id, col(NoticeRead.notice_id).in_(notice_ids)
            )
        ).all()
    )


def _unread(caller: Caller) -> ColumnElement[bool]:
    mine = select(NoticeRead.notice_id).where(NoticeRead.user_id == caller.id)
    return col(Notice.id).not_in(mine)


def inbox(
    platform: Platform,
    caller: Caller,
    *,
    unread_only: bool = False,
    case_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Listing[InboxItem]:
    """The caller's notices, newest first, each with its read state."""
    now, calendar = platform.now(), platform.calendar()
    query = select(Notice).where(readable_notices(caller))
    if unread_only:
        query = query.where(_unread(caller))
    if case_id:
        query = query.where(case_matches(Notice.case_id, case_id))
    query = query.order_by(col(Notice.created_at).desc(), col(Notice.id).desc())
    with platform.session() as session:
        page = page_of(session, query, limit, offset)
        notices = page.items
        read = _read_ids(session, caller, [n.id for n in notices if n.id is not None])
        wanted = {n.case_id for n in notices}
        records = {
            record.case_id: (record, bool(late))
            for record, late in session.exec(
                select(CaseRecord, overdue_now(now)).where(col(CaseRecord.case_id).in_(wanted))
            ).all()
        }
    items = []
    for notice in notices:
        found = records.get(notice.case_id)
        events = (found[0].state or {}).get("events", []) if found else []
        deadline = None
        if found is not None and notice.kind in HANDOVER_KINDS:
            record, late = found
            left = (
                days_left(record.counted_from, record.last_day, now, calendar)
                if record.counted_from and record.last_day
                else None
            )
            deadline = CaseDeadline(
                case_number=record.case_number,
                open=record.status == "open",
                stage=record.stage,
                due=record.due,
                last_day=record.last_day,
                working_days_left=left,
                overdue=late,
            )
        items.append(InboxItem(notice, notice.id in read, deadline, sent_at(notice, events)))
    return Listing(total=page.total, items=items)


def unread_count(platform: Platform, caller: Caller) -> int:
    query = select(func.count()).select_from(Notice).where(readable_notices(caller))
    with platform.session() as session:
        return int(session.exec(query.where(_unread(caller))).one())


def mark_read(platform: Platform, caller: Caller, notice_ids: list[int] | None) -> int:
    """Mark the given notices (None: every unread one) read for the caller; notices the
    caller may not read are left alone. Returns how many were newly marked."""
    query = select(Notice.id).where(readable_notices(caller), _unread(caller))
    if notice_ids is not None:
        query = query.where(col(Notice.id).in_(notice_ids))
    with platform.session() as session:
        ids = [i for i in session.exec(query).all() if i is not None]
        for notice_id in ids:
            session.add(NoticeRead(notice_id=notice_id, user_id=caller.id, read_at=platform.now()))
        session.commit()
    return len(ids)
