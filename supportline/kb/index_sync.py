"""Keeping this host's search index in step with the database.

Every web host keeps its own Whoosh index on local disk: a cache of the published articles.
Each article change adds a row to the change log (kb_index_changes) in the same transaction;
a host applies the rows after its index's position, so an article saved on one host is
searchable on every host within SUPPORTLINE_INDEX_SYNC_SECONDS. A missing index, one of
another schema version or one ahead of the database (a restored backup) is rebuilt.

When the index cannot be written (read-only or full disk), search goes on from the build it
has and /healthz says how far behind it is.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
import time
from dataclasses import dataclass

from flask import current_app, g
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

import knowledge
from supportline.db import utcnow
from supportline.extensions import db
from supportline.kb.models import Article, IndexChange
from supportline.kb.search_index import get_index

logger = logging.getLogger(__name__)


@dataclass
class SyncState:
    """What this process knows of its host's index, for /healthz and /metrics."""

    checked_at: float = -math.inf  # time.monotonic() of the last look at the change log
    latest: str | None = None  # the change log's head at that look (see log_head)
    position: str | None = None  # the head the index reflects
    synced_at: dt.datetime | None = None
    error: str | None = None

    @property
    def lag(self) -> int | None:
        """Changes the index is behind by (None when unknown)."""
        latest, position = _parse(self.latest), _parse(self.position)
        if latest is None or position is None:
            return None
        return max(0, latest[0] - position[0])

    def as_dict(self) -> dict:
        return {"position": self.position, "latest_change": self.latest, "lag": self.lag,
                "synced_at": self.synced_at.isoformat(timespec="seconds") if self.synced_at else None,
                "sync_error": self.error}


_states: dict[str, SyncState] = {}
_states_lock = threading.Lock()


def sync_state(app=None) -> SyncState:
    key = str((app or current_app).config["SUPPORTLINE_INDEX_DIR"])
    with _states_lock:
        return _states.setdefault(key, SyncState())


def record_change(*slugs: str) -> None:
    """Log that these articles changed; call inside the transaction that changes them."""
    for slug in dict.fromkeys(slugs):
        db.session.add(IndexChange(slug=slug))
    # The head looked up earlier in this request or job (kb.service.content_position) is old now.
    g.pop("kb_position", None)


def _published(slugs: set[str] | None = None) -> list[knowledge.Article]:
    from supportline.kb.service import shown_doc

    stmt = select(Article).where(Article.status == "published")
    if slugs is not None:
        stmt = stmt.where(Article.slug.in_(slugs))
    return [shown_doc(row) for row in db.session.scalars(stmt.order_by(Article.slug))]


def _position(change_id: int, changed_at: dt.datetime) -> str:
    return f"{change_id}@{changed_at.isoformat()}"


def log_head() -> str:
    """The change log's position as "<newest id>@<its time>".

    The time tells this log's change from another log's change of the same number (a new
    database, or a restored backup that has since numbered new changes again), so an index
    never takes another log's position for its own.
    """
    newest = db.session.execute(select(IndexChange.id, IndexChange.changed_at)
                                .order_by(IndexChange.id.desc()).limit(1)).first()
    return _position(*newest) if newest else "0@-"


def _head() -> str:
    """The position an index in step with this database and this contact setting has:
    log_head() and the contact's fingerprint, so a changed number or opening hours makes
    every host rebuild its index (the expanded text is indexed) without an article change."""
    from supportline.kb.contact import line_contact

    return f"{log_head()}#{line_contact().fingerprint}"


def _parse(position: str | None) -> tuple[int, str] | None:
    try:
        number, origin = (position or "").split("@", 1)
        return int(number), origin
    except ValueError:
        return None


def _changes_since(position: str) -> tuple[list[knowledge.Article], list[str]] | None:
    """The articles to replace and the slugs to remove since `position`, or None when the
    position is not a change in this database's log (another database, a restored backup,
    a position ahead of the log): rebuild."""
    position, _hash, fingerprint = (position or "").partition("#")
    from supportline.kb.contact import line_contact

    if fingerprint != line_contact().fingerprint:
        return None
    there = _parse(position)
    if there is None:
        return None
    if there[0] > 0:
        stamp = db.session.scalar(select(IndexChange.changed_at).where(IndexChange.id == there[0]))
        if stamp is None or _position(there[0], stamp) != position:
            return None
    slugs = set(db.session.scalars(select(IndexChange.slug).where(IndexChange.id > there[0])))
    upserts = _published(slugs) if slugs else []
    return upserts, sorted(slugs - {article.slug for article in upserts})


def sync_index(app=None, *, force: bool = False, rebuild: bool = False) -> SyncState:
    """Apply the change log to this host's index if it is behind.

    Without `force`, looks at the database at most every SUPPORTLINE_INDEX_SYNC_SECONDS and
    never waits for another process of this host that is already applying the same changes.
    `rebuild` builds the whole index afresh (`supportline kb reindex`) and raises what fails.
    """
    app = app or current_app
    state = sync_state(app)
    now = time.monotonic()
    if not (force or rebuild) and now - state.checked_at < app.config["SUPPORTLINE_INDEX_SYNC_SECONDS"]:
        return state
    state.checked_at = now
    index = get_index(app)
    try:
        # Read the log's head before the articles: a change committed in between is applied
        # again next time, never missed.
        latest = _head()
        if rebuild:
            index.build(_published(), position=latest)
        elif index.position() != latest:
            outcome = index.catch_up(latest, _published, _changes_since, lock_timeout=None if force else 0.0)
            if outcome != "current":
                logger.info("search index %s to change %s", outcome, latest)
        state.latest, state.position, state.synced_at, state.error = latest, latest, utcnow(), None
    except knowledge.IndexBusy:
        pass  # another process of this host holds the lock and is doing the same work
    except (OSError, knowledge.IndexUnavailable, SQLAlchemyError) as exc:
        if rebuild:
            raise
        if isinstance(exc, SQLAlchemyError):
            db.session.rollback()
        else:
            state.latest = latest
            state.position = index.position()
        if state.error is None:
            logger.warning("search index not brought up to date: %s", type(exc).__name__)
        state.error = f"{type(exc).__name__}: {exc}"[:300]
    return state
