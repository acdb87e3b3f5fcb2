"""The index on disk: the pointer to the current build, the write lock, full builds and updates.

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
import json
import os
import secrets
import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import LockError

from ..article import Article
from ..indexing import SPELLING_FILE, read_spelling, spelling_counts, spelling_words
from ..render import index_text
from .schema import STOP_WORDS, make_schema

POINTER = "CURRENT"
META = "meta.json"
# How far into the application's change log a build has got (rewritten by every apply()).
POSITION_FILE = "position.json"
BUILD_PREFIX = "build-"
WRITE_LOCK_TIMEOUT = 15.0
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


class IndexStore:
    """The builds in one index directory and the lock that serialises writing them.

    `schema_version` is the version this program builds and accepts.
    """

    def __init__(self, root: Path, *, schema_version: int, lock_timeout: float = WRITE_LOCK_TIMEOUT):
        self.root = root
        self.schema_version = schema_version
        self.lock_timeout = lock_timeout

    # Locating and opening ---------------------------------------------------------------------

    def current_build(self) -> str | None:
        try:
            name = (self.root / POINTER).read_text(encoding="utf-8").strip()
        except OSError:  # missing, or the directory is not one: no build to read
            return None
        return name if name.startswith(BUILD_PREFIX) and "/" not in name else None

    def read_meta(self, build: str) -> dict:
        try:
            return json.loads((self.root / build / META).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise IndexUnavailable(f"indexets metadata kan inte läsas: {exc}") from exc

    def open(self) -> tuple[str, object, dict]:
        build = self.current_build()
        if build is None:
            raise IndexUnavailable(f"inget sökindex finns i {self.root}")
        meta = self.read_meta(build)
        if meta.get("schema_version") != self.schema_version:
            raise IndexNeedsRebuild(
                f"sökindexet har schemaversion {meta.get('schema_version')!r}, "
                f"programmet kräver {self.schema_version}: bygg om indexet"
            )
        try:
            ix = whoosh_index.open_dir(str(self.root / build))
        except Exception as exc:  # noqa: BLE001 - any failure to open means: fall back and rebuild
            raise IndexUnavailable(f"sökindexet kan inte öppnas: {exc!r}") from exc
        return build, ix, meta

    def position(self) -> str | None:
        """How far into the change log of the articles' source the current build has got: a
        token of the source's own making, only ever compared for equality here.

        None when there is no usable build (missing, unreadable, another schema version) or it
        was built without a position: the caller should build afresh.
        """
        build = self.current_build()
        if build is None:
            return None
        try:
            meta = self.read_meta(build)
        except IndexUnavailable:
            return None
        if meta.get("schema_version") != self.schema_version:
            return None
        try:
            value = json.loads((self.root / build / POSITION_FILE).read_text(encoding="utf-8"))["position"]
        except FileNotFoundError:
            value = meta.get("position")
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return value if isinstance(value, str) else None

    @contextmanager
    def write_lock(self, timeout: float | None = None) -> Iterator[None]:
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

    def build_locked(self, articles: Iterable[Article], position: str | None) -> int:
        previous = self.current_build()
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
            meta = {"schema_version": self.schema_version, "built_at": stamp.isoformat(timespec="seconds"),
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

    def catch_up(self, latest: str, all_articles, changes_since, *, lock_timeout: float | None = None) -> str:
        """SearchIndex.catch_up: a full build or the changes since this build's position."""
        with self.write_lock(lock_timeout):
            position = self.position()
            if position == latest:
                return "current"
            changes = None if position is None else changes_since(position)
            if changes is None:
                self.build_locked(all_articles(), latest)
                return "rebuilt"
            self.apply_locked(*changes, latest)
            return "applied"

    def apply_locked(self, upserts: Iterable[Article], deletes: Iterable[str], position: str | None) -> int:
        documents = [self._document(article) for article in upserts]
        deletes = list(deletes)
        build, ix, _meta = self.open()
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

    def spelling(self, build: str) -> dict[str, Counter]:
        """The spelling words of a build, per visibility."""
        return read_spelling(self.root / build / SPELLING_FILE)


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
