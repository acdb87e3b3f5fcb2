"""Articles: import, export, edit with revisions, publish, feedback and search.

Every change takes the acting user, writes the audit log and keeps the search index
(a cache of the database) in step.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import os
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.orm import defer

import knowledge
from knowledge.contact import PLACEHOLDER_ONLY_IN_BODY, unknown_placeholder_message
from supportline.audit.service import record
from supportline.dates import today_local
from supportline.db import utcnow
from supportline.extensions import db
from supportline.inquiries.models import TimelineEntry
from supportline.kb.contact import line_contact
from supportline.kb.index_sync import log_head, record_change, sync_index
from supportline.kb.models import ARTICLE_STATUSES, Article, ArticleFeedback, ArticleRevision
from supportline.observability.metrics import timed_search
from supportline.transactions import write_transaction

REVIEW_INTERVAL = dt.timedelta(days=365)
FIELDS = ("slug", "title", "summary", "body", "topics", "audiences", "visibility", "sources",
          "reviewed_on", "reviewed_by", "review_note", "in_force_since")
_DATES = ("reviewed_on", "in_force_since")


class ArticleConflict(Exception):
    """Someone saved the article after the editor opened it."""

    def __init__(self, current: Article):
        super().__init__("stale version")
        self.current = current


class ArticleInvalid(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


# --- conversion between the library's Article and the database row --------------

def to_doc(row: Article) -> knowledge.Article:
    return knowledge.Article(
        slug=row.slug, title=row.title, summary=row.summary, body=row.body,
        topics=list(row.topics or []), audiences=list(row.audiences or []), visibility=row.visibility,
        sources=[knowledge.Source(**s) for s in row.sources or []],
        reviewed_on=row.reviewed_on, reviewed_by=row.reviewed_by, review_note=row.review_note,
        in_force_since=row.in_force_since,
    )


def _source_dict(source: knowledge.Source) -> dict:
    data = {"publisher": source.publisher, "title": source.title, "year": source.year, "url": source.url}
    if source.kind:
        # Only when set, so the rows of articles without one compare equal to their files.
        data["kind"] = source.kind
    return data


def _doc_fields(doc: knowledge.Article) -> dict:
    return {
        "slug": doc.slug, "title": doc.title, "summary": doc.summary, "body": doc.body,
        "topics": list(doc.topics), "audiences": list(doc.audiences), "visibility": doc.visibility,
        "sources": [_source_dict(s) for s in doc.sources],
        "reviewed_on": doc.reviewed_on, "reviewed_by": doc.reviewed_by, "review_note": doc.review_note,
        "in_force_since": doc.in_force_since,
    }


def _snapshot(row: Article) -> dict:
    data = {name: getattr(row, name) for name in FIELDS}
    for name in _DATES:
        data[name] = getattr(row, name).isoformat() if getattr(row, name) else None
    data["status"] = row.status
    return data


def _add_revision(row: Article, actor, note: str) -> ArticleRevision:
    number = (db.session.scalar(select(func.max(ArticleRevision.number))
                                .where(ArticleRevision.article_id == row.id)) or 0) + 1
    revision = ArticleRevision(article_id=row.id, number=number, data=_snapshot(row), note=note[:300],
                               user_id=actor.id if actor is not None else None)
    db.session.add(revision)
    record_change(row.slug)
    return revision


def validate(doc: knowledge.Article) -> None:
    """Raise ArticleInvalid with Swedish messages per field."""
    try:
        knowledge.validate_article(doc)
    except knowledge.ArticleError as exc:
        raise ArticleInvalid({_field_of(exc.message): exc.message}) from None
    errors = {}
    for name in ("title", "summary"):
        if knowledge.contact.PLACEHOLDER_RE.search(getattr(doc, name) or ""):
            errors[name] = PLACEHOLDER_ONLY_IN_BODY
    unknown = knowledge.unknown_placeholders(doc.body or "")
    if unknown:
        message = unknown_placeholder_message(unknown[0])
        errors["body"] = message[0].upper() + message[1:] + "."
    if errors:
        raise ArticleInvalid(errors)


def _field_of(message: str) -> str:
    lowered = message.lower()
    for name, words in [("slug", ["slug", "adress"]), ("summary", ["sammanfattning", "summary"]),
                        ("title", ["titel", "rubrik", "title"]), ("sources", ["källa", "source"]),
                        ("in_force_since", ["in_force_since"]), ("review_note", ["review_note"]),
                        ("reviewed_on", ["granskad", "reviewed"]), ("topics", ["ämne", "topic"]),
                        ("audiences", ["målgrupp", "audience"]), ("body", ["text", "body"])]:
        if any(w in lowered for w in words):
            return name
    return "body"


# --- reading ------------------------------------------------------------------

def get_article(slug: str, *, include_unpublished: bool = False, include_internal: bool = False) -> Article | None:
    row = db.session.scalar(select(Article).where(Article.slug == slug))
    if row is None:
        return None
    if not include_unpublished and row.status != "published":
        return None
    if row.visibility == "internal" and not include_internal:
        return None
    return row


def published_articles(include_internal: bool = False) -> list[Article]:
    """For lists (titles, summaries, topics): the bodies, the bulk of each row, are not loaded."""
    query = (select(Article).options(defer(Article.body), defer(Article.sources))
             .where(Article.status == "published").order_by(Article.title))
    if not include_internal:
        query = query.where(Article.visibility == "public")
    return list(db.session.scalars(query))


def published_slugs() -> set[str]:
    return {item.slug for item in _listing(True)}


def content_position() -> str:
    """The articles' change log head (every revision adds a row), looked up once per request:
    what a public page shows can only change when it moves."""
    from flask import g

    if "kb_position" not in g:
        g.kb_position = log_head()
    return g.kb_position


@dataclass(frozen=True)
class Listed:
    """A published article as lists and "related articles" need it: no body, no ORM object."""

    id: int
    slug: str
    title: str
    topics: frozenset
    audiences: frozenset
    visibility: str


# The published articles per (database, change-log head): loading and decoding every row on
# each article view cost most of the view's time with a few hundred articles.
_listings: dict[tuple, tuple[Listed, ...]] = {}
_LISTINGS_KEPT = 8


def _listing(include_internal: bool) -> tuple[Listed, ...]:
    key = (str(db.engine.url), content_position())
    every = _listings.get(key)
    if every is None:
        rows = db.session.execute(select(Article.id, Article.slug, Article.title, Article.topics, Article.audiences,
                                         Article.visibility).where(Article.status == "published")
                                  .order_by(Article.title))
        every = tuple(Listed(r.id, r.slug, r.title, frozenset(r.topics or ()), frozenset(r.audiences or ()),
                             r.visibility) for r in rows)
        if len(_listings) >= _LISTINGS_KEPT:
            _listings.clear()
        _listings[key] = every
    return every if include_internal else tuple(item for item in every if item.visibility == "public")


def rendered_body(row: Article) -> str:
    """The article's sanitised HTML. Rendering and sanitising take several milliseconds, so each
    process keeps the result for this text and this set of published articles (a link to an
    article that is not published is not made a link). The key is the text with the line's
    contact already filled in, so a changed contact setting never shows a stale rendering."""
    return _render_cached(knowledge.expand(row.body, line_contact()), frozenset(published_slugs()))


def shown_doc(row: Article) -> knowledge.Article:
    """The article as readers and the search index see it: contact placeholders filled in."""
    return knowledge.expand_article(to_doc(row), line_contact())


# About 4 ms per article of a few pages; 1,024 rendered articles of ~10 KB each are ~10 MB a process.
@functools.lru_cache(maxsize=1024)
def _render_cached(body: str, slugs: frozenset) -> str:
    return knowledge.render_markdown(body, known_slugs=set(slugs))


def related_articles(row: Article, include_internal: bool, limit: int = 4) -> list[Listed]:
    """Published articles sharing most topics, then audiences, with this one."""
    return list(_related(content_position(), str(db.engine.url), row.id, frozenset(row.topics or ()),
                         frozenset(row.audiences or ()), include_internal, limit))


@functools.lru_cache(maxsize=1024)
def _related(position: str, database: str, article_id: int, topics: frozenset, audiences: frozenset,
             include_internal: bool, limit: int) -> tuple[Listed, ...]:
    def score(other: Listed) -> tuple:
        return (len(topics & other.topics), len(audiences & other.audiences), -other.id)

    ranked = sorted((a for a in _listing(include_internal) if a.id != article_id), key=score, reverse=True)
    return tuple(a for a in ranked if score(a)[0] > 0)[:limit]


# Views counted by this process and not yet written, per database: when a case is in the news,
# one write transaction per read would queue every reader of the same article on one row.
_pending_views: dict[str, Counter] = {}
_views_written_at: dict[str, float] = {}
_views_lock = threading.Lock()


def count_view(article_id: int) -> None:
    """Count a read; the counts reach the database at most every SUPPORTLINE_VIEW_FLUSH_SECONDS
    per process (a restarted process loses at most that many seconds of counts)."""
    from flask import current_app

    database = str(db.engine.url)
    now = time.monotonic()
    with _views_lock:
        _pending_views.setdefault(database, Counter())[article_id] += 1
        written = _views_written_at.setdefault(database, now)
        due = now - written >= current_app.config["SUPPORTLINE_VIEW_FLUSH_SECONDS"]
    if due:
        write_views()


def write_views() -> None:
    """Write this process's pending view counts to the database, in one transaction."""
    database = str(db.engine.url)
    with _views_lock:
        pending = _pending_views.pop(database, Counter())
        _views_written_at[database] = time.monotonic()
    if not pending:
        return
    with write_transaction():
        for article_id, count in sorted(pending.items()):
            db.session.execute(Article.__table__.update().where(Article.id == article_id)
                               .values(views=Article.views + count))


def most_read(limit: int = 6, include_internal: bool = False) -> list[Article]:
    query = select(Article).where(Article.status == "published").order_by(Article.views.desc(), Article.title)
    if not include_internal:
        query = query.where(Article.visibility == "public")
    return list(db.session.scalars(query.limit(limit)))


def topic_counts(include_internal: bool = False) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in published_articles(include_internal):
        for code in row.topics or []:
            counts[code] = counts.get(code, 0) + 1
    return counts


def due_for_review(today: dt.date | None = None) -> list[dict]:
    """Articles whose last review is over a year old, or that readers said did not help."""
    today = today or today_local()
    limit = today - REVIEW_INTERVAL
    no_counts = dict(db.session.execute(
        select(ArticleFeedback.article_id, func.count()).where(ArticleFeedback.helpful.is_(False))
        .group_by(ArticleFeedback.article_id)).all())
    rows = db.session.scalars(select(Article).where(Article.status != "archived").order_by(Article.title))
    due = []
    for row in rows:
        reasons = []
        if row.reviewed_on is None or row.reviewed_on < limit:
            reasons.append("Granskningen är äldre än 12 månader")
        if no_counts.get(row.id):
            reasons.append(f"{no_counts[row.id]} svar \"nej\" på \"Var detta till hjälp?\"")
        if reasons:
            due.append({"article": row, "reasons": reasons})
    return due


# --- changing -----------------------------------------------------------------

def _slug_taken(slug: str, clash: Article) -> str:
    return f"Adressen \"{slug}\" används redan av artikeln \"{clash.title}\"."


def save_article(actor, doc: knowledge.Article, *, article_id: int | None = None,
                 expected_version: int | None = None, note: str = "") -> Article:
    """Create or update an article as a new revision. Raises ArticleInvalid or ArticleConflict."""
    validate(doc)
    with write_transaction():
        clash = db.session.scalar(select(Article).where(Article.slug == doc.slug))
        if article_id is None:
            if clash is not None:
                raise ArticleInvalid({"slug": _slug_taken(doc.slug, clash)})
            row = Article(status="draft", version=1, **_doc_fields(doc))
            db.session.add(row)
            db.session.flush()
            action = "article.create"
        else:
            row = db.session.get(Article, article_id)
            if row is None:
                raise ArticleInvalid({"slug": "Artikeln finns inte längre."})
            if expected_version is not None and row.version != expected_version:
                raise ArticleConflict(row)
            if clash is not None and clash.id != row.id:
                raise ArticleInvalid({"slug": _slug_taken(doc.slug, clash)})
            old_slug = row.slug
            for name, value in _doc_fields(doc).items():
                setattr(row, name, value)
            row.version += 1
            row.updated_at = utcnow()
            action = "article.update"
            if old_slug != row.slug:
                record_change(old_slug)
        _add_revision(row, actor, note or ("Skapad" if article_id is None else "Ändrad"))
        record(action, actor, object_type="article", object_id=row.id,
               detail={"slug": row.slug, "version": row.version})
    sync_index(force=True)
    return row


def set_status(actor, row: Article, status: str) -> None:
    if status not in ARTICLE_STATUSES:
        raise ArticleInvalid({"status": "Okänd status."})
    with write_transaction():
        row = db.session.get(Article, row.id)
        old = row.status
        row.status = status
        row.version += 1
        row.updated_at = utcnow()
        _add_revision(row, actor, f"Status: {ARTICLE_STATUSES[old]} → {ARTICLE_STATUSES[status]}")
        record("article.status", actor, object_type="article", object_id=row.id, detail={"from": old, "to": status})
    sync_index(force=True)


def _doc_from_snapshot(data: dict) -> knowledge.Article:
    return knowledge.Article(
        **{name: data.get(name) for name in FIELDS if name != "sources" and name not in _DATES},
        sources=[knowledge.Source(**source) for source in data.get("sources") or []],
        **{name: dt.date.fromisoformat(data[name]) if data.get(name) else None for name in _DATES},
    )


def restore_revision(actor, row: Article, number: int) -> Article:
    revision = db.session.scalar(select(ArticleRevision).where(
        ArticleRevision.article_id == row.id, ArticleRevision.number == number))
    if revision is None:
        raise ArticleInvalid({"revision": "Versionen finns inte."})
    return save_article(actor, _doc_from_snapshot(revision.data), article_id=row.id,
                        note=f"Återställd från version {number}")


def revision_diff(row: Article, number: int) -> list[tuple[str, str]]:
    """Lines of the change from revision number-1 to number, each tagged ' ', '+' or '-'."""
    revisions = {r.number: r for r in row.revisions}
    if number not in revisions:
        return []

    def lines(revision: ArticleRevision | None) -> list[str]:
        if revision is None:
            return []
        data = revision.data
        # Topics and audiences are sets: an order that differs is no change.
        head = [f"{name}: {sorted(value) if isinstance(value := data.get(name), list) else value}"
                for name in (*FIELDS, "status") if name not in ("body", "sources")]
        sources = [f"källa: {' | '.join(str(v) for v in s.values() if v)}" for s in data.get("sources") or []]
        return [*head, *sources, "", *(data.get("body") or "").splitlines()]

    diff = difflib.ndiff(lines(revisions.get(number - 1)), lines(revisions[number]))
    return [(line[0], line[2:]) for line in diff if line[:1] in {" ", "+", "-"}]


def record_feedback(row: Article, helpful: bool, comment: str | None) -> str | None:
    """Store a yes/no answer. Returns the comment as stored (personal data removed)."""
    from supportline.privacy.guard import redact

    comment = (comment or "").strip()[:2000] or None
    if comment:
        comment, _count = redact(comment)
    with write_transaction():
        db.session.add(ArticleFeedback(article_id=row.id, helpful=helpful, comment=comment))
    return comment


def times_linked(row: Article) -> int:
    """How many times handlers have pointed a caller to this article (timeline links), counted
    in the index on the link's slug."""
    return db.session.scalar(select(func.count()).select_from(TimelineEntry).where(
        TimelineEntry.article_slug == row.slug, TimelineEntry.kind == "article_link")) or 0


def feedback_summary(row: Article) -> dict:
    yes = db.session.scalar(select(func.count()).where(ArticleFeedback.article_id == row.id,
                                                       ArticleFeedback.helpful.is_(True))) or 0
    no = db.session.scalar(select(func.count()).where(ArticleFeedback.article_id == row.id,
                                                      ArticleFeedback.helpful.is_(False))) or 0
    comments = db.session.scalars(select(ArticleFeedback).where(
        ArticleFeedback.article_id == row.id, ArticleFeedback.comment.is_not(None))
        .order_by(ArticleFeedback.created_at.desc()).limit(50)).all()
    return {"yes": yes, "no": no, "comments": comments}


# --- import and export ----------------------------------------------------------

@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # (slug, why): articles an editor has changed, archived or unpublished since they were
    # imported, or made in the editor in the first place; the files do not overwrite them.
    skipped: list[tuple[str, str]] = field(default_factory=list)


def _changed_since_import(row: Article) -> str | None:
    """Why the database copy is no longer the imported one, or None if it still is."""
    if row.imported_version is None:
        return "inte skriven av en import (skapad i redaktören eller överlämnad)"
    if row.version == row.imported_version:
        return None
    if row.status != "published":
        return f"{ARTICLE_STATUSES[row.status].lower()} i redaktören (version {row.version})"
    return f"ändrad i redaktören efter importen (version {row.version})"


def import_directory(actor, directory: str | os.PathLike) -> ImportReport:
    """Load every article file in DIR, all or nothing: new articles are published, and an
    article is updated only while its database copy is still the one an import wrote, so
    the files never overwrite an editor's newer revision or republish an archived article.

    Raises knowledge.ArticleError naming the file and line of the first bad file; in
    that case nothing is imported.
    """
    docs = knowledge.load_directory(directory)
    report = ImportReport()
    with write_transaction():
        existing = {row.slug: row for row in db.session.scalars(select(Article))}
        for doc in docs:
            fields = _doc_fields(doc)
            row = existing.get(doc.slug)
            if row is None:
                row = Article(status="published", version=1, imported_version=1, **fields)
                db.session.add(row)
                db.session.flush()
                _add_revision(row, actor, "Importerad")
                report.created.append(doc.slug)
            elif all(getattr(row, k) == v for k, v in fields.items()) and row.status == "published":
                report.unchanged.append(doc.slug)
            elif (reason := _changed_since_import(row)) is not None:
                report.skipped.append((doc.slug, reason))
            else:
                for name, value in fields.items():
                    setattr(row, name, value)
                row.status = "published"
                row.version += 1
                row.imported_version = row.version
                row.updated_at = utcnow()
                _add_revision(row, actor, "Importerad (ändrad)")
                report.updated.append(doc.slug)
        record("article.import", actor, detail={"directory": str(directory), "created": len(report.created),
                                                "updated": len(report.updated), "skipped": len(report.skipped)})
    return report


def export_directory(directory: str | os.PathLike) -> list[Path]:
    rows = db.session.scalars(select(Article).where(Article.status != "archived").order_by(Article.slug))
    return knowledge.write_directory([to_doc(r) for r in rows], directory)


# --- search -------------------------------------------------------------------

def _index():
    from supportline.kb.search_index import get_index

    return get_index()


def reindex() -> int:
    """Rebuild this host's whole index from the database (published articles only)."""
    sync_index(rebuild=True)
    return _index().status()["documents"]


@dataclass
class FallbackResults:
    """Plain database search, used when the index is missing or unreadable."""

    hits: list
    total: int
    page: int
    pages: int
    facets: dict
    suggestion: str | None
    query: str
    degraded: bool = True


@dataclass
class FallbackHit:
    slug: str
    title: str
    summary: str
    snippet_html: str
    score: float = 0.0


def search(query: str, *, topic: str | None = None, audience: str | None = None, page: int = 1,
           pagelen: int = 10, include_internal: bool = False, forgive: bool = False):
    """Search the guidance; with forgive, a query without hits gets its suggestion's results."""
    sync_index()
    with timed_search("knowledge"):
        try:
            results = _index().search(query, topic=topic, audience=audience, page=page, pagelen=pagelen,
                                      include_internal=include_internal, forgive=forgive)
            results.degraded = False
            return results
        except knowledge.IndexUnavailable:
            return _fallback_search(query, topic, audience, page, pagelen, include_internal)


def _fallback_search(query, topic, audience, page, pagelen, include_internal) -> FallbackResults:
    from markupsafe import escape

    text = knowledge.normalise_query(query)
    words = [w.strip('"()') for w in text.split() if w.upper() not in {"AND", "OR", "NOT"}][:8]
    stmt = select(Article).where(Article.status == "published")
    if not include_internal:
        stmt = stmt.where(Article.visibility == "public")
    for word in words:
        if word:
            like = f"%{word}%"
            stmt = stmt.where(or_(Article.title.ilike(like), Article.summary.ilike(like), Article.body.ilike(like)))
    rows = [r for r in db.session.scalars(stmt.order_by(Article.title))
            if (not topic or topic in (r.topics or [])) and (not audience or audience in (r.audiences or []))]
    total = len(rows)
    pages = max(1, -(-total // pagelen))
    page = min(max(page, 1), pages)
    chosen = rows[(page - 1) * pagelen: page * pagelen]
    hits = [FallbackHit(r.slug, r.title, r.summary, str(escape(r.summary))) for r in chosen]
    return FallbackResults(hits, total, page, pages, {"topics": {}, "audiences": {}}, None, text)
