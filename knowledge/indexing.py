"""Faster indexing for the Whoosh schema: analysis, term formats and spelling words.

Whoosh analyses text through a chain of generators, one Python step per token and filter. The
analyzer here produces exactly the same tokens (checked in tests/knowledge/test_index.py) but
analyses each distinct word once, through the original chain, and remembers the result; the
formats below turn a whole field into postings in one loop instead of one generator step per
token and filter.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path

from whoosh.analysis import Analyzer, Token
from whoosh.formats import Characters, Positions
from whoosh.support.levenshtein import distance

# whoosh.analysis.tokenizers.default_pattern, the RegexTokenizer's default.
WORD_PATTERN = re.compile(r"\w+(\.?\w+)*", re.UNICODE)
_CACHE_LIMIT = 200_000
_MISSING = object()


class CachedAnalyzer(Analyzer):
    """A RegexTokenizer-based chain with the analysis of each distinct word cached.

    Every filter of the chain works on one token at a time and looks at nothing but its text, so
    a word always becomes the same term (or none, when it is a stop word): the chain runs once
    per distinct word. Positions are numbered as StopFilter(renumber=True) numbers them.
    """

    def __init__(self, chain):
        self.chain = chain
        self._forms: dict[str, str | None] = {}

    def __getstate__(self):
        # The cache is not part of the schema stored in the index.
        return {"chain": self.chain}

    def __setstate__(self, state):
        self.chain = state["chain"]
        self._forms = {}

    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__ and self.chain == other.chain

    def __hash__(self):
        return hash(self.__class__)

    def form(self, word: str) -> str | None:
        forms = self._forms
        try:
            return forms[word]
        except KeyError:
            pass
        found = [token.text for token in self.chain(word, mode="index")]
        result = found[0] if len(found) == 1 else None
        if len(found) > 1:  # cannot happen for a single regex word; analyse it the slow way
            raise ValueError(word)
        if len(forms) >= _CACHE_LIMIT:
            forms.clear()
        forms[word] = result
        return result

    def words(self, value: str, start_pos: int = 0, start_char: int = 0):
        """(term, pos, startchar, endchar) of every indexed word of value."""
        form = self.form
        get = self._forms.get
        out = []
        append = out.append
        pos = None
        for index, match in enumerate(WORD_PATTERN.finditer(value), start_pos):
            word = match.group()
            term = get(word, _MISSING)
            if term is _MISSING:
                term = form(word)
            if term is not None:
                # StopFilter(renumber=True): the first kept word keeps its position, the following
                # kept words are numbered on from it, so a phrase matches across stop words.
                pos = index if pos is None else pos + 1
                append((term, pos, start_char + match.start(), start_char + match.end()))
        return out

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        if not removestops or not tokenize or not isinstance(value, str):
            # Highlighting by retokenising wants the stop words too: use the chain as it is.
            yield from self.chain(
                value,
                positions=positions,
                chars=chars,
                keeporiginal=keeporiginal,
                removestops=removestops,
                start_pos=start_pos,
                start_char=start_char,
                tokenize=tokenize,
                mode=mode,
                **kwargs,
            )
            return
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for term, pos, startchar, endchar in self.words(value, start_pos, start_char):
            token.text = term
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = value[startchar - start_char : endchar - start_char]
            if positions:
                token.pos = pos
            if chars:
                token.startchar = startchar
                token.endchar = endchar
            yield token


def _fast(analyzer) -> bool:
    return isinstance(analyzer, CachedAnalyzer)


class FastPositions(Positions):
    """Positions, built in one pass with a CachedAnalyzer."""

    def word_values(self, value, analyzer, **kwargs):
        if not _fast(analyzer) or not isinstance(value, str):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        fb = self.field_boost
        poses: dict[str, list[int]] = defaultdict(list)
        for term, pos, _start, _end in analyzer.words(value):
            poses[term].append(pos)
        encode = self.encode
        for term, poslist in poses.items():
            yield (term, len(poslist), float(len(poslist)) * fb, encode(poslist))


class FastCharacters(Characters):
    """Characters (positions and character offsets), built in one pass with a CachedAnalyzer."""

    def word_values(self, value, analyzer, **kwargs):
        if not _fast(analyzer) or not isinstance(value, str):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        fb = self.field_boost
        seen: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
        for term, pos, start, end in analyzer.words(value):
            seen[term].append((pos, start, end))
        encode = self.encode
        for term, poslist in seen.items():
            yield (term, len(poslist), float(len(poslist)) * fb, encode(poslist))


# Spelling suggestions ---------------------------------------------------------------------------

SPELLING_FILE = "spelling.json"
_SPELLING_WORD = re.compile(r"\w+(?:\.?\w+)*", re.UNICODE)  # WORD_PATTERN without a capturing group


def spelling_words(texts) -> list[str]:
    """The lower-cased words of texts, as RegexTokenizer | LowercaseFilter sees them."""
    words: list[str] = []
    for text in texts:
        if text:
            words.extend(_SPELLING_WORD.findall(text.lower()))
    return words


def spelling_counts(counts: Counter, stoplist, minsize: int = 3) -> dict[str, int]:
    """The counted words the old `spell` field kept: StopFilter(stoplist, minsize=3).

    Counted in C instead of indexed as a second copy of every text.
    """
    return {word: count for word, count in counts.items() if len(word) >= minsize and word not in stoplist}


class SpellingWords:
    """Spelling corrections from a word list: the closest word, then the most frequent one.

    Words within one edit (Damerau-Levenshtein) are tried before words within two, and the same
    first letter is required (prefix=1). Whoosh's ReaderCorrector, used before, documents this
    order but scores every word within maxdist alike and so picked the most frequent word within
    two edits ("kommu" → "kommer" rather than "kommun").
    """

    # Answers kept (misspellings come back: one reader's is often another's), at most.
    KEPT = 4096

    def __init__(self, counts: dict[str, int]):
        self.by_prefix: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for word, count in counts.items():
            self.by_prefix[word[:1]].append((word, count))
        self._answers: dict[tuple[str, int, int], str | None] = {}

    def suggest(self, text: str, maxdist: int = 2, prefix: int = 1) -> str | None:
        key = (text, maxdist, prefix)
        try:
            return self._answers[key]
        except KeyError:
            pass
        if len(self._answers) >= self.KEPT:
            self._answers.clear()
        answer = self._answers[key] = self._closest(text, maxdist, prefix)
        return answer

    def _closest(self, text: str, maxdist: int, prefix: int) -> str | None:
        candidates = [
            (word, count)
            for word, count in self.by_prefix.get(text[:1], ())
            if word[:prefix] == text[:prefix] and abs(len(word) - len(text)) <= maxdist
        ]
        for limit in range(1, maxdist + 1):
            best = None
            for word, count in candidates:
                if abs(len(word) - len(text)) <= limit and distance(word, text, limit=limit) <= limit:
                    if best is None or (count, word) > best:
                        best = (count, word)
            if best is not None:
                return best[1]
        return None


def read_spelling(path) -> dict[str, Counter]:
    """The spelling words of a build per visibility ("public", "internal"): a reader is only
    ever offered words from articles they may see."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(visibility): Counter({str(word): int(count) for word, count in words.items()})
            for visibility, words in data.items() if isinstance(words, dict)}
