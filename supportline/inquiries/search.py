"""Finding inquiries: filters plus free-text search over the case text, behind one function.

Engine choice (figures in bench/RESULTS.md): the database's own search, not Whoosh. The
case text lives in the database, changes a row at a time, must vanish the moment retention
anonymises an inquiry, and must be filtered with the same WHERE as the list, so a second
store would only add a synchronisation problem. Whoosh allows one writer for all web
workers and its phrase/prefix queries were measured at 150 ms to 2 s.

- PostgreSQL: `to_tsvector('swedish', text)` stored in inquiry_search with a GIN index,
  queried with plainto_tsquery('swedish', q) (all words must match).
- SQLite: no Swedish stemmer in FTS5, so the service keeps inquiry_terms, one row per
  Swedish-Snowball-stemmed term (stemming.py, the same algorithm as PostgreSQL), and a
  query is an AND of term lookups on its primary key. A plain table also keeps the schema
  visible to the migrations, which a virtual FTS5 table and its shadow tables are not.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from sqlalchemy import and_, delete, exists, func, insert, or_, select

from supportline.extensions import db
from supportline.inquiries import stemming
from supportline.inquiries import taxonomy as tx
from supportline.inquiries.models import Inquiry, InquiryCode, InquirySearchDocument, InquiryTerm
from supportline.observability.metrics import timed_search
from supportline.privacy.guard import redact
from supportline.query_args import read_date_range, read_id

PER_PAGE = 25
# Counting every match of a broad filter over 100,000 inquiries costs more than the rest of the
# page; beyond this many the list says "fler än 1 000" and pages on without a last page.
COUNT_LIMIT = 1000
TIME_INDEX = "ix_inquiries_received_at_id"


def document_text(inquiry: Inquiry) -> str:
    """The case text that search covers. Never the call-back details."""
    parts = [inquiry.summary, inquiry.advice, inquiry.caller_role, inquiry.caller_organisation]
    parts += [e.text for e in inquiry.timeline if e.kind in {"contact", "note"} and e.text]
    return "\n".join(p for p in parts if p)


def _is_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def index_inquiry(inquiry: Inquiry, text: str | None = None) -> None:
    """Bring the inquiry's search entry up to date, inside the caller's transaction."""
    text = document_text(inquiry) if text is None else text
    if _is_postgresql():
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        vector = func.to_tsvector("swedish", text)
        stmt = pg_insert(InquirySearchDocument).values(inquiry_id=inquiry.id, document=vector)
        db.session.execute(stmt.on_conflict_do_update(index_elements=["inquiry_id"], set_={"document": vector}))
    else:
        db.session.execute(delete(InquiryTerm).where(InquiryTerm.inquiry_id == inquiry.id))
        rows = [{"term": t[:60], "inquiry_id": inquiry.id} for t in stemming.terms(text)]
        if rows:
            db.session.execute(insert(InquiryTerm), rows)


def unindex_inquiry(inquiry_id: int) -> None:
    """Remove an inquiry's text from search (for retention/anonymisation), in the caller's transaction."""
    db.session.execute(delete(InquirySearchDocument).where(InquirySearchDocument.inquiry_id == inquiry_id))
    db.session.execute(delete(InquiryTerm).where(InquiryTerm.inquiry_id == inquiry_id))


def _text_condition(q: str):
    terms = stemming.terms(q)
    if not terms:
        return None
    if _is_postgresql():
        return exists().where(
            InquirySearchDocument.inquiry_id == Inquiry.id,
            InquirySearchDocument.document.op("@@")(func.plainto_tsquery("swedish", q)),
        )
    conditions = [
        Inquiry.id.in_(select(InquiryTerm.inquiry_id).where(InquiryTerm.term == term)) for term in terms[:8]
    ]
    return and_(*conditions)


@dataclass
class Filters:
    q: str = ""
    status: str = ""
    handler: int | None = None
    county: str = ""
    sector: str = ""
    topic: str = ""
    exposure: str = ""
    urgency: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args) -> Filters:
        """Read filters from the query string; unknown values are reported, not silently ignored."""
        f = cls(q=(args.get("q") or "").strip()[:200])
        checks = {"status": tx.STATUSES, "county": tx.COUNTIES, "sector": tx.SECTORS,
                  "topic": tx.QUESTION_TOPICS, "exposure": tx.EXPOSURE_TYPES, "urgency": tx.URGENCIES}
        for name, labels in checks.items():
            value = (args.get(name) or "").strip()
            if value and value not in labels:
                f.errors[name] = "Okänt värde. Välj ett av alternativen."
            else:
                setattr(f, name, value)
        f.handler = read_id(args, "handler", f.errors, "Välj en handläggare i listan.")
        f.date_from, f.date_to = read_date_range(args, f.errors)
        return f

    def as_args(self) -> dict:
        out = {}
        for name in ("q", "status", "handler", "county", "sector", "topic", "exposure", "urgency",
                     "date_from", "date_to"):
            value = getattr(self, name)
            if value not in (None, ""):
                out[name] = value.isoformat() if isinstance(value, dt.date) else value
        return out


@dataclass
class Page:
    items: list
    total: int  # exact when total_exact, else COUNT_LIMIT: there are more
    page: int
    per_page: int
    total_exact: bool = True
    more: bool = False  # rows follow this page

    @property
    def pages(self) -> int:
        """The number of pages when the total is exact; else as many as are known to exist."""
        known = max(1, math.ceil(self.total / self.per_page))
        return known if self.total_exact else max(known, self.page + (1 if self.more else 0))

    @property
    def has_next(self) -> bool:
        return self.more


def _local_midnight_utc(day: dt.date) -> dt.datetime:
    from supportline.inquiries.service import LOCAL_TZ

    return dt.datetime.combine(day, dt.time(0), tzinfo=LOCAL_TZ).astimezone(dt.UTC)


def _conditions(filters: Filters) -> list:
    conds = []
    if filters.status:
        conds.append(Inquiry.status == filters.status)
    if filters.urgency:
        conds.append(Inquiry.urgency == filters.urgency)
    if filters.county:
        conds.append(Inquiry.county_code == filters.county)
    if filters.sector:
        conds.append(Inquiry.caller_sector == filters.sector)
    if filters.handler is not None:
        conds.append(or_(Inquiry.assignee_id == filters.handler, Inquiry.created_by_id == filters.handler))
    for kind, code in (("question_topics", filters.topic), ("exposure_types", filters.exposure)):
        if code:
            conds.append(Inquiry.id.in_(
                select(InquiryCode.inquiry_id).where(InquiryCode.kind == kind, InquiryCode.code == code)))
    if filters.date_from:
        conds.append(Inquiry.received_at >= _local_midnight_utc(filters.date_from))
    if filters.date_to:
        conds.append(Inquiry.received_at < _local_midnight_utc(filters.date_to + dt.timedelta(days=1)))
    if filters.q:
        text = _text_condition(filters.q)
        if text is not None:
            conds.append(text)
    return conds


def search_inquiries(actor, filters: Filters, page: int = 1, per_page: int = PER_PAGE, audit: bool = True) -> Page:
    """One page of inquiries matching the filters, newest first. The hit list is audit-logged."""
    from supportline.inquiries.service import ROW_COLUMNS, InquiryRow, audit_list

    # Bounded: a huge page number overflows the driver's OFFSET (a 500 found by tests/security).
    page = min(max(1, page), 1_000_000)
    conds = _conditions(filters)
    with timed_search("inquiries"):
        matches = select(Inquiry.id).where(*conds).limit(COUNT_LIMIT + 1).subquery()
        total = db.session.scalar(select(func.count()).select_from(matches)) or 0
        fetch = (select(*ROW_COLUMNS).where(*conds).order_by(Inquiry.received_at.desc(), Inquiry.id.desc())
                 .limit(per_page + 1).offset((page - 1) * per_page))
        if total > COUNT_LIMIT and page * per_page <= COUNT_LIMIT:
            # Many matches and an early page: walking the time index meets the page's rows within a
            # few thousand entries, where SQLite's own plan (the filter's index) sorts every match
            # first (18 ms for a common topic over 100,000 inquiries, against 4 ms).
            fetch = fetch.with_hint(Inquiry, f"INDEXED BY {TIME_INDEX}", "sqlite")
        rows = db.session.execute(fetch).all()
    items = [InquiryRow(*r) for r in rows[:per_page]]
    if audit:
        args = filters.as_args()
        if "q" in args:
            # The query text may itself hold what the guard exists to keep out of storage.
            args["q"] = redact(args["q"])[0]
        audit_list(actor, "inquiry.list", [r.id for r in items], {"filters": args, "page": page})
    else:
        db.session.rollback()
    return Page(items, min(total, COUNT_LIMIT), page, per_page, total_exact=total <= COUNT_LIMIT,
                more=len(rows) > per_page)
