"""Synonym and compound expansion: the query a reader typed, as the query string the parser reads.

The synonym list and the compound splitting themselves live in knowledge.words, shared with the
case search; here they are applied in the index's own analysis.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from whoosh.qparser import MultifieldParser, QueryParser
from whoosh.query import CompoundQuery, Not, NullQuery, Term, WrappingQuery

from .. import words
from ..query import PARSER_KEYWORDS, Item, render
from ..words import load_synonyms
from .matchers import SYNONYM_TIEBREAK, _DisMax, safe_parser
from .schema import TEXT_FIELDS, analyse

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


# Words and synonym alternatives kept per searcher generation (see parse_query), at most.
PARSE_CACHE_ENTRIES = 8192


def _kept(parsers: dict, key: tuple, make):
    """parsers[key], made once per searcher generation (and again after the cache was emptied)."""
    try:
        return parsers[key]
    except KeyError:
        pass
    if len(parsers) >= PARSE_CACHE_ENTRIES:
        for stale in [k for k in parsers if isinstance(k, tuple)]:
            del parsers[stale]
    got = parsers[key] = make()
    return got


def parse_query(items: list[Item], searcher, synonyms: Synonyms, parsers: dict):
    """The Whoosh query for the items, with synonyms and compounds expanded.

    `parsers` keeps, between calls and per searcher generation, what depends only on the
    generation's schema and terms: the parsers (under None and each field's name), each synonym
    alternative parsed for a field and each word's compound split (under tuples; each reader's
    question repeats words and synonym groups of others, and the Whoosh parser is slow).
    """
    parser = parsers.get(None)
    if parser is None:
        parser = parsers[None] = safe_parser(MultifieldParser, list(TEXT_FIELDS), searcher.schema)
    reader = searcher.reader()

    def frequency(term: str) -> int:
        return max(reader.doc_frequency(name, term) for name in TEXT_FIELDS)

    def split(word: str) -> tuple[str, str] | None:
        key = analyse(word)
        if len(key) != 1 or frequency(key[0]) > COMPOUND_RARE_DOCS:
            return None
        return split_compound(word, lambda term: frequency(term) > 0)

    def compounds(word: str) -> tuple[str, str] | None:
        return _kept(parsers, ("compound", word), lambda: split(word))

    groups: list[list[str]] = []
    q = parser.parse(expand_synonyms(items, synonyms, compounds, groups))
    if not groups:
        return q
    # Each group matches like one term: the best of its alternatives counts, so a concept with
    # many synonyms does not outweigh the other words of the question.
    placeholders = {_placeholder(number): group for number, group in enumerate(groups)}

    def field_query(fieldname: str, text: str):
        if fieldname not in parsers:
            parsers[fieldname] = safe_parser(QueryParser, fieldname, searcher.schema)
        # Shared between the parsed queries of a generation, which nothing changes after parsing.
        return _kept(parsers, ("field", fieldname, text), lambda: parsers[fieldname].parse(text))

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
