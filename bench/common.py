"""What the knowledge-base benchmarks share: a seeded corpus, seeded queries and small statistics.

The corpus recombines the paragraphs and sentences of the shipped articles (knowledge/content) into
N documents of about 925 words each, with unique slugs and titles. The queries are realistic
questions from tests/knowledge/relevance plus single words, quoted phrases and a few prefixes.
Everything is a pure function of the seed, so two runs (and the in-process and the HTTP benchmark)
use the same documents and the same queries.
"""

from __future__ import annotations

import datetime
import os
import random
import re
import statistics
import sys
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import knowledge  # noqa: E402
from knowledge.relevance import load_questions  # noqa: E402

CONTENT_DIR = ROOT / "knowledge" / "content"
RELEVANCE_DIR = ROOT / "tests" / "knowledge" / "relevance"
RESULTS = ROOT / "bench" / "RESULTS.md"

SEED = 20260401
DOCUMENTS = 2000
WORDS_PER_DOCUMENT = 925
QUERIES = 200
# How the 200 queries are made up.
QUERY_MIX = {"question": 120, "word": 45, "phrase": 25, "prefix": 10}

_WORD = re.compile(r"\w+")
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9])")


def words_in(markdown_text: str) -> int:
    """Approximate number of words a reader sees (link targets are not words)."""
    return len(_WORD.findall(_LINK_TARGET.sub("]", markdown_text)))


@dataclass
class _Pool:
    headings: list[str]
    blocks: list[str]  # paragraphs, lists and tables, as Markdown
    sentences: list[str]  # sentences of plain paragraphs


def _pool(articles: list[knowledge.Article]) -> _Pool:
    headings, blocks, sentences = [], [], []
    for article in articles:
        for block in re.split(r"\n\s*\n", article.body):
            block = block.strip()
            if not block:
                continue
            if block.startswith("#"):
                first = block.splitlines()[0].lstrip("#").strip()
                if first:
                    headings.append(first)
                rest = "\n".join(block.splitlines()[1:]).strip()
                if not rest:
                    continue
                block = rest
            blocks.append(block)
            if not block.startswith(("-", "*", "|", ">")) and not re.match(r"\d+\.", block):
                sentences.extend(s.strip() for s in _SENTENCE_END.split(block.replace("\n", " ")) if len(s) > 30)
    return _Pool(headings, blocks, sentences)


def load_articles() -> list[knowledge.Article]:
    return knowledge.load_directory(CONTENT_DIR)


def make_corpus(
    n: int = DOCUMENTS, words: int = WORDS_PER_DOCUMENT, seed: int = SEED, articles=None
) -> list[knowledge.Article]:
    """n documents recombined from the shipped articles; the same for the same seed."""
    articles = articles if articles is not None else load_articles()
    pool = _pool(articles)
    rng = random.Random(seed)
    corpus = []
    for number in range(1, n + 1):
        primary = articles[(number - 1) % len(articles)]
        # A target around the mean; blocks are added until it is reached.
        target = max(300, int(rng.gauss(words - 40, 90)))
        parts: list[str] = []
        count = 0
        while count < target:
            heading = rng.choice(pool.headings)
            parts.append(f"## {heading}")
            count += words_in(heading)
            for _ in range(rng.randint(2, 4)):
                if rng.random() < 0.3:
                    block = " ".join(rng.sample(pool.sentences, rng.randint(3, 5)))
                else:
                    block = rng.choice(pool.blocks)
                parts.append(block)
                count += words_in(block)
                if count >= target:
                    break
        heading = rng.choice(pool.headings).rstrip(".?!")
        title = f"{primary.title.rstrip('.?!')}: {heading[:1].lower()}{heading[1:]} (nr {number})"
        corpus.append(
            replace(
                primary,
                slug=f"{primary.slug[:80].rstrip('-')}-{number:04d}",
                title=title,
                summary=f"{primary.summary} {rng.choice(pool.sentences)}",
                body="\n\n".join(parts),
                visibility="public",
                reviewed_on=primary.reviewed_on or datetime.date(2026, 1, 1),
            )
        )
    return corpus


def make_queries(n: int = QUERIES, seed: int = SEED, articles=None) -> list[tuple[str, str]]:
    """(kind, query text) pairs: questions, single words, "phrases" and prefix* queries."""
    articles = articles if articles is not None else load_articles()
    rng = random.Random(seed + 1)
    mix = {kind: max(1, round(count * n / QUERIES)) for kind, count in QUERY_MIX.items()}
    mix["question"] = max(0, n - sum(v for k, v in mix.items() if k != "question"))
    questions = [q.q for q in load_questions(RELEVANCE_DIR)]
    stop = knowledge.search.STOP_WORDS
    vocabulary = sorted(
        {
            w.lower()
            for a in articles
            for w in _WORD.findall(f"{a.title} {a.summary} {_LINK_TARGET.sub(']', a.body)}")
            if len(w) >= 5 and w.isalpha() and w.lower() not in stop
        }
    )
    sentences = [s for s in _pool(articles).sentences if "http" not in s and "www" not in s and ".se" not in s]
    out: list[tuple[str, str]] = []
    seen: set[str] = set()

    def add(kind: str, text: str) -> bool:
        if text.casefold() in seen:
            return False
        seen.add(text.casefold())
        out.append((kind, text))
        return True

    for q in rng.sample(questions, min(mix["question"], len(questions))):
        add("question", q)
    while sum(1 for k, _ in out if k == "word") < mix["word"]:
        add("word", rng.choice(vocabulary))
    while sum(1 for k, _ in out if k == "phrase") < mix["phrase"]:
        tokens = [w for w in _WORD.findall(rng.choice(sentences)) if w.isalpha()]
        if len(tokens) < 4:
            continue
        length = rng.choice((2, 2, 3))
        start = rng.randrange(0, len(tokens) - length)
        add("phrase", '"' + " ".join(tokens[start : start + length]) + '"')
    while sum(1 for k, _ in out if k == "prefix") < mix["prefix"]:
        word = rng.choice([w for w in vocabulary if len(w) >= 8])
        add("prefix", word[: rng.randint(4, 6)] + "*")
    rng.shuffle(out)
    return out[:n]


def extra_words(n: int = 500, seed: int = SEED, articles=None) -> list[str]:
    """Distinct content words, appended to the queries to keep HTTP requests distinct."""
    articles = articles if articles is not None else load_articles()
    stop = knowledge.search.STOP_WORDS
    words = sorted(
        {w.lower() for a in articles for w in _WORD.findall(a.summary) if len(w) >= 6 and w.isalpha()} - set(stop)
    )
    random.Random(seed + 2).shuffle(words)
    return words[:n]


# Statistics -------------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), int(-(-p * len(ordered) // 100))))
    return ordered[rank - 1]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "median": statistics.median(values),
        "p95": percentile(values, 95),
        "max": max(values),
        "mean": statistics.fmean(values),
    }


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def load() -> str:
    """The 1-minute load average and the number of CPUs (other processes share this machine)."""
    import os

    return f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"


def today() -> str:
    return datetime.date.today().isoformat()


# --- a scratch database for the benchmarks that seed inquiries ---------------------------------

PG_ADMIN = os.environ.get("SUPPORTLINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def scratch_database(backend: str, tmp: Path):
    """(SQLAlchemy URL, admin connection or None, database name or None): a SQLite file in `tmp`,
    or a new PostgreSQL database of its own, dropped by drop_scratch_database."""
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'bench.db'}", None, None
    import psycopg

    name = f"supportline_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(PG_ADMIN, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + name, admin, name


def drop_scratch_database(app, admin, name) -> None:
    from supportline.extensions import db

    with app.app_context():
        db.engine.dispose()
    if admin is not None:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def log_in(client, email: str, password: str) -> None:
    """Through the login form, as a person does: pages ignore an API token."""
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.status_code
