"""Finding inquiries: filters plus free-text search over the case text, behind one function.

Engine choice (figures in bench/RESULTS.md): a table in the database, not Whoosh. The case
text lives in the database, changes a row at a time, must vanish the moment retention
anonymises an inquiry, and must be filtered with the same WHERE as the list, so a second
store would only add a synchronisation problem. Whoosh allows one writer for all web workers
and its phrase/prefix queries were measured at 150 ms to 2 s.

Both databases keep inquiry_terms, one row per Swedish-Snowball-stemmed term (stemming.py,
the algorithm of PostgreSQL's `swedish` configuration), and a query is an AND of term
lookups on its primary key. SQLite's FTS5 has no Swedish stemmer. PostgreSQL's own
tsvector with a GIN index was used before: it must visit a table row for every hit, where
B-tree term lists are intersected with a filter by merge joins of index-only scans (on
100,000 inquiries, a search with a county filter: 10 ms for the candidates against 2-3 ms).
The tsvector is still written for one release, for the previous version's sake.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    Table,
    bindparam,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
)

from supportline.dates import local_midnight_utc
from supportline.extensions import db
from supportline.inquiries import stemming
from supportline.inquiries import taxonomy as tx
from supportline.inquiries.models import Inquiry, InquiryCode, InquirySearchDocument, InquiryTerm
from supportline.inquiries.queries import ROW_COLUMNS, InquiryRow, audit_list
from supportline.observability.metrics import timed_search
from supportline.privacy.guard import redact
from supportline.query_args import read_date_range, read_id
from supportline.transactions import end_read, write_transaction

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


def code_labels(sector: str | None, codes) -> list[str]:
    """The Swedish labels of an inquiry's codes ((kind, code) pairs) and sector, which search
    covers too: a handler looks for "utomlands", not for the code `abroad`."""
    labels = [tx.SECTORS[sector]] if sector in tx.SECTORS else []
    labels += [tx.CODE_KINDS[kind][code] for kind, code in codes
               if kind in tx.CODE_KINDS and code in tx.CODE_KINDS[kind]]
    return labels


def _is_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def index_inquiry(inquiry: Inquiry, text: str | None = None) -> None:
    """Bring the inquiry's search entry up to date, inside the caller's transaction."""
    text = document_text(inquiry) if text is None else text
    db.session.execute(delete(InquiryTerm).where(InquiryTerm.inquiry_id == inquiry.id))
    labels = code_labels(inquiry.caller_sector, [(c.kind, c.code) for c in inquiry.codes])
    rows = [{"term": term, "inquiry_id": inquiry.id} for term in stemming.index_terms(text, labels)]
    if rows:
        db.session.execute(insert(InquiryTerm), rows)
    if _is_postgresql():
        # For the previous release, which searches this (see InquirySearchDocument).
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        vector = func.to_tsvector("swedish", text)
        stmt = pg_insert(InquirySearchDocument).values(inquiry_id=inquiry.id, document=vector)
        db.session.execute(stmt.on_conflict_do_update(index_elements=["inquiry_id"], set_={"document": vector}))


def unindex_inquiry(inquiry_id: int) -> None:
    """Remove an inquiry's text from search (for retention/anonymisation), in the caller's transaction."""
    db.session.execute(delete(InquiryTerm).where(InquiryTerm.inquiry_id == inquiry_id))
    db.session.execute(delete(InquirySearchDocument).where(InquirySearchDocument.inquiry_id == inquiry_id))


def reindex_inquiries(changed_since: dt.datetime | None = None, batch: int = 500) -> int:
    """Write the search terms of every inquiry again (or of those changed since a time), a
    batch per transaction; anonymised inquiries stay out. Returns how many were indexed."""
    last_id, done = 0, 0
    while True:
        query = select(Inquiry).where(Inquiry.id > last_id, Inquiry.anonymised_at.is_(None))
        if changed_since is not None:
            query = query.where(Inquiry.updated_at >= changed_since)
        with write_transaction():
            rows = list(db.session.scalars(query.order_by(Inquiry.id).limit(batch)))
            for inquiry in rows:
                index_inquiry(inquiry)
        if not rows:
            return done
        done += len(rows)
        last_id = rows[-1].id


@dataclass
class Filters:
    q: str = ""
    status: str = ""
    handler: int | None = None
    county: str = ""
    sector: str = ""
    topic: str = ""
    exposure: str = ""
    outcome: str = ""
    urgency: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args) -> Filters:
        """Read filters from the query string; unknown values are reported, not silently ignored."""
        f = cls(q=(args.get("q") or "").strip()[:200])
        checks = {"status": tx.STATUSES, "county": tx.COUNTIES, "sector": tx.SECTORS,
                  "topic": tx.QUESTION_TOPICS, "exposure": tx.EXPOSURE_TYPES, "outcome": tx.OUTCOMES,
                  "urgency": tx.URGENCIES}
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
        for name in ("q", "status", "handler", "county", "sector", "topic", "exposure", "outcome", "urgency",
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


class _Source:
    """A set of inquiry ids that every match belongs to, which can be read as a list from an
    index of its own, or asked about one id at a time (a primary-key lookup)."""

    def __init__(self, table: Table, criteria: Callable[[Any], list], id_column: str = "inquiry_id",
                 probe_index: str | None = None):
        self.table, self.criteria, self.id_column, self.probe_index = table, criteria, id_column, probe_index

    def probe(self, inquiry_id) -> ColumnElement:
        query = select(literal(1)).where(self.table.c[self.id_column] == inquiry_id, *self.criteria(self.table.c))
        if self.probe_index:
            query = query.with_hint(self.table, f"INDEXED BY {self.probe_index}", "sqlite")
        return query.exists()

    def listing(self, alias: bool = False):
        """The ids as a SELECT of one column, and that column. An alias lets the same table be
        probed inside the listing (two search terms)."""
        table = self.table.alias() if alias else self.table
        return select(table.c[self.id_column]).where(*self.criteria(table.c)), table.c[self.id_column]


class _Match:
    """The filters as SQL: conditions on the inquiry's own columns, and lists it must be on
    (a question topic, an exposure type, an outcome, each search term)."""

    def __init__(self, filters: Filters):
        self.filters = filters
        self.columns = self.columns_of(Inquiry.__table__.c)
        self.lists: list[_Source] = []
        for kind, code in (("question_topics", filters.topic), ("exposure_types", filters.exposure),
                           ("outcomes", filters.outcome)):
            if code:
                self.lists.append(_Source(InquiryCode.__table__, lambda c, kind=kind, code=code: [c.kind == kind,
                                                                                                  c.code == code]))
        for term in stemming.query_terms(filters.q, _known_terms)[:8]:
            self.lists.append(_Source(InquiryTerm.__table__, lambda c, term=term: [c.term == term[:60]]))

    def columns_of(self, row) -> list:
        """The conditions on the inquiry's own columns (`row` is the columns of inquiries)."""
        f, conditions = self.filters, []
        if f.status:
            conditions.append(row.status == f.status)
        if f.urgency:
            conditions.append(row.urgency == f.urgency)
        if f.county:
            conditions.append(row.county_code == f.county)
        if f.sector:
            conditions.append(row.caller_sector == f.sector)
        if f.handler is not None:
            conditions.append(or_(row.assignee_id == f.handler, row.created_by_id == f.handler))
        if f.date_from:
            conditions.append(row.received_at >= local_midnight_utc(f.date_from))
        if f.date_to:
            conditions.append(row.received_at < local_midnight_utc(f.date_to + dt.timedelta(days=1)))
        return conditions

    def _covering_index(self) -> str | None:
        """An index of (column, id) for one of the filter's columns, the most selective first. A
        lookup of an id in it stays within a compact index where SQLite would otherwise read the
        inquiry's row: a search term combined with a county, on a cold page cache, 3 ms against 10."""
        f = self.filters
        for column, value in (("county_code", f.county), ("caller_sector", f.sector), ("status", f.status),
                              ("urgency", f.urgency)):
            if value:
                return f"ix_inquiries_{column}_id"
        return None

    def conditions(self) -> list:
        """The WHERE of a query over inquiries."""
        return [*self.columns, *(source.probe(Inquiry.id) for source in self.lists)]

    def candidates(self, limit: int):
        """A SELECT of the ids of up to `limit` matches, in no particular order."""
        if _is_postgresql() or not self.lists:
            # PostgreSQL's planner has statistics on how long each list is.
            return select(Inquiry.id).where(*self.conditions()).limit(limit)
        # SQLite has none, and its own plan copies every list into a temporary table first (6 ms
        # for a common topic over 100,000 inquiries). Instead the shortest source is read from its
        # index and each id looked up in the others, which ends after `limit` matches (0.6 ms).
        sources = list(self.lists)
        if self.columns:
            sources.append(_Source(Inquiry.__table__, self.columns_of, id_column="id",
                                   probe_index=self._covering_index()))
        if len(sources) > 1:
            lengths = _capped_lengths(sources)
            sources = [sources[i] for i in sorted(range(len(sources)), key=lengths.__getitem__)]
        driver, *others = sources
        listing, driver_id = driver.listing(alias=any(other.table is driver.table for other in others))
        return listing.where(*(source.probe(driver_id) for source in others)).limit(limit)


def _known_terms(candidates: set[str]) -> set[str]:
    """Which of these terms some inquiry has, in one statement (for splitting compounds)."""
    found = select(InquiryTerm.term).where(InquiryTerm.term.in_(sorted(candidates))).distinct()
    return set(db.session.scalars(found))


# Enough to tell a short list from a long one: reading this many index entries costs about 0.2 ms.
SIZE_PROBE = 2000


def _capped_lengths(sources: list[_Source]) -> list[int]:
    """How long each list is, up to SIZE_PROBE, in one statement."""
    counts = [select(func.count()).select_from(source.listing()[0].limit(SIZE_PROBE).subquery()).scalar_subquery()
              for source in sources]
    return list(db.session.execute(select(*counts)).one())


def _listed(ids: list[int]):
    """The ids as a table of one column `id`, bound as one parameter: as a thousand parameters of
    an IN they cost SQLAlchemy about 1 ms to render, and PostgreSQL chose to walk the time index
    testing each row against the list (6 ms, against 1.3 ms for this join)."""
    if _is_postgresql():
        return func.unnest(bindparam("ids", ids, type_=ARRAY(Integer))).table_valued("id").render_derived()
    listed = func.json_each(json.dumps(ids)).table_valued("value")
    return select(listed.c.value.label("id")).subquery()


def search_inquiries(actor, filters: Filters, page: int = 1, per_page: int = PER_PAGE, audit: bool = True) -> Page:
    """One page of inquiries matching the filters, newest first. The hit list is audit-logged."""
    # Bounded: a huge page number overflows the driver's OFFSET (a 500 found by tests/security).
    page = min(max(1, page), 1_000_000)
    match = _Match(filters)
    newest_first = (Inquiry.received_at.desc(), Inquiry.id.desc())
    with timed_search("inquiries"):
        if _is_postgresql():
            # A page of 25 rows never earns back starting parallel workers: when a sampled
            # ANALYZE made the planner expect a long walk of the time index, it chose a Gather
            # Merge that took 11 ms where the same walk alone takes 1 ms.
            db.session.execute(select(func.set_config("max_parallel_workers_per_gather", "0", True)))
        ids = db.session.scalars(match.candidates(COUNT_LIMIT + 1)).all()
        total = len(ids)
        offset = (page - 1) * per_page
        if total <= COUNT_LIMIT:
            # Every match is known: the page is read by id, without evaluating the filters again.
            listed = _listed(ids)
            fetch = (select(*ROW_COLUMNS).select_from(listed).join(Inquiry, Inquiry.id == listed.c.id)
                     .order_by(*newest_first).limit(per_page + 1).offset(offset))
        else:
            # The page's ids first, read along the time index, then only those rows: a deep page
            # on PostgreSQL no longer reads every row it skips (page 200: 0.6 ms against 4.4).
            page_ids = (select(Inquiry.id).where(*match.conditions()).order_by(*newest_first)
                        .limit(per_page + 1).offset(offset).correlate(None))
            if page * per_page <= COUNT_LIMIT:
                # Many matches and an early page: walking the time index meets the page's rows
                # within a few thousand entries, where SQLite's own plan (the filter's index) sorts
                # every match first (18 ms for a common topic over 100,000 inquiries, against 4 ms).
                page_ids = page_ids.with_hint(Inquiry, f"INDEXED BY {TIME_INDEX}", "sqlite")
            fetch = select(*ROW_COLUMNS).where(Inquiry.id.in_(page_ids)).order_by(*newest_first)
        rows = db.session.execute(fetch).all() if ids else []
    items = [InquiryRow(*r) for r in rows[:per_page]]
    if audit:
        args = filters.as_args()
        if "q" in args:
            # The query text may itself hold what the guard exists to keep out of storage.
            args["q"] = redact(args["q"])[0]
        audit_list(actor, "inquiry.list", [r.id for r in items], {"filters": args, "page": page})
    else:
        end_read()
    return Page(items, min(total, COUNT_LIMIT), page, per_page,
                total_exact=total <= COUNT_LIMIT, more=len(rows) > per_page)
