"""Inquiry reads: one inquiry (audit-logged), the lists a handler's pages show, and the
figures monitoring asks for. Reads end their transaction, so SQLite's writers never wait on a
page that has finished."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import selectinload

from supportline.audit.service import record_read
from supportline.auth.models import User
from supportline.dates import LOCAL_TZ, today_local
from supportline.extensions import db
from supportline.inquiries import taxonomy as tx
from supportline.inquiries.errors import InquiryNotFound
from supportline.inquiries.models import Inquiry, InquiryCentre, TimelineEntry
from supportline.inquiries.validation import organisation_key, phone_key
from supportline.stats.models import ACTIVE_STATUSES, ResourceCentre
from supportline.transactions import end_read


def get_inquiry(actor: User, inquiry_id: int, action: str = "inquiry.read") -> Inquiry:
    """One inquiry with everything shown on its page; the read is audit-logged."""
    inquiry = db.session.scalar(
        select(Inquiry).where(Inquiry.id == inquiry_id).options(
            selectinload(Inquiry.exposed_persons), selectinload(Inquiry.codes),
            selectinload(Inquiry.timeline).selectinload(TimelineEntry.user),
            selectinload(Inquiry.created_by), selectinload(Inquiry.assignee),
            selectinload(Inquiry.centre).selectinload(InquiryCentre.directory))
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


def selectable_centres() -> list[ResourceCentre]:
    """The directory's centres an outcome may name (established or being built), by county and name."""
    order = list(tx.COUNTY_LABELS)
    rows = db.session.scalars(select(ResourceCentre).where(ResourceCentre.status.in_(ACTIVE_STATUSES))).all()
    return sorted(rows, key=lambda c: (order.index(c.county_code) if c.county_code in order else 99, c.name, c.id))


def centre_named(centre_id: int | None) -> ResourceCentre | None:
    return db.session.get(ResourceCentre, centre_id) if centre_id else None


def count_due_follow_ups() -> int:
    """How many open inquiries have a follow-up due today or earlier (a figure for monitoring:
    no inquiry is read)."""
    return db.session.scalar(
        select(func.count()).select_from(Inquiry).where(
            Inquiry.follow_up_on.is_not(None), Inquiry.follow_up_on <= today_local(), Inquiry.status != "closed")
    ) or 0


@dataclass(frozen=True)
class TeamLoad:
    """One handler's share of the cases that are not closed (user None: the unassigned ones)."""

    user: User | None
    open: int
    awaiting: int
    due_today: int
    overdue: int
    oldest_received_at: dt.datetime | None

    @property
    def oldest_age_days(self) -> int | None:
        return age_in_days(self.oldest_received_at)


@dataclass(frozen=True)
class TeamOverview:
    handlers: list[TeamLoad]
    unassigned: TeamLoad
    cases: list[InquiryRow]  # the cases not closed, the unassigned first, each part oldest first
    total: int


def age_in_days(received_at: dt.datetime | None) -> int | None:
    """Whole Swedish days since a case came in (0 on its first day)."""
    if received_at is None:
        return None
    return (today_local() - received_at.astimezone(LOCAL_TZ).date()).days


def team_overview(actor: User, limit: int = 500) -> TeamOverview:
    """The team's load (/oversikt): per handler the open and awaiting cases, follow-ups due
    today and overdue, and the oldest case, counted by the database in one grouped query;
    then the cases themselves to choose from, oldest first, the list audit-logged."""
    today = today_local()
    not_closed = Inquiry.status != "closed"

    def count_if(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    follow_up = Inquiry.follow_up_on
    rows = db.session.execute(
        select(Inquiry.assignee_id, count_if(Inquiry.status == "open"), count_if(Inquiry.status == "awaiting"),
               count_if(follow_up == today), count_if(follow_up < today), func.min(Inquiry.received_at))
        .where(not_closed).group_by(Inquiry.assignee_id)
    ).all()
    loads = {assignee_id: figures for assignee_id, *figures in rows}
    # Everyone who can take cases is shown, with nothing too; someone deactivated who still
    # holds cases is shown as well, since those are the cases to hand on.
    people = {u.id: u for u in assignable_users()} | users_by_id(loads)
    handlers = [TeamLoad(user, *loads.get(user.id, (0, 0, 0, 0, None)))
                for user in sorted(people.values(), key=lambda u: (u.display_name.casefold(), u.id))]
    unassigned = TeamLoad(None, *loads.get(None, (0, 0, 0, 0, None)))
    unassigned_first = case((Inquiry.assignee_id.is_(None), 0), else_=1)
    cases = [InquiryRow(*r) for r in db.session.execute(
        select(*ROW_COLUMNS).where(not_closed)
        .order_by(unassigned_first, Inquiry.received_at, Inquiry.id).limit(limit)).all()]
    total = sum(load.open + load.awaiting for load in [*handlers, unassigned])
    if cases:
        audit_list(actor, "inquiry.list.team", [r.id for r in cases])
    else:
        end_read()
    return TeamOverview(handlers, unassigned, cases, total)
