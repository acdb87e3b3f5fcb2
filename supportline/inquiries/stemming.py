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


# --- search terms: what an inquiry is found by ------------------------------------------------
#
# Beyond the stems, an inquiry's terms hold a concept term for every synonym group its text
# mentions (the guidance search's own list, knowledge/data/synonyms.yaml), and a query word that
# names such a concept looks for the concept term. Each query word stays one term lookup, so a
# search is still an AND of term lists (README, "Search engine choice"). Changing the synonym
# list or these rules needs `supportline inquiries reindex`.

CONCEPT_PREFIX = "~"  # never produced by TOKEN_RE, so a concept term cannot meet a word
MAX_TERM = 60


def reduced(token: str) -> str:
    """The stem a query word is searched by. Snowball leaves the definite neuter "-et" alone
    ("passet", "hotet", "ärendet"), so the stem of the word without it is indexed as well and
    searched instead: "passet" finds "pass" and "pass" finds "passet"."""
    token = token.lower()
    if len(token) >= 5 and token.endswith("et") and token not in STOPWORDS:
        return stem(token[:-2])
    return stem(token)


@lru_cache(maxsize=1)
def concepts() -> tuple[dict[tuple[str, ...], str], int]:
    """{reduced words of an expression: its group's concept term} and the longest expression."""
    from knowledge import load_synonyms

    table: dict[tuple[str, ...], str] = {}
    for group in load_synonyms():
        keys = [tuple(reduced(t) for t in TOKEN_RE.findall(expression.lower())) for expression in group]
        keys = [key for key in keys if key]
        if not keys:
            continue
        term = (CONCEPT_PREFIX + "_".join(keys[0]))[:MAX_TERM]
        for key in keys:
            table.setdefault(key, term)
    return table, max((len(k) for k in table), default=0)


def _expression_at(words: list[str], start: int) -> tuple[int, str | None]:
    """The longest synonym expression starting at words[start]: (its length, concept term)."""
    table, longest = concepts()
    for length in range(min(longest, len(words) - start), 0, -1):
        term = table.get(tuple(words[start:start + length]))
        if term and words[start] not in STOPWORDS:
            return length, term
    return 0, None


def index_terms(text: str | None, labels=()) -> list[str]:
    """The terms an inquiry is stored under: the stems of its text and of the Swedish labels
    of its codes (so "utomlands" finds "Risk att föras eller kvarhållas utomlands"), each word's
    reduced stem, and the concept term of every synonym expression in them."""
    found = dict.fromkeys(terms(text))
    for label in labels:
        found.update(dict.fromkeys(terms(label)))
    for part in (text or "", *labels):
        tokens = TOKEN_RE.findall(part.lower())
        words = [reduced(t) for t in tokens]
        for token, word in zip(tokens, words, strict=True):
            if token not in STOPWORDS and len(token) <= MAX_TERM:
                found.setdefault(word, None)
        for start in range(len(words)):
            _length, term = _expression_at(words, start)
            if term:
                found.setdefault(term, None)
    return [t[:MAX_TERM] for t in found]


def query_terms(text: str | None, known=None) -> list[str]:
    """The terms a query needs, all of them (AND). A synonym expression is its concept term;
    a word no inquiry uses is split into two words that some do (knowledge.split_compound, as
    the guidance search does: "bortgifte" looks for "bort" and "gifte"). known(candidates)
    returns which of a set of terms occur at all; without it nothing is split."""
    from knowledge import compound_candidates, split_compound

    plan = _query_plan(text)
    compounds = [token for term, token in plan if token and len(token) >= 8]
    present: set[str] = set()
    if known is not None and compounds:
        wanted = {reduced(token) for token in compounds}
        wanted |= {reduced(part) for token in compounds for pair in compound_candidates(token) for part in pair}
        present = set(known(wanted))
    out: dict[str, None] = {}
    for term, token in plan:
        split = None
        if token in compounds and term not in present:
            split = split_compound(token, present.__contains__, lambda w: (reduced(w),))
        for part in ([reduced(w) for w in split] if split else [term]):
            out.setdefault(part, None)
    return list(out)


def _query_plan(text: str | None) -> list[tuple[str, str | None]]:
    """A query's terms in order, as (term, the token if it may be a compound): a synonym
    expression is one term, stopwords are left out."""
    tokens = [t for t in TOKEN_RE.findall((text or "").lower()) if len(t) <= MAX_TERM]
    words = [reduced(t) for t in tokens]
    plan: list[tuple[str, str | None]] = []
    index = 0
    while index < len(tokens):
        length, term = _expression_at(words, index)
        if term:
            plan.append((term, None))
            index += length
            continue
        if tokens[index] not in STOPWORDS:
            plan.append((words[index], tokens[index]))
        index += 1
    return plan
