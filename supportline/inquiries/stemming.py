"""Swedish Snowball stemming (the algorithm PostgreSQL's `swedish` configuration uses), for
the SQLite search table, so "tvångsgifte" and "tvångsgifta" meet in "tvångsgift" on both
databases. Small enough to keep here rather than pull in a dependency."""

from __future__ import annotations

import re
from functools import lru_cache

VOWELS = set("aeiouyäåö")
S_ENDING = set("bcdfghjklmnoprtvy")
STEP1 = sorted(
    "a arna erna heterna orna ad e ade ande arne are aste en anden aren heten ern ar er heter or as arnas "
    "ernas ornas es ades andes ens arens hetens erns at andet het ast".split(),
    key=len, reverse=True,
)
STEP2 = ("dd", "gd", "nn", "dt", "gt", "kt", "tt")
# A short stop list (as in the Snowball Swedish list): words that would match most inquiries.
STOPWORDS = frozenset(
    "och det att i en jag hon som han på den med var sig för så till är men ett om hade de av icke mig du "
    "henne då sin nu har inte hans honom skulle hennes där min man ej vid kunde något från ut när efter upp "
    "vi dem vara vad över än dig kan sina här ha mot alla under någon eller allt mycket sedan ju denna själv "
    "detta åt utan varit hur ingen mitt ni bli blev oss din dessa några deras blir mina samma vilken er sådan "
    "vår blivit dess inom mellan sådant varför varje vilka ditt vem vilket sitta sådana vart dina vars vårt "
    "våra ert era vilkas".split()
)
TOKEN_RE = re.compile(r"[^\W_]+", re.UNICODE)


def _r1(word: str) -> int:
    for i in range(1, len(word)):
        if word[i] not in VOWELS and word[i - 1] in VOWELS:
            return max(i + 1, 3)
    return len(word)


@lru_cache(maxsize=100_000)  # a case vocabulary is small; indexing stems the same words again and again
def stem(word: str) -> str:
    word = word.lower()
    if len(word) < 3:
        return word
    r1 = _r1(word)
    # step 1
    for suffix in STEP1:
        if word.endswith(suffix) and len(word) - len(suffix) >= r1:
            word = word[: -len(suffix)]
            break
    else:
        if word.endswith("s") and len(word) - 1 >= r1 and len(word) > 1 and word[-2] in S_ENDING:
            word = word[:-1]
    # step 2
    if any(word.endswith(s) and len(word) - 2 >= r1 for s in STEP2):
        word = word[:-1]
    # step 3
    for suffix, repl in (("fullt", "full"), ("löst", "lös"), ("lig", ""), ("els", ""), ("ig", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= r1:
            word = word[: -len(suffix)] + repl
            break
    return word


def terms(text: str | None) -> list[str]:
    """The distinct stemmed terms of a text, stop words left out, in first-seen order."""
    seen: dict[str, None] = {}
    for token in TOKEN_RE.findall((text or "").lower()):
        if token in STOPWORDS or len(token) > 60:
            continue
        seen.setdefault(stem(token), None)
    return list(seen)
