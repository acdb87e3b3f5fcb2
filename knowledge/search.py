"""The Whoosh search index for the knowledge base.

Layout of an index directory (the root given to SearchIndex):

    root/CURRENT            name of the build readers should use, replaced atomically
    root/build-<time>-<id>/ one complete Whoosh index plus meta.json (schema version, build time)
    root/.write.lock        serialises full builds and in-place updates across processes

A rebuild writes a new build directory and then swaps CURRENT, so readers never see a half-built
index; the previous build is kept so a search that started on it can finish.
"""

from __future__ import annotations

import datetime
import errno
import fcntl
import functools
import heapq
import html
import itertools
import json
import math
import os
import secrets
import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import scoring
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter, Token
from whoosh.fields import ID, KEYWORD, TEXT, Schema
from whoosh.highlight import FIRST, BasicFragmentScorer, Formatter, PinpointFragmenter
from whoosh.index import LockError
from whoosh.lang import stopwords_for_language
from whoosh.matching import CoordMatcher, NullMatcher, UnionMatcher
from whoosh.qparser import (
    BoostPlugin,
    EveryPlugin,
    FieldsPlugin,
    MultifieldParser,
    OrGroup,
    QueryParser,
    RangePlugin,
    SingleQuotePlugin,
    WildcardPlugin,
)
from whoosh.query import CompoundQuery, DisjunctionMax, Every, Not, NullQuery, Or, Term, WrappingQuery
from whoosh.support.charset import accent_map

from . import words
from .article import Article
from .indexing import (
    SPELLING_FILE,
    CachedAnalyzer,
    FastCharacters,
    FastPositions,
    SpellingWords,
    read_spelling,
    spelling_counts,
    spelling_words,
)
from .query import PARSER_KEYWORDS, Item, has_terms, lex, render
from .render import index_text
from .scoring import Generation, positive_terms, register_coordinated_or
from .taxonomy import AUDIENCES, TOPICS
from .words import load_synonyms

# Bump whenever the schema, the analyzer or what is indexed changes: an index built with another
# version is reported as needing a rebuild instead of returning wrong results.
SCHEMA_VERSION = 4

TEXT_FIELDS = ("title", "summary", "body")
POINTER = "CURRENT"
META = "meta.json"
# How far into the application's change log a build has got (rewritten by every apply()).
POSITION_FILE = "position.json"
BUILD_PREFIX = "build-"
SEARCH_TIME_LIMIT = 0.5
WRITE_LOCK_TIMEOUT = 15.0
MAX_PAGE = 100
MAX_PAGELEN = 100
SUGGESTION_WORD_LENGTH = (3, 30)
COORDINATION_SCALE = 0.9
SYNONYM_TIEBREAK = 0.0
# Full builds: the writer's memory pool (a smaller one spills sorted runs to disk and merges
# them in Python), and the corpus size from which two writer processes pay off.
BUILD_LIMIT_MB = 256
PARALLEL_BUILD_DOCUMENTS = 500


class IndexUnavailable(RuntimeError):
    """The index is missing, unreadable or from another schema version; search the database instead."""


class IndexNeedsRebuild(IndexUnavailable):
    """The index was built with another schema version."""


class IndexBusy(RuntimeError):
    """Another process held the index write lock for longer than the timeout."""


# Words that carry no subject in a question typed into the search box ("vad gör jag", "ska vi",
# "måste man"), in addition to Whoosh's Swedish stop words.
QUESTION_WORDS = frozenset(
    "gör göra gjorde ska skall måste bör borde egentligen undrar också ens väl typ liksom".split()
)
STOP_WORDS = frozenset(stopwords_for_language("sv")) | QUESTION_WORDS

# Words that mark a question written in English ("what should I do if …"): English function words
# that are not Swedish words too. The guidance is in Swedish, so such a query is searched with the
# words the index knows, and no spelling suggestion is built from the English ones.
ENGLISH_WORDS = (frozenset(stopwords_for_language("en")) | frozenset(
    "what how why where who which should would could can does did my your our their about help please "
    "child children girl boy school police forced marriage honour honor violence".split()
)) - STOP_WORDS - frozenset(stopwords_for_language("sv")) - {"barn", "skola"}
ENGLISH_MIN_WORDS = 2

# Help pages about the guidance itself ("Så använder du kunskapsbanken"): not results of a search
# unless the query asks for one by its title, or for the topic.
HELP_TOPIC = "help"


def _title_subjects(title_terms: frozenset[str]) -> frozenset[str]:
    """What a help page's title is about: its long terms ("kunskapsbank" and "stödtelefon" in "Så
    använder du kunskapsbanken och stödtelefonen"), not its short verbs and pronouns."""
    return frozenset(term for term in title_terms if len(term) >= 8)


def foreign_language(items: list[Item]) -> bool:
    """Whether a query reads as English rather than Swedish: at least two English function words,
    and more of them than Swedish stop words."""
    words = [word.lower() for item in items if item.kind in ("word", "phrase") for word in item.words]
    english = sum(word in ENGLISH_WORDS for word in words)
    swedish = sum(word in STOP_WORDS for word in words)
    return english >= ENGLISH_MIN_WORDS and english > swedish


def swedish_analyzer():
    # Stemming runs before folding: the Swedish stemmer needs å/ä/ö to find suffixes and vowels,
    # and folding after it makes "ostergotland" and "Östergötland" the same term.
    return (
        RegexTokenizer()
        | LowercaseFilter()
        | StopFilter(stoplist=STOP_WORDS)
        | StemFilter(lang="sv")
        | CharsetFilter(accent_map)
    )


def spelling_analyzer():
    # Spelling suggestions are shown to people, so their words keep their real form.
    return RegexTokenizer() | LowercaseFilter() | StopFilter(stoplist=STOP_WORDS, minsize=3)


# Field weights: a word in the title or the summary says more about what an article answers
# than the same word somewhere in the body.
FIELD_BOOSTS = {"title": 3.0, "summary": 2.0, "body": 1.0}
BM25_K1 = 1.2
BM25_B = {"title": 0.75, "summary": 0.75, "body": 0.75}


def weighting() -> scoring.BM25F:
    return scoring.BM25F(B=BM25_B["body"], K1=BM25_K1, **{f"{name}_B": b for name, b in BM25_B.items()})


def _text_field(analyzer, boost: float, chars: bool = False) -> TEXT:
    field = TEXT(analyzer=analyzer, stored=True, chars=chars, field_boost=boost)
    # The same postings as Whoosh's own formats, built in one pass per field (knowledge.indexing).
    field.format = FastCharacters(field_boost=field.format.field_boost) if chars else FastPositions(
        field_boost=field.format.field_boost
    )
    return field


def make_schema() -> Schema:
    analyzer = CachedAnalyzer(swedish_analyzer())
    return Schema(
        slug=ID(stored=True, unique=True),
        title=_text_field(analyzer, FIELD_BOOSTS["title"]),
        summary=_text_field(analyzer, FIELD_BOOSTS["summary"]),
        body=_text_field(analyzer, FIELD_BOOSTS["body"], chars=True),
        topics=KEYWORD(stored=True, commas=True),
        audiences=KEYWORD(stored=True, commas=True),
        visibility=ID(stored=True),
    )


_ANALYZER = swedish_analyzer()


@functools.lru_cache(maxsize=8192)
def analyse(text: str) -> tuple[str, ...]:
    return tuple(token.text for token in _ANALYZER(text, mode="query"))


class _CoordMatcher(CoordMatcher):
    """Whoosh's coordination bonus, fixed for queries with a single matching term.

    The stock SQR formula multiplies by (terms - 1) / terms, which makes every score 0 when only
    one term of the query exists in the index (typical after synonym expansion), and it
    recounts the terms whenever the matcher is replaced mid-search.
    """

    def __init__(self, child, scale: float = 1.0, termcount: int | None = None):
        super().__init__(child, scale=scale)
        if termcount is not None:
            self._termcount = termcount

    def _replacement(self, newchild):
        return self.__class__(newchild, scale=self._scale, termcount=self._termcount)

    def _sqr(self, score, matching):
        if self._termcount <= 1:
            return score
        return super()._sqr(score, matching)


class _CoordOr(Or):
    def _matcher(self, subs, searcher, context):
        reader = searcher.reader()
        matcher = self._tree_matcher(subs, UnionMatcher, searcher, context, lambda q: q.estimate_size(reader))
        if self.scale and any(matcher.term_matchers()):
            matcher = _CoordMatcher(matcher, scale=self.scale)
        return matcher


register_coordinated_or(_CoordOr._matcher)


class _DisMaxMatcher(UnionMatcher):
    """The union of two matchers, scored by the better one plus tiebreak times the other.

    Whoosh's own DisjunctionMaxMatcher compares the scores of two different documents when its
    sub-matchers are on different postings, so it is not used.
    """

    def __init__(self, a, b, tiebreak: float = 0.0):
        super().__init__(a, b)
        self.tiebreak = tiebreak

    def copy(self):
        return self.__class__(self.a.copy(), self.b.copy(), tiebreak=self.tiebreak)

    def replace(self, minquality=0):
        a, b = self.a, self.b
        if not (a.is_active() or b.is_active()):
            return NullMatcher()
        if not a.is_active():
            return b.replace(minquality)
        if not b.is_active():
            return a.replace(minquality)
        # No pruning below this node: the additive shortcuts of UnionMatcher do not hold for a maximum.
        new_a, new_b = a.replace(), b.replace()
        if new_a is not a or new_b is not b:
            return self.__class__(new_a, new_b, tiebreak=self.tiebreak)
        self._id = None
        return self

    def score(self):
        a, b = self.a, self.b
        if not a.is_active():
            return b.score()
        if not b.is_active():
            return a.score()
        id_a, id_b = a.id(), b.id()
        if id_a < id_b:
            return a.score()
        if id_b < id_a:
            return b.score()
        scores = sorted((a.score(), b.score()))
        return scores[1] + self.tiebreak * scores[0]


class _DisMax(DisjunctionMax):
    # knowledge.scoring evaluates it as the pairwise maximum of _DisMaxMatcher.
    pairwise_max = True

    def _matcher(self, subs, searcher, context):
        # No weighted tree: Whoosh's make_weighted_tree drops the tiebreak argument.
        return self._tree_matcher(subs, _DisMaxMatcher, searcher, context, None, tiebreak=self.tiebreak)


class _ScaledOrGroup(OrGroup):
    """OR grouping with a bonus for documents that match more of the terms."""

    qclass = _CoordOr

    def __init__(self, nodes=None, **kwargs):
        kwargs["scale"] = COORDINATION_SCALE
        super().__init__(nodes=nodes, **kwargs)


# Field, range, wildcard and boost syntax would let anyone run unbounded queries.
_REMOVED_PLUGINS = (FieldsPlugin, WildcardPlugin, RangePlugin, BoostPlugin, EveryPlugin, SingleQuotePlugin)


# Synonyms -------------------------------------------------------------------------------------


class Synonyms:
    """Synonym groups keyed by the analysed form of each expression."""

    def __init__(self, groups: Iterable[list[str]]):
        self.expressions: dict[tuple[str, ...], list[str]] = {}
        for group in groups:
            for expression in group:
                key = analyse(expression)
                if not key:
                    continue
                alternatives = self.expressions.setdefault(key, [])
                alternatives.extend(
                    other for other in group if analyse(other) not in ((), key) and other not in alternatives
                )
        self.longest = max((len(key) for key in self.expressions), default=0)

    def __contains__(self, key: tuple[str, ...]) -> bool:
        return key in self.expressions

    def alternatives(self, key: tuple[str, ...]) -> list[str]:
        return self.expressions.get(key, [])


@functools.cache
def _default_synonyms() -> Synonyms:
    return Synonyms(load_synonyms())


def _parser_word(word: str) -> str:
    return word.lower() if word in PARSER_KEYWORDS else word


def _alternative(expression: str) -> str:
    words = [_parser_word(w) for w in expression.replace('"', " ").split()]
    return words[0] if len(words) == 1 else '"' + " ".join(words) + '"'


def _join(parts: list[str]) -> str:
    return " ".join(parts).replace("( ", "(").replace(" )", ")")


# Compounds ------------------------------------------------------------------------------------

COMPOUND_RARE_DOCS = 0


def split_compound(word: str, known) -> tuple[str, str] | None:
    """Split a compound into two words the index knows, analysed as the index analyses them."""
    return words.split_compound(word, known, analyse)


def _placeholder(number: int) -> str:
    """A word that stands for one expanded group while the rest of the query is parsed."""
    letters = ""
    while True:
        number, digit = divmod(number, 26)
        letters += chr(ord("a") + digit)
        if not number:
            return f"qxq{letters}qxq"


def expand_synonyms(
    items: list[Item],
    synonyms: Synonyms,
    compounds=None,
    groups: list[list[str]] | None = None,
) -> str:
    """The query string for the parser, with each synonym expression ORed with its alternatives.

    compounds(word) may return the two parts of a compound word, which are then searched as an
    alternative to the word itself. With a groups list, each expression with alternatives is
    written as a placeholder word instead, and [expression, *alternatives] is appended to groups.
    """
    parts: list[str] = []

    def emit(original: str, alternatives: list[str]) -> None:
        if not alternatives:
            parts.append(original)
        elif groups is None:
            parts.append("(" + " OR ".join([original, *alternatives]) + ")")
        else:
            parts.append(_placeholder(len(groups)))
            groups.append([original, *alternatives])

    index = 0
    while index < len(items):
        item = items[index]
        if item.kind == "phrase":
            original = '"' + " ".join(_parser_word(w) for w in item.words) + '"'
            emit(original, [_alternative(a) for a in synonyms.alternatives(analyse(" ".join(item.words)))])
            index += 1
            continue
        if item.kind != "word":
            parts.append(render([item]))
            index += 1
            continue
        # Longest run of plain words starting here that is a synonym expression.
        run_end = index
        while run_end < len(items) and items[run_end].kind == "word":
            run_end += 1
        length = 1
        alternatives: list[str] = []
        for candidate in range(min(run_end - index, synonyms.longest + 3), 0, -1):
            words = [items[i].words[0] for i in range(index, index + candidate)]
            key = analyse(" ".join(words))
            if key in synonyms and analyse(words[0]) and analyse(words[-1]):
                length, alternatives = candidate, [_alternative(a) for a in synonyms.alternatives(key)]
                break
        original = " ".join(_parser_word(items[i].words[0]) for i in range(index, index + length))
        if length == 1 and not alternatives and compounds is not None:
            split = compounds(items[index].words[0])
            if split:
                alternatives = ["(" + " AND ".join(_parser_word(w) for w in split) + ")"]
        emit(original, alternatives)
        index += length
    return _join(parts)


# Results ----------------------------------------------------------------------------------------


@dataclass
class Hit:
    slug: str
    title: str
    summary: str
    snippet_html: str
    score: float
    topics: list[str] = field(default_factory=list)
    audiences: list[str] = field(default_factory=list)
    visibility: str = "public"


@dataclass
class SearchResults:
    hits: list[Hit]
    total: int
    page: int
    pages: int
    facets: dict[str, dict[str, int]]
    suggestion: str | None
    query: str
    partial: bool = False
    # The query read as English: only the words the index knows were searched.
    foreign: bool = False
    # Set when the query found nothing and these are the results of its suggestion instead:
    # the query as the reader wrote it.
    corrected_from: str | None = None


class _MarkFormatter(Formatter):
    """Matched terms in <mark>; all other text escaped."""

    between = " … "

    def _text(self, text: str) -> str:
        return html.escape(text, quote=False)

    def format_token(self, text: str, token, replace: bool = False) -> str:
        return "<mark>" + html.escape(text[token.startchar : token.endchar], quote=False) + "</mark>"


@dataclass
class _ReaderState:
    pid: int
    build: str
    index: object
    searcher: object
    generation: Generation | None = None


# The index ------------------------------------------------------------------------------------


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
    ):
        self.root = Path(directory)
        self.synonyms = _default_synonyms() if synonyms is None else Synonyms(synonyms)
        self.time_limit = time_limit
        self.lock_timeout = lock_timeout
        self._local = threading.local()

    # Locating and opening ---------------------------------------------------------------------

    def _current_build(self) -> str | None:
        try:
            name = (self.root / POINTER).read_text(encoding="utf-8").strip()
        except OSError:  # missing, or the directory is not one: no build to read
            return None
        return name if name.startswith(BUILD_PREFIX) and "/" not in name else None

    def _read_meta(self, build: str) -> dict:
        try:
            return json.loads((self.root / build / META).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise IndexUnavailable(f"indexets metadata kan inte läsas: {exc}") from exc

    def _open(self) -> tuple[str, object, dict]:
        build = self._current_build()
        if build is None:
            raise IndexUnavailable(f"inget sökindex finns i {self.root}")
        meta = self._read_meta(build)
        if meta.get("schema_version") != SCHEMA_VERSION:
            raise IndexNeedsRebuild(
                f"sökindexet har schemaversion {meta.get('schema_version')!r}, "
                f"programmet kräver {SCHEMA_VERSION}: bygg om indexet"
            )
        try:
            ix = whoosh_index.open_dir(str(self.root / build))
        except Exception as exc:  # noqa: BLE001 - any failure to open means: fall back and rebuild
            raise IndexUnavailable(f"sökindexet kan inte öppnas: {exc!r}") from exc
        return build, ix, meta

    def _searcher(self):
        state: _ReaderState | None = getattr(self._local, "state", None)
        build = self._current_build()
        if state is not None and state.pid == os.getpid() and state.build == build:
            with suppress(Exception):
                state.searcher = state.searcher.refresh()
                return state.searcher
        if state is not None and state.pid == os.getpid():
            # A forked child must not close descriptors it shares with its parent.
            with suppress(Exception):
                state.searcher.close()
        self._local.state = None
        build, ix, _meta = self._open()
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
            state.generation = Generation(searcher)
        return state.generation

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
        build = self._current_build()
        if build is None:
            return None
        try:
            meta = self._read_meta(build)
        except IndexUnavailable:
            return None
        if meta.get("schema_version") != SCHEMA_VERSION:
            return None
        try:
            value = json.loads((self.root / build / POSITION_FILE).read_text(encoding="utf-8"))["position"]
        except FileNotFoundError:
            value = meta.get("position")
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return value if isinstance(value, str) else None

    @contextmanager
    def _write_lock(self, timeout: float | None = None) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + (self.lock_timeout if timeout is None else timeout)
        with open(self.root / ".write.lock", "a+b") as handle:
            while True:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                        raise
                    if time.monotonic() >= deadline:
                        raise IndexBusy(f"sökindexet i {self.root} är låst av en annan process") from exc
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def _writer(self, ix):
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                return ix.writer(timeout=1.0, delay=0.05)
            except LockError as exc:
                if time.monotonic() >= deadline:
                    raise IndexBusy(f"sökindexets skrivlås i {self.root} är upptaget") from exc

    @staticmethod
    def _document(article: Article) -> dict[str, str]:
        body = index_text(article.body)
        return {
            "slug": article.slug,
            "title": article.title,
            "summary": article.summary,
            "body": body,
            "topics": ",".join(article.topics),
            "audiences": ",".join(article.audiences),
            "visibility": article.visibility,
        }

    def build(self, articles: Iterable[Article], *, position: str | None = None) -> int:
        """Index all articles into a new build and swap it in; returns the number indexed.

        `position` records which change of the source the articles reflect (see apply()).
        """
        with self._write_lock():
            return self._build_locked(articles, position)

    def _build_locked(self, articles: Iterable[Article], position: str | None) -> int:
        previous = self._current_build()
        stamp = datetime.datetime.now(datetime.UTC)
        name = f"{BUILD_PREFIX}{stamp:%Y%m%dT%H%M%S%f}-{secrets.token_hex(4)}"
        path = self.root / name
        path.mkdir()
        try:
            articles = list(articles)
            procs = _build_procs(len(articles))
            ix = whoosh_index.create_in(str(path), make_schema())
            # Several processes only for a large build in a single-threaded process (the CLI);
            # each writes its own segment (multisegment: no merge pass afterwards).
            if procs > 1:
                writer = ix.writer(procs=procs, multisegment=True, limitmb=BUILD_LIMIT_MB, batchsize=50)
            else:
                writer = ix.writer(procs=1, limitmb=BUILD_LIMIT_MB)
            seen: set[str] = set()
            words: dict[str, Counter] = {}
            try:
                for article in articles:
                    if article.slug in seen:
                        raise ValueError(f"sluggen {article.slug!r} förekommer flera gånger")
                    seen.add(article.slug)
                    document = self._document(article)
                    words.setdefault(document["visibility"], Counter()).update(_spelling_words(document))
                    writer.add_document(**document)
            except BaseException:
                writer.cancel()
                raise
            if procs > 1:
                writer.commit(merge=False)
            else:
                writer.commit(optimize=True)
            with ix.searcher() as searcher:
                # A sub-process that died would silently leave its segment out.
                if searcher.doc_count() != len(seen):
                    raise RuntimeError(f"sökindexet fick {searcher.doc_count()} av {len(seen)} artiklar")
            ix.close()
            _write_spelling(path / SPELLING_FILE, words)
            meta = {"schema_version": SCHEMA_VERSION, "built_at": stamp.isoformat(timespec="seconds"),
                    "position": position}
            _write_atomic(path / META, json.dumps(meta))
            _write_atomic(self.root / POINTER, name)
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        self._remove_old_builds(keep={name, previous})
        return len(seen)

    def _remove_old_builds(self, keep: set[str | None]) -> None:
        for path in self.root.glob(f"{BUILD_PREFIX}*"):
            if path.name not in keep and path.is_dir():
                shutil.rmtree(path, ignore_errors=True)

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
        with self._write_lock(lock_timeout):
            return self._apply_locked(upserts, deletes, position)

    def catch_up(self, latest: str, all_articles: Callable[[], Iterable[Article]],
                 changes_since: Callable[[str], tuple[Iterable[Article], Iterable[str]] | None], *,
                 lock_timeout: float | None = None) -> str:
        """Bring the index to position `latest` of its source, under the write lock so that
        several processes on one host do the work once: returns "current" when another got
        there first, "applied" after applying `changes_since(position)`, or "rebuilt" after a
        full build from `all_articles()` when there is no usable build or `changes_since`
        answers None (a position the source does not know, as after restoring a database)."""
        with self._write_lock(lock_timeout):
            position = self.position()
            if position == latest:
                return "current"
            changes = None if position is None else changes_since(position)
            if changes is None:
                self._build_locked(all_articles(), latest)
                return "rebuilt"
            self._apply_locked(*changes, latest)
            return "applied"

    def _apply_locked(self, upserts: Iterable[Article], deletes: Iterable[str], position: str | None) -> int:
        documents = [self._document(article) for article in upserts]
        deletes = list(deletes)
        build, ix, _meta = self._open()
        # The words of what is replaced or removed leave the spelling list with it (an archived
        # or internal article's words must never be suggested to a public reader).
        with ix.searcher() as searcher:
            replaced = [stored for slug in dict.fromkeys([*deletes, *(d["slug"] for d in documents)])
                        if (stored := searcher.document(slug=slug)) is not None]
        writer = self._writer(ix)
        deleted = 0
        try:
            for slug in deletes:
                deleted += writer.delete_by_term("slug", slug)
            for document in documents:
                writer.update_document(**document)
            writer.commit()
        except BaseException:
            # Also after a failed commit (a full disk): release Whoosh's own lock, or every
            # later writer would wait for it in vain.
            with suppress(Exception):
                writer.cancel()
            lock = getattr(writer, "writelock", None)
            if lock is not None and not writer.is_closed:  # cancel() itself failed to write
                with suppress(Exception):
                    lock.release()
                writer.is_closed = True
            raise
        if documents or replaced:
            spelling_path = self.root / build / SPELLING_FILE
            spelling = read_spelling(spelling_path)
            for stored in replaced:
                spelling.setdefault(stored.get("visibility", "public"), Counter()).subtract(_spelling_words(stored))
            for document in documents:
                spelling.setdefault(document["visibility"], Counter()).update(_spelling_words(document))
            _write_spelling(spelling_path, spelling)
        if position is not None:
            _write_atomic(self.root / build / POSITION_FILE, json.dumps({"position": position}))
        return deleted

    # Reading ----------------------------------------------------------------------------------

    def status(self) -> dict:
        result = {
            "ok": False,
            "documents": 0,
            "schema_version": None,
            "built_at": None,
            "position": None,
            "error": None,
            "needs_rebuild": True,
            "expected_schema_version": SCHEMA_VERSION,
        }
        try:
            build = self._current_build()
            if build is not None:
                meta = self._read_meta(build)
                result["schema_version"] = meta.get("schema_version")
                result["built_at"] = meta.get("built_at")
                result["position"] = self.position()
            if getattr(self._local, "state", None) is not None:
                documents = self._searcher().doc_count()
            else:
                # A health check on a throwaway instance must not leave files open.
                _build, ix, _meta = self._open()
                with ix.searcher() as searcher:
                    documents = searcher.doc_count()
            result.update(ok=True, documents=documents, needs_rebuild=False)
        except Exception as exc:  # noqa: BLE001 - status reports problems, it never raises them
            result["error"] = str(exc)
        return result

    def _parse(self, items: list[Item], searcher, generation: Generation | None = None):
        """The Whoosh query for the items; cached per searcher generation (compounds depend on it)."""
        if generation is None:
            return self._parse_uncached(items, searcher, {})
        key = tuple(items)
        return generation.parsed_query(key, lambda: self._parse_uncached(items, searcher, generation.parsers))

    def _parse_uncached(self, items: list[Item], searcher, parsers: dict):
        parser = parsers.get(None)
        if parser is None:
            parser = parsers[None] = MultifieldParser(list(TEXT_FIELDS), searcher.schema, group=_ScaledOrGroup)
            for plugin in _REMOVED_PLUGINS:
                parser.remove_plugin_class(plugin)
        reader = searcher.reader()

        def frequency(term: str) -> int:
            return max(reader.doc_frequency(name, term) for name in TEXT_FIELDS)

        def compounds(word: str) -> tuple[str, str] | None:
            key = analyse(word)
            if len(key) != 1 or frequency(key[0]) > COMPOUND_RARE_DOCS:
                return None
            return split_compound(word, lambda term: frequency(term) > 0)

        groups: list[list[str]] = []
        q = parser.parse(expand_synonyms(items, self.synonyms, compounds, groups))
        if not groups:
            return q
        # Each group matches like one term: the best of its alternatives counts, so a concept with
        # many synonyms does not outweigh the other words of the question.
        placeholders = {_placeholder(number): group for number, group in enumerate(groups)}
        def field_query(fieldname: str, text: str):
            if fieldname not in parsers:
                field_parser = QueryParser(fieldname, searcher.schema, group=_ScaledOrGroup)
                for plugin in _REMOVED_PLUGINS:
                    field_parser.remove_plugin_class(plugin)
                parsers[fieldname] = field_parser
            return parsers[fieldname].parse(text)

        def replace(node):
            if isinstance(node, Term) and node.text in placeholders:
                alternatives = [field_query(node.fieldname, text) for text in placeholders[node.text]]
                alternatives = [alt for alt in alternatives if alt is not NullQuery]
                if not alternatives:
                    return NullQuery
                return _DisMax(alternatives, boost=node.boost, tiebreak=SYNONYM_TIEBREAK)
            # In place: Query.apply would copy the groups without their coordination scale.
            if isinstance(node, CompoundQuery):
                node.subqueries = [replace(sub) for sub in node.subqueries]
            elif isinstance(node, (Not, WrappingQuery)):
                node.query = replace(node.query)
            return node

        return replace(q)

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
        items = lex(query)
        normalised = render(items)
        page = min(max(int(page or 1), 1), MAX_PAGE)
        pagelen = min(max(int(pagelen or 10), 1), MAX_PAGELEN)
        searcher = self._searcher()
        foreign = foreign_language(items)
        empty = SearchResults([], 0, page, 0, {"topics": {}, "audiences": {}}, None, normalised, foreign=foreign)
        if (topic and topic not in TOPICS) or (audience and audience not in AUDIENCES):
            return empty
        generation = self._generation(searcher)
        allow, restrict = self._filters(generation, topic, audience, include_internal)
        if foreign:
            items = [item for item in items if item.kind == "word" and self._visible(searcher, item, restrict)]
        if has_terms(items):
            q = self._parse(items, searcher, generation)
            if q is NullQuery:
                return empty
        elif topic or audience:
            q = Every()
        else:
            return empty

        matches = self._run(generation, q, allow, restrict)
        if topic != HELP_TOPIC:
            matches = self._without_help(searcher, generation, matches, items)
        if not has_terms(items):
            matches = self._listing_order(searcher, matches)
        total = len(matches)
        facets = self._facets(generation, matches)
        # Highest score first, then index order (as Whoosh's collector ranks ties).
        top = heapq.nsmallest(page * pagelen, matches.items(), key=lambda pair: (-pair[1], pair[0]))
        shown = top[(page - 1) * pagelen : page * pagelen]
        documents = {docnum: searcher.stored_fields(docnum) for docnum, _score in shown}
        texts = {docnum: document.get("body") or "" for docnum, document in documents.items()}
        snippets = self._snippets(generation, q, texts) if has_terms(items) else {}
        hits = []
        for docnum, score in shown:
            stored = documents[docnum]
            snippet = snippets.get(docnum, "")
            hits.append(
                Hit(
                    slug=stored["slug"],
                    title=stored["title"],
                    summary=stored["summary"],
                    snippet_html=snippet or html.escape(stored["summary"], quote=False),
                    score=float(score or 0.0),
                    topics=_split_codes(stored.get("topics")),
                    audiences=_split_codes(stored.get("audiences")),
                    visibility=stored.get("visibility", "public"),
                )
            )
        suggest = has_terms(items) and not foreign
        suggestion = self._suggest(searcher, generation, items, allow, restrict) if suggest else None
        if forgive and not total and suggestion:
            corrected = self.search(suggestion, topic, audience, page, pagelen, include_internal)
            if corrected.total:
                corrected.corrected_from = normalised
                return corrected
        return SearchResults(
            hits=hits,
            total=total,
            page=page,
            pages=math.ceil(total / pagelen),
            facets=facets,
            suggestion=suggestion,
            query=normalised,
            partial=False,
            foreign=foreign,
        )

    @staticmethod
    def _visible(searcher, item: Item, restrict) -> bool:
        """Whether a word occurs in an article the reader may see."""
        reader = searcher.reader()
        for token in analyse(" ".join(item.words)):
            for name in TEXT_FIELDS:
                if reader.doc_frequency(name, token) and (not restrict or any(
                        docnum not in restrict for docnum in reader.postings(name, token).all_ids())):
                    return True
        return False

    @staticmethod
    def _without_help(searcher, generation: Generation, matches: dict[int, float], items: list[Item]):
        """The matches without help pages, except one the query asks for by its title: the query holds
        every word of the title, or one of the title's subjects (its long words, such as
        "kunskapsbanken" or "stödtelefonen")."""
        help_docs = generation.docset("topics", HELP_TOPIC) & matches.keys()
        if not help_docs:
            return matches
        wanted = {token for item in items if item.kind in ("word", "phrase") and item.op != "NOT"
                  for token in analyse(" ".join(item.words))}
        titles = getattr(generation, "help_titles", None)
        if titles is None:  # per searcher generation: the stored fields are costly to read each time
            titles = generation.help_titles = {}
        for docnum in help_docs - titles.keys():
            titles[docnum] = frozenset(analyse(searcher.stored_fields(docnum).get("title", "")))
        keep = {docnum for docnum in help_docs
                if wanted and (wanted <= titles[docnum] or _title_subjects(titles[docnum]) & wanted)}
        return {docnum: score for docnum, score in matches.items() if docnum not in help_docs or docnum in keep}

    @staticmethod
    def _listing_order(searcher, matches: dict[int, float]) -> dict[int, float]:
        """A topic or audience listed without a query: first steps first, then the articles written
        for fewest audiences (the most specific), then by title."""
        def rank(docnum: int) -> tuple:
            stored = searcher.stored_fields(docnum)
            title = stored.get("title", "")
            return (not title.startswith("Första steg"), len(_split_codes(stored.get("audiences"))), title.lower())

        ordered = sorted(matches, key=rank)
        # Scores that sort like the ranks (search() orders by score, then by document number).
        return {docnum: float(len(ordered) - position) for position, docnum in enumerate(ordered)}

    def _facets(self, generation: Generation, matches: dict[int, float]) -> dict[str, dict[str, int]]:
        """Counts per topic and audience over all matches, from document sets cached per generation."""
        return {
            "topics": _counts(generation, matches, "topics", TOPICS),
            "audiences": _counts(generation, matches, "audiences", AUDIENCES),
        }

    def _filters(self, generation: Generation, topic, audience, include_internal: bool):
        """The documents a topic/audience filter allows (None: all) and those hidden (None: none)."""
        allow = None
        for name, value in (("topics", topic), ("audiences", audience)):
            if value:
                docs = generation.docset(name, value)
                allow = docs if allow is None else allow & docs
        restrict = None if include_internal else generation.docset("visibility", "internal")
        return allow, restrict

    def _run(self, generation: Generation, q, allow, restrict) -> dict[int, float]:
        """{docnum: score} of every matching document the filters let through."""
        matches = generation.matches(q)
        if allow is not None:
            matches = {docnum: score for docnum, score in matches.items() if docnum in allow}
        if restrict:
            matches = {docnum: score for docnum, score in matches.items() if docnum not in restrict}
        return matches

    def _snippets(self, generation: Generation, q, texts: dict[int, str]) -> dict[int, str]:
        """Highlighted body fragments of the shown hits.

        The character offsets come from the postings of the query's body terms, which the term
        cache keeps with the scores (the blocks are decoded for scoring anyway), so only the
        shown hits' offsets are decoded.
        """
        terms = positive_terms(q, "body")
        if not texts or not terms:
            return {}
        chars = generation.characters("body", terms, list(texts))
        fragmenter = PinpointFragmenter(maxchars=240, surround=60, autotrim=True)
        formatter = _MarkFormatter()
        scorer = BasicFragmentScorer()
        charlimit = fragmenter.charlimit
        out = {}
        for docnum, text in texts.items():
            tokens = [
                Token(text=word, pos=pos, startchar=startchar, endchar=endchar)
                for word, positions in chars.get(docnum, {}).items()
                for pos, startchar, endchar in positions
                if not (charlimit and endchar > charlimit)
            ]
            if not tokens:
                continue
            # As whoosh.highlight.Highlighter.highlight_hit does with pinpoint highlighting.
            tokens.sort(key=lambda t: t.startchar)
            tokens = [
                max(group, key=lambda t: t.endchar - t.startchar)
                for _key, group in itertools.groupby(tokens, lambda t: t.startchar)
            ]
            # The two best fragments (the earlier one on equal scores: Whoosh's top_fragments breaks
            # ties by comparing fragment objects, which is not deterministic), in text order.
            scored = [(scorer(fragment), fragment) for fragment in fragmenter.fragment_matches(text, tokens)]
            scored.sort(key=lambda pair: (-pair[0], pair[1].startchar))
            best = sorted((fragment for score, fragment in scored[:2] if score >= 1), key=FIRST)
            out[docnum] = formatter.format(best)
        return out

    def _spelling(self, generation: Generation, include_internal: bool) -> SpellingWords:
        """The words a reader may be offered: those of public articles, and for staff also those of
        internal ones."""
        cache = getattr(generation, "spelling", None)
        if cache is None:
            state: _ReaderState = self._local.state
            by_visibility = read_spelling(self.root / state.build / SPELLING_FILE)
            public = by_visibility.get("public", Counter())
            every = sum(by_visibility.values(), Counter())
            cache = generation.spelling = {False: SpellingWords(public), True: SpellingWords(every)}
        return cache[include_internal]

    def _suggest(self, searcher, generation: Generation, items: list[Item], allow, restrict) -> str | None:
        """A corrected query when a word is in no article the reader may see and a correction
        finds something. Both the words offered and the check that a word is known go by what the
        reader may see, so neither confirms a word that only an internal article holds."""
        corrector = None
        corrected: list[Item] = []
        changed = False
        for item in items:
            if item.kind not in ("word", "phrase"):
                corrected.append(item)
                continue
            words = []
            for word in item.words:
                words.append(word)
                key = analyse(word)
                low, high = SUGGESTION_WORD_LENGTH
                if not key or key in self.synonyms or not low <= len(word) <= high:
                    continue
                if self._visible(searcher, Item("word", (word,)), restrict):
                    continue
                if corrector is None:
                    corrector = self._spelling(generation, include_internal=restrict is None)
                suggestion = corrector.suggest(word.lower(), maxdist=2, prefix=1)
                if suggestion:
                    words[-1] = suggestion
                    changed = True
            corrected.append(Item(item.kind, tuple(words), item.op))
        if not changed:
            return None
        q = self._parse(corrected, searcher, generation)
        return render(corrected) if self._run(generation, q, allow, restrict) else None


def _spelling_words(document: dict[str, str]) -> Counter:
    """The words of a document the spelling list counts (stop words and short words left out)."""
    words = Counter(spelling_words((document["title"], document["summary"], document["body"])))
    return Counter(spelling_counts(words, STOP_WORDS))


def _write_spelling(path: Path, by_visibility: dict[str, Counter]) -> None:
    data = {visibility: {word: count for word, count in sorted(words.items()) if count > 0}
            for visibility, words in by_visibility.items()}
    _write_atomic(path, json.dumps(data, ensure_ascii=False))


def _build_procs(documents: int) -> int:
    """Writer processes for a full build: 2 for a large corpus in a single-threaded process.

    Forking is only safe when no other thread can hold a lock at the time, so a threaded web or
    clock process builds in one process; KNOWLEDGE_INDEX_PROCS=1 turns the extra process off.
    """
    try:
        wanted = int(os.environ.get("KNOWLEDGE_INDEX_PROCS", "2"))
    except ValueError:
        wanted = 1
    if documents < PARALLEL_BUILD_DOCUMENTS or threading.active_count() > 1:
        return 1
    return max(1, min(wanted, os.cpu_count() or 1, 2))


def _split_codes(value: str | None) -> list[str]:
    return [code for code in (value or "").split(",") if code]


def _counts(generation: Generation, matches: dict[int, float], name: str, known: dict[str, str]) -> dict[str, int]:
    counts = {}
    keys = matches.keys()
    for code, docs in generation.values(name).items():
        if code in known:
            count = len(keys & docs)
            if count:
                counts[code] = count
    return dict(sorted(counts.items(), key=lambda pair: (-pair[1], pair[0])))


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
