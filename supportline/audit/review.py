"""Reading the audit log for access review ("loggkontroll"): filtered pages, the monthly
report of inquiries opened without an evident reason, and the CSV export.

Nothing here changes an event. Reading the log is itself logged (audit.view, audit.review,
audit.export), so a reviewer's own look-ups can be reviewed too.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import and_, func, or_, select

from supportline.audit.models import AuditEvent
from supportline.audit.service import record
from supportline.auth.models import User
from supportline.dates import local_midnight_utc
from supportline.excel_csv import ExcelCsvWriter
from supportline.extensions import db
from supportline.query_args import read_date_range, read_id
from supportline.transactions import write_transaction

PER_PAGE = 50
# The actions that mean "opened one inquiry": the page, the edit form, the API and the
# version shown on a conflict. Lists are not counted: a list shows a summary line only.
READ_ACTIONS = ("inquiry.read",)

ACTION_LABELS = {
    "login": "Inloggning",
    "login.failed": "Misslyckad inloggning",
    "login.throttled": "Inloggning spärrad (för många försök)",
    "logout": "Utloggning",
    "token.issue": "API-token utfärdad",
    "user.create": "Konto skapat",
    "user.role": "Roll ändrad",
    "user.activate": "Konto aktiverat",
    "user.deactivate": "Konto inaktiverat",
    "user.password": "Lösenord ändrat",
    "user.password_failed": "Fel nuvarande lösenord vid lösenordsbyte",
    "login.password_ok": "Rätt lösenord, andra steget återstår",
    "login.pending_exhausted": "Andra steget spärrat (för många försök)",
    "logout.everywhere": "Utloggning på alla enheter",
    "mfa.enrol": "Tvåstegsverifiering aktiverad",
    "mfa.recovery_codes": "Nya reservkoder skapade",
    "mfa.rekey": "Tvåstegsnycklar krypterade om",
    "mfa.reset": "Tvåstegsverifiering återställd",
    "token.revoke": "API-token återkallad",
    "article.create": "Artikel skapad",
    "article.update": "Artikel ändrad",
    "stats.export": "Statistik exporterad",
    "stats.snapshot": "Kvartalsstatistik frusen",
    "stats.report_pdf": "Statistikrapport som PDF",
    "resource_centre.create": "Resurscentrum tillagt",
    "resource_centre.update": "Resurscentrum ändrat",
    "resource_centre.seed": "Resurscentrum inlästa",
    "handover.import": "Överlämningspaket importerat",
    "inquiry.create": "Ärende skapat",
    "inquiry.update": "Ärende ändrat",
    "inquiry.entry": "Händelse tillagd i ärende",
    "inquiry.read": "Ärende öppnat",
    "inquiry.read.edit": "Ärende öppnat för ändring",
    "inquiry.read.conflict": "Ärende visat vid krock",
    "inquiry.list": "Ärendelista visad",
    "inquiry.list.follow_ups": "Uppföljningar visade",
    "inquiry.list.previous": "Tidigare kontakter visade",
    "inquiry.list.team": "Teamöversikten visad",
    "inquiry.reassign": "Ärenden omfördelade",
    "inquiry.reminder": "Påminnelse om uppföljning",
    "inquiry.reply": "Svar skickat till frågeställaren",
    "question.create": "Skriftlig fråga inkommen",
    "question.follow_up": "Följdfråga inkommen",
    "question.pickup": "Frågeställaren öppnade sin länk",
    "answer_template.create": "Svarsmall skapad",
    "answer_template.update": "Svarsmall ändrad",
    "answer_template.archive": "Svarsmall arkiverad",
    "answer_template.restore": "Svarsmall i bruk igen",
    "article.import": "Artiklar importerade",
    "article.status": "Artikelstatus ändrad",
    "handover.start": "Överlämning startad",
    "handover.done": "Överlämning klar",
    "handover.receipt": "Mottagarens kvitto registrerat",
    "calls.import": "Samtalsposter importerade",
    "hours.weekly_set": "Öppettider ändrade",
    "hours.change_add": "Ändrad öppetdag tillagd",
    "hours.change_remove": "Ändrad öppetdag borttagen",
    "retention.run": "Gallring körd",
    "retention.anonymise": "Ärende avidentifierat (gallring)",
    "retention.callback": "Kontaktuppgifter gallrade",
    "retention.handover_callback": "Kontaktuppgifter gallrade efter överlämningen",
    "retention.handover_anonymise": "Ärende avidentifierat efter överlämningen",
    "privacy.search": "Sökning efter personuppgifter",
    "privacy.export": "Personuppgifter exporterade",
    "privacy.erase": "Personuppgifter raderade",
    "audit.view": "Loggen visad",
    "audit.review": "Granskningsrapport visad",
    "audit.export": "Loggen exporterad",
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def period_bounds(date_from: dt.date | None, date_to: dt.date | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Local calendar days, both inclusive, as a half-open UTC interval."""
    start = local_midnight_utc(date_from) if date_from else None
    end = local_midnight_utc(date_to + dt.timedelta(days=1)) if date_to else None
    return start, end


# --- the filtered log ----------------------------------------------------------------------

@dataclass
class LogFilters:
    user: int | None = None
    inquiry: int | None = None
    action: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args) -> LogFilters:
        f = cls()
        f.user = read_id(args, "user", f.errors, "Välj en användare i listan.")
        f.inquiry = read_id(args, "inquiry", f.errors, "Ange ärendets nummer med siffror.")
        action = (args.get("action") or "").strip()
        if action:
            if len(action) <= 64 and all(ch.isalnum() or ch in "._-" for ch in action):
                f.action = action
            else:
                f.errors["action"] = "Välj en händelse i listan."
        f.date_from, f.date_to = read_date_range(args, f.errors)
        return f

    def as_args(self) -> dict:
        out = {}
        for name in ("user", "inquiry", "action", "date_from", "date_to"):
            value = getattr(self, name)
            if value not in (None, ""):
                out[name] = value.isoformat() if isinstance(value, dt.date) else value
        return out


def _mentions_inquiry(inquiry_id: int):
    """List events keep the ids they showed in detail as `"ids": [1, 2, 3]` (json.dumps with
    its default separators); these patterns match one id exactly, not 12 inside 123."""
    i = str(inquiry_id)
    return and_(or_(AuditEvent.action.like("inquiry.list%"), AuditEvent.action.like("privacy.%")), or_(
        AuditEvent.detail.like(f'%"ids": [{i}]%'), AuditEvent.detail.like(f'%"ids": [{i}, %'),
        AuditEvent.detail.like(f'%, {i}, %'), AuditEvent.detail.like(f'%, {i}]%')))


def _conditions(f: LogFilters) -> list:
    conds = []
    if f.user is not None:
        conds.append(AuditEvent.user_id == f.user)
    if f.inquiry is not None:
        conds.append(or_(and_(AuditEvent.object_type == "inquiry", AuditEvent.object_id == str(f.inquiry)),
                         _mentions_inquiry(f.inquiry)))
    if f.action:
        # "inquiry.read" also finds inquiry.read.edit and inquiry.read.conflict
        conds.append(or_(AuditEvent.action == f.action, AuditEvent.action.like(f.action + ".%")))
    start, end = period_bounds(f.date_from, f.date_to)
    if start:
        conds.append(AuditEvent.at >= start)
    if end:
        conds.append(AuditEvent.at < end)
    return conds


@dataclass
class EventPage:
    items: list[AuditEvent]
    total: int
    page: int
    per_page: int
    users: dict[int, User]

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def search_events(actor: User, f: LogFilters, page: int = 1, per_page: int = PER_PAGE) -> EventPage:
    """One page of events, newest first. The look-up is logged (filters only: ids and dates)."""
    page = max(1, page)
    conds = _conditions(f)
    total = db.session.scalar(select(func.count()).select_from(AuditEvent).where(*conds)) or 0
    items = list(db.session.scalars(
        select(AuditEvent).where(*conds).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(per_page).offset((page - 1) * per_page)))
    ids = {e.user_id for e in items if e.user_id is not None}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    _detach(items, users.values())
    with write_transaction():
        record("audit.view", actor, detail={"filters": f.as_args(), "page": page})
    return EventPage(items, total, page, per_page, users)


def known_actions() -> list[str]:
    found = set(db.session.scalars(select(AuditEvent.action).distinct()))
    return sorted(found | set(ACTION_LABELS))


def all_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.name, User.email)))


def detail_text(event: AuditEvent) -> str:
    if not event.detail:
        return ""
    try:
        value = json.loads(event.detail)
    except ValueError:
        return event.detail
    if isinstance(value, dict):
        return "; ".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in value.items())
    return str(value)


# --- the monthly review report -------------------------------------------------------------

@dataclass
class OpenedInquiry:
    inquiry_id: int
    reads: int
    first: dt.datetime
    last: dt.datetime
    exists: bool


@dataclass
class ReviewRow:
    user: User
    inquiries: list[OpenedInquiry]


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return local_midnight_utc(first), local_midnight_utc(following)


def review_report(actor: User, month: dt.date) -> list[ReviewRow]:
    """Per user, the inquiries they opened in the month (Swedish local time) that they neither
    created nor were ever assigned, so a reviewer can ask why. Nothing is judged here: a
    colleague's case opened while covering a shift is normal, and the reviewer decides."""
    from supportline.inquiries.models import Inquiry, TimelineEntry

    start, end = month_bounds(month)
    read_action = or_(*[or_(AuditEvent.action == a, AuditEvent.action.like(a + ".%")) for a in READ_ACTIONS])
    grouped = db.session.execute(
        select(AuditEvent.user_id, AuditEvent.object_id, func.count(), func.min(AuditEvent.at), func.max(AuditEvent.at))
        .where(read_action, AuditEvent.object_type == "inquiry", AuditEvent.user_id.is_not(None),
               AuditEvent.at >= start, AuditEvent.at < end)
        .group_by(AuditEvent.user_id, AuditEvent.object_id)
    ).all()
    reads = [(uid, int(oid), n, first, last) for uid, oid, n, first, last in grouped if (oid or "").isdigit()]
    inquiry_ids = sorted({r[1] for r in reads})
    owners: dict[int, set[int]] = defaultdict(set)
    existing: set[int] = set()
    for chunk in _chunks(inquiry_ids, 500):
        for iid, created_by, assignee in db.session.execute(
                select(Inquiry.id, Inquiry.created_by_id, Inquiry.assignee_id).where(Inquiry.id.in_(chunk))):
            existing.add(iid)
            owners[iid].add(created_by)
            if assignee is not None:
                owners[iid].add(assignee)
        # Anyone the inquiry was ever assigned to, not only the current assignee.
        for iid, detail in db.session.execute(
                select(TimelineEntry.inquiry_id, TimelineEntry.detail)
                .where(TimelineEntry.kind == "assignment", TimelineEntry.inquiry_id.in_(chunk))):
            to = (detail or {}).get("to")
            if isinstance(to, int):
                owners[iid].add(to)
        # Whoever answered a written question (which no user created) has it as their own too.
        for iid, uid in db.session.execute(
                select(TimelineEntry.inquiry_id, TimelineEntry.user_id)
                .where(TimelineEntry.kind == "reply", TimelineEntry.inquiry_id.in_(chunk))):
            owners[iid].add(uid)
    by_user: dict[int, list[OpenedInquiry]] = defaultdict(list)
    for uid, iid, n, first, last in reads:
        if uid in owners.get(iid, set()):
            continue
        by_user[uid].append(OpenedInquiry(iid, n, first, last, iid in existing))
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(list(by_user))))} if by_user else {}
    rows = [ReviewRow(users[uid], sorted(items, key=lambda o: o.inquiry_id))
            for uid, items in by_user.items() if uid in users]
    rows.sort(key=lambda r: (-len(r.inquiries), r.user.display_name.lower()))
    _detach(users.values())
    with write_transaction():
        record("audit.review", actor, detail={"month": month.strftime("%Y-%m"),
                                              "users": len(rows), "inquiries": sum(len(r.inquiries) for r in rows)})
    return rows


def _detach(*groups) -> None:
    """Keep what was read usable after the commit that logs the read (no reload per row)."""
    for group in groups:
        for obj in group:
            db.session.expunge(obj)


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]


# --- CSV export ----------------------------------------------------------------------------

CSV_HEADER = ["id", "tidpunkt_utc", "anvandar_id", "anvandare", "handelse", "objekttyp", "objekt_id",
              "adress", "detaljer"]
def export_csv(date_from: dt.date, date_to: dt.date, out: Path, actor_name: str = "cli") -> int:
    """Write the events of the local days date_from..date_to (inclusive) to `out` as CSV
    (UTF-8 with BOM and ';', which Excel in a Swedish locale opens correctly). The file is
    written beside its target and renamed, so a reader never sees half of it, and is
    readable by its owner only: it names staff and their addresses. Returns the row count."""
    start, end = period_bounds(date_from, date_to)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    fd, tmp_name = tempfile.mkstemp(prefix=".audit-", suffix=".csv", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as fh:
            # The actor of a failed login is typed by whoever tries to log in: untrusted text,
            # which the writer keeps from running as a formula.
            writer = ExcelCsvWriter(fh)
            writer.writerow(CSV_HEADER)
            last_id = 0
            while True:
                # keyset pages: bounded memory whatever the period
                batch = db.session.execute(
                    select(AuditEvent.id, AuditEvent.at, AuditEvent.user_id, AuditEvent.actor, AuditEvent.action,
                           AuditEvent.object_type, AuditEvent.object_id, AuditEvent.remote_addr, AuditEvent.detail)
                    .where(AuditEvent.at >= start, AuditEvent.at < end, AuditEvent.id > last_id)
                    .order_by(AuditEvent.id).limit(5000)).all()
                if not batch:
                    break
                for row in batch:
                    writer.writerow([row.id, row.at.isoformat(), row.user_id, row.actor, row.action,
                                     row.object_type, row.object_id, row.remote_addr,
                                     None if row.detail is None else str(row.detail)])
                count += len(batch)
                last_id = batch[-1].id
        os.chmod(tmp_name, 0o600)
        os.replace(tmp_name, out)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    with write_transaction():
        record("audit.export", None, actor=actor_name,
               detail={"from": date_from.isoformat(), "to": date_to.isoformat(), "rows": count, "file": out.name})
    return count
