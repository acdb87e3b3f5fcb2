"""The inquiry search stems Swedish in Python on both databases; it must give the stems
PostgreSQL's own Swedish Snowball dictionary gives, over the vocabulary the line works with."""

import re
from pathlib import Path

import psycopg

from supportline.inquiries import seed, stemming
from tests.conftest import PG_ADMIN_URL

ROOT = Path(__file__).resolve().parents[2]


def _vocabulary() -> set[str]:
    texts = [path.read_text(encoding="utf-8") for path in (ROOT / "knowledge" / "content").glob("*.md")]
    for table in (seed.ROLES, seed.EXPOSURE_PHRASES, seed.TOPIC_PHRASES, seed.ADVICE_PHRASES):
        texts += [value for value in table.values() if value]
    words = set()
    for text in texts:
        words.update(w for w in stemming.TOKEN_RE.findall(text.lower()) if re.fullmatch(r"[a-zåäöéü]+", w))
    return words


def test_python_stems_match_postgresql_swedish_stemmer():
    words = sorted(_vocabulary())
    assert len(words) > 2000  # the guidance articles alone hold thousands of distinct words
    with psycopg.connect(PG_ADMIN_URL, connect_timeout=5) as conn:
        rows = conn.execute("SELECT w, (ts_lexize('swedish_stem', w))[1] FROM unnest(%s::text[]) AS w",
                            [words]).fetchall()
    differ = {word: (stemming.stem(word), theirs) for word, theirs in rows
              if word not in stemming.STOPWORDS and theirs is not None and stemming.stem(word) != theirs}
    assert differ == {}
