"""The index's schema and its Swedish analysis: fields, weights, stop words and query language."""

from __future__ import annotations

import functools

from whoosh import scoring
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.fields import ID, KEYWORD, TEXT, Schema
from whoosh.lang import stopwords_for_language
from whoosh.support.charset import accent_map

from ..indexing import CachedAnalyzer, FastCharacters, FastPositions
from ..query import Item

# Bump whenever the schema, the analyzer or what is indexed changes: an index built with another
# version is reported as needing a rebuild instead of returning wrong results.
SCHEMA_VERSION = 4

TEXT_FIELDS = ("title", "summary", "body")

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
