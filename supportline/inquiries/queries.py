"""Inquiry reads: one inquiry (audit-logged), the lists a handler's pages show, and the
figures monitoring asks for. Reads end their transaction, so SQLite's writers never wait on a
page that has finished."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from supportline.audit.service import record_read
from supportline.auth.models import User
from supportline.dates import today_local
from supportline.extensions import db
from supportline.inquiries.errors import InquiryNotFound
from supportline.inquiries.models import Inquiry, TimelineEntry
from supportline.inquiries.validation import organisation_key, phone_key
from supportline.transactions import end_read


def get_inquiry(actor: User, inquiry_id: int, action: str = "inquiry.read") -> Inquiry:
    """One inquiry with everything shown on its page; the read is audit-logged."""
    inquiry = db.session.scalar(
        select(Inquiry).where(Inquiry.id == inquiry_id).options(
            selectinload(Inquiry.exposed_persons), selectinload(Inquiry.codes),
            selectinload(Inquiry.timeline).selectinload(TimelineEntry.user),
            selectinload(Inquiry.created_by), selectinload(Inquiry.assignee))
    )
    if inquiry is None:
        end_read()
        raise InquiryNotFound(inquiry_id)
    record_read(action, actor, object_type="inquiry", object_id=inquiry.id)
    return inquiry


@dataclass(frozen=True)
class InquiryRow:
    """What a list shows of an inquiry: plain values, safe to use after the commit."""

    id: int
    received_at: dt.datetime
    status: str
    urgency: str
    county_code: str | None
    caller_sector: str | None
    caller_organisation: str
    summary: str
    follow_up_on: dt.date | None
    assignee_id: int | None
    created_by_id: int

    @property
    def excerpt(self) -> str:
        text = " ".join(self.summary.split())
        return text if len(text) <= 160 else text[:157].rstrip() + "…"


ROW_COLUMNS = (Inquiry.id, Inquiry.received_at, Inquiry.status, Inquiry.urgency, Inquiry.county_code,
               Inquiry.caller_sector, Inquiry.caller_organisation, Inquiry.summary, Inquiry.follow_up_on,
               Inquiry.assignee_id, Inquiry.created_by_id)


def audit_list(actor: User, action: str, ids: list[int], detail: dict | None = None) -> None:
    """Log which inquiries a list showed. Done after the query, so on SQLite the write lock is
    held only for this insert and not for the whole search."""
    record_read(action, actor, object_type="inquiry", detail={**(detail or {}), "ids": ids})


def due_follow_ups(actor: User, limit: int = 50) -> list[InquiryRow]:
    """Inquiries assigned to the user (or created by them and unassigned) with a follow-up due
    today or earlier, oldest first, not closed."""
    mine = or_(Inquiry.assignee_id == actor.id, (Inquiry.assignee_id.is_(None)) & (Inquiry.created_by_id == actor.id))
    rows = db.session.execute(
        select(*ROW_COLUMNS).where(mine, Inquiry.follow_up_on.is_not(None), Inquiry.follow_up_on <= today_local(),
                                   Inquiry.status != "closed")
        .order_by(Inquiry.follow_up_on, Inquiry.id).limit(limit)
    ).all()
    result = [InquiryRow(*r) for r in rows]
    if result:
        audit_list(actor, "inquiry.list.follow_ups", [r.id for r in result])
    else:
        end_read()
    return result


def sees_callback_details(actor: User) -> bool:
    """Who may see a caller's call-back details: those who call back. Coordinators follow up
    and evaluate; they need the case, not the professional's number."""
    return actor.has_role("handler", "admin")


def previous_contacts(actor: User, organisation: str | None, phone: str | None, exclude_id: int | None = None,
                      limit: int = 10, audit: bool = True) -> list[InquiryRow]:
    """Earlier inquiries from the same organisation or call-back number ("tidigare kontakter").

    Only for those who may see call-back details: the list matches on the number, so it would
    tell anyone else which cases share one."""
    if not sees_callback_details(actor):
        return []
    conditions = []
    org_key = organisation_key(organisation)
    number_key = phone_key(phone)
    if org_key and len(org_key) >= 3:
        conditions.append(Inquiry.organisation_key == org_key)
    if number_key and len(number_key) >= 6:
        conditions.append(Inquiry.callback_phone_key == number_key)
    if not conditions:
        return []
    stmt = select(*ROW_COLUMNS).where(or_(*conditions))
    if exclude_id is not None:
        stmt = stmt.where(Inquiry.id != exclude_id)
    rows = [InquiryRow(*r) for r in db.session.execute(
        stmt.order_by(Inquiry.received_at.desc(), Inquiry.id.desc()).limit(limit)).all()]
    if rows and audit:
        audit_list(actor, "inquiry.list.previous", [r.id for r in rows])
    else:
        end_read()
    return rows


def users_by_id(ids) -> dict[int, User]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def assignable_users() -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.active.is_(True), User.role.in_(["handler", "admin"])).order_by(User.name, User.email)
    ))


def count_due_follow_ups() -> int:
    """How many open inquiries have a follow-up due today or earlier (a figure for monitoring:
    no inquiry is read)."""
    return db.session.scalar(
        select(func.count()).select_from(Inquiry).where(
            Inquiry.follow_up_on.is_not(None), Inquiry.follow_up_on <= today_local(), Inquiry.status != "closed")
    ) or 0
