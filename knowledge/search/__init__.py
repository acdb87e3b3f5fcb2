"""The Whoosh search index for the knowledge base, behind one facade: SearchIndex.

The parts:

- schema.py: the fields, their weights and the Swedish analysis (stop words, question words,
  English queries);
- matchers.py: the coordinated OR and the synonym group, and the parser without unbounded syntax;
- expansion.py: synonyms and compounds (the lists are knowledge.words'), and parsing a query;
- results.py: Hit and SearchResults;
- storage.py: the index directory (pointer, builds, write lock, full builds, updates, catch-up);
- querying.py: matches, filters, facets, snippets, the help-page rule, spelling suggestions and
  the search that forgives.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

# The names after "as" are re-exported: knowledge/__init__.py, the tests and the benchmark import
# them from knowledge.search, which was one module before.
from ..article import Article
from ..indexing import SpellingWords as SpellingWords
from ..query import Item
from ..scoring import CollectorGeneration, Generation
from ..words import load_synonyms as load_synonyms
from . import querying
from .expansion import Synonyms, _default_synonyms, parse_query
from .expansion import split_compound as split_compound
from .matchers import _DisMaxMatcher as _DisMaxMatcher
from .results import Hit as Hit
from .results import SearchResults
from .schema import SCHEMA_VERSION, weighting
from .schema import STOP_WORDS as STOP_WORDS
from .schema import analyse as analyse
from .schema import make_schema as make_schema
from .schema import swedish_analyzer as swedish_analyzer
from .storage import WRITE_LOCK_TIMEOUT, IndexStore, IndexUnavailable
from .storage import IndexBusy as IndexBusy
from .storage import IndexNeedsRebuild as IndexNeedsRebuild

SEARCH_TIME_LIMIT = 0.5
# The environment's switch between the term-at-a-time scorer and Whoosh's collector.
FAST_SCORING_SETTING = "KNOWLEDGE_FAST_SCORING"


@dataclass
class _ReaderState:
    pid: int
    build: str
    index: object
    searcher: object
    generation: Generation | None = None


class SearchIndex:
    """Build, update and search the article index in a directory.

    One instance per process is enough: each thread gets its own searcher, which is refreshed
    (not reopened) before every search and reopened only after a rebuild has been swapped in.
    """

    def __init__(
        self,
        directory: str | os.PathLike,
        *,
        synonyms: Iterable[list[str]] | None = None,
        time_limit: float = SEARCH_TIME_LIMIT,
        lock_timeout: float = WRITE_LOCK_TIMEOUT,
        fast_scoring: bool | None = None,
    ):
        """`fast_scoring`: score a term at a time (knowledge.scoring, which reads Whoosh's private
        posting internals) rather than with Whoosh's own collector; by default on, unless the
        environment sets KNOWLEDGE_FAST_SCORING=0."""
        self.root = Path(directory)
        self.synonyms = _default_synonyms() if synonyms is None else Synonyms(synonyms)
        self.time_limit = time_limit
        self.lock_timeout = lock_timeout
        # The schema version is read here, not imported into storage, so that a test can pretend
        # this program expects another one.
        self._store = IndexStore(self.root, schema_version=SCHEMA_VERSION, lock_timeout=lock_timeout)
        if fast_scoring is None:
            fast_scoring = os.environ.get(FAST_SCORING_SETTING, "1").strip() != "0"
        self.fast_scoring = fast_scoring
        self._local = threading.local()

    # Reading ----------------------------------------------------------------------------------

    def _searcher(self):
        state: _ReaderState | None = getattr(self._local, "state", None)
        build = self._store.current_build()
        if state is not None and state.pid == os.getpid() and state.build == build:
            with suppress(Exception):
                state.searcher = state.searcher.refresh()
                return state.searcher
        if state is not None and state.pid == os.getpid():
            # A forked child must not close descriptors it shares with its parent.
            with suppress(Exception):
                state.searcher.close()
        self._local.state = None
        build, ix, _meta = self._store.open()
        try:
            searcher = ix.searcher(weighting=weighting())
        except Exception as exc:  # noqa: BLE001
            raise IndexUnavailable(f"sökindexet kan inte läsas: {exc!r}") from exc
        self._local.state = _ReaderState(os.getpid(), build, ix, searcher)
        return searcher

    def _generation(self, searcher) -> Generation:
        """The caches of this thread's current searcher (term scores, facet sets, parsed queries)."""
        state: _ReaderState = self._local.state
        if state.generation is None or state.generation.searcher is not searcher:
            state.generation = (Generation if self.fast_scoring else CollectorGeneration)(searcher)
        return state.generation

    def _reading(self) -> querying.Reading:
        searcher = self._searcher()
        build = self._local.state.build
        return querying.Reading(searcher, self._generation(searcher), self.synonyms,
                                lambda: self._store.spelling(build))

    def _parse(self, items: list[Item], searcher):
        """The Whoosh query for the items, not cached (searches parse through querying.parse)."""
        return parse_query(items, searcher, self.synonyms, {})

    def close(self) -> None:
        state: _ReaderState | None = getattr(self._local, "state", None)
        if state is not None and state.pid == os.getpid():
            state.searcher.close()
        self._local.state = None

    # Writing ----------------------------------------------------------------------------------

    def position(self) -> str | None:
        """How far into the change log of the articles' source the current build has got: a
        token of the source's own making, only ever compared for equality here.

        None when there is no usable build (missing, unreadable, another schema version) or it
        was built without a position: the caller should build afresh.
        """
        return self._store.position()

    def build(self, articles: Iterable[Article], *, position: str | None = None) -> int:
        """Index all articles into a new build and swap it in; returns the number indexed.

        `position` records which change of the source the articles reflect (see apply()).
        """
        with self._store.write_lock():
            return self._store.build_locked(articles, position)

    def update(self, article: Article) -> None:
        """Add or replace one article in the current build."""
        self.apply(upserts=[article])

    def delete(self, slug: str) -> bool:
        """Remove one article; returns whether it was in the index."""
        return self.apply(deletes=[slug]) > 0

    def apply(self, upserts: Iterable[Article] = (), deletes: Iterable[str] = (), *,
              position: str | None = None, lock_timeout: float | None = None) -> int:
        """Replace and remove articles in the current build in one commit; returns how many
        documents were deleted. With `position`, record it as the change the build now reflects.

        Raises IndexUnavailable without a build, IndexBusy when another process holds the lock
        past `lock_timeout`, and OSError when the directory cannot be written (read-only, full):
        in every case the build stays as it was and searchable.
        """
        with self._store.write_lock(lock_timeout):
            return self._store.apply_locked(upserts, deletes, position)

    def catch_up(self, latest: str, all_articles: Callable[[], Iterable[Article]],
                 changes_since: Callable[[str], tuple[Iterable[Article], Iterable[str]] | None], *,
                 lock_timeout: float | None = None) -> str:
        """Bring the index to position `latest` of its source, under the write lock so that
        several processes on one host do the work once: returns "current" when another got
        there first, "applied" after applying `changes_since(position)`, or "rebuilt" after a
        full build from `all_articles()` when there is no usable build or `changes_since`
        answers None (a position the source does not know, as after restoring a database)."""
        return self._store.catch_up(latest, all_articles, changes_since, lock_timeout=lock_timeout)

    # Status and search ------------------------------------------------------------------------

    def status(self) -> dict:
        result = {
            "ok": False,
            "documents": 0,
            "schema_version": None,
            "built_at": None,
            "position": None,
            "error": None,
            "needs_rebuild": True,
            "expected_schema_version": self._store.schema_version,
        }
        try:
            build = self._store.current_build()
            if build is not None:
                meta = self._store.read_meta(build)
                result["schema_version"] = meta.get("schema_version")
                result["built_at"] = meta.get("built_at")
                result["position"] = self.position()
            if getattr(self._local, "state", None) is not None:
                documents = self._searcher().doc_count()
            else:
                # A health check on a throwaway instance must not leave files open.
                _build, ix, _meta = self._store.open()
                with ix.searcher() as searcher:
                    documents = searcher.doc_count()
            result.update(ok=True, documents=documents, needs_rebuild=False)
        except Exception as exc:  # noqa: BLE001 - status reports problems, it never raises them
            result["error"] = str(exc)
        return result

    def search(
        self,
        query: str,
        topic: str | None = None,
        audience: str | None = None,
        page: int = 1,
        pagelen: int = 10,
        include_internal: bool = False,
        forgive: bool = False,
    ) -> SearchResults:
        """Search public (and with include_internal also internal) articles.

        Raises IndexUnavailable when there is no usable index. With an empty query but a topic
        or audience, all articles in it are listed. With forgive, a query that finds nothing but
        has a suggestion that does returns the suggestion's results (marked corrected_from).
        """
        return querying.search(self._reading(), query, topic, audience, page, pagelen, include_internal, forgive)
