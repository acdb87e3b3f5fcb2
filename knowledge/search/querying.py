"""Searching a build: matches and filters, facets, snippets, the help-page rule, spelling
suggestions per visibility and the search that forgives a misspelt query."""

from __future__ import annotations

import heapq
import html
import itertools
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from whoosh.analysis import Token
from whoosh.highlight import FIRST, BasicFragmentScorer, Formatter, PinpointFragmenter
from whoosh.query import Every, NullQuery

from ..indexing import SpellingWords
from ..query import Item, has_terms, lex, render
from ..scoring import Generation, positive_terms
from ..taxonomy import AUDIENCES, TOPICS
from .expansion import Synonyms, parse_query
from .results import Hit, SearchResults, split_codes
from .schema import TEXT_FIELDS, analyse, foreign_language

MAX_PAGE = 100
MAX_PAGELEN = 100
SUGGESTION_WORD_LENGTH = (3, 30)
# Words whose visibility a searcher generation keeps (see _visible), at most.
VISIBLE_WORDS_KEPT = 8192
# Snippets a searcher generation keeps, per document and set of matching terms, at most.
SNIPPETS_KEPT = 4096

# Help pages about the guidance itself ("Så använder du kunskapsbanken"): not results of a search
# unless the query asks for one by its title, or for the topic.
HELP_TOPIC = "help"


@dataclass
class Reading:
    """One search's view of the index: this thread's searcher, the caches of its generation, the
    synonym list, and the spelling words of the build per visibility (read when first needed)."""

    searcher: object
    generation: Generation
    synonyms: Synonyms
    spelling_words: Callable[[], dict[str, Counter]]


def parse(reading: Reading, items: list[Item]):
    """The Whoosh query for the items; cached per searcher generation (compounds depend on it)."""
    generation = reading.generation
    return generation.parsed_query(
        tuple(items), lambda: parse_query(items, reading.searcher, reading.synonyms, generation.parsers)
    )


def _title_subjects(title_terms: frozenset[str]) -> frozenset[str]:
    """What a help page's title is about: its long terms ("kunskapsbank" and "stödtelefon" in "Så
    använder du kunskapsbanken och stödtelefonen"), not its short verbs and pronouns."""
    return frozenset(term for term in title_terms if len(term) >= 8)


class _MarkFormatter(Formatter):
    """Matched terms in <mark>; all other text escaped."""

    between = " … "

    def _text(self, text: str) -> str:
        return html.escape(text, quote=False)

    def format_token(self, text: str, token, replace: bool = False) -> str:
        return "<mark>" + html.escape(text[token.startchar : token.endchar], quote=False) + "</mark>"


def search(reading: Reading, query: str, topic: str | None = None, audience: str | None = None, page: int = 1,
           pagelen: int = 10, include_internal: bool = False, forgive: bool = False) -> SearchResults:
    """See SearchIndex.search."""
    items = lex(query)
    normalised = render(items)
    page, pagelen = _bounded(page, 1, MAX_PAGE), _bounded(pagelen, 10, MAX_PAGELEN)
    searcher = reading.searcher
    foreign = foreign_language(items)
    empty = SearchResults([], 0, page, 0, {"topics": {}, "audiences": {}}, None, normalised, foreign=foreign)
    if not _known(topic, TOPICS) or not _known(audience, AUDIENCES):
        return empty
    generation = reading.generation
    allow, restrict = _filters(generation, topic, audience, include_internal)
    if foreign:
        items = [item for item in items if item.kind == "word" and _visible(reading, item, restrict)]
    q = _query(reading, items, listing=bool(topic or audience))
    if q is None:
        return empty

    matches = _run(generation, q, allow, restrict)
    if topic != HELP_TOPIC:
        matches = _without_help(searcher, generation, matches, items)
    if not has_terms(items):
        matches = _listing_order(searcher, matches)
    total = len(matches)
    hits = _page_of_hits(reading, q, matches, page, pagelen, highlight=has_terms(items))
    suggestion = _suggest(reading, items, allow, restrict) if has_terms(items) and not foreign else None
    if forgive and not total and suggestion:
        corrected = search(reading, suggestion, topic, audience, page, pagelen, include_internal)
        if corrected.total:
            corrected.corrected_from = normalised
            return corrected
    return SearchResults(
        hits=hits,
        total=total,
        page=page,
        pages=math.ceil(total / pagelen),
        facets=_facets(generation, matches),
        suggestion=suggestion,
        query=normalised,
        partial=False,
        foreign=foreign,
    )


def _bounded(value, default: int, highest: int) -> int:
    return min(max(int(value or default), 1), highest)


def _known(code: str | None, codes: dict[str, str]) -> bool:
    """Whether a filter is off or names a known code."""
    return not code or code in codes


def _query(reading: Reading, items: list[Item], listing: bool):
    """The query to run: the parsed words, every article when a topic or audience is listed
    without words, or None when nothing is to be found."""
    if has_terms(items):
        q = parse(reading, items)
        return None if q is NullQuery else q
    return Every() if listing else None


def _page_of_hits(reading: Reading, q, matches: dict[int, float], page: int, pagelen: int,
                  highlight: bool) -> list[Hit]:
    """The hits of one page, with their stored fields and (for a query with words) snippets."""
    # Highest score first, then index order (as Whoosh's collector ranks ties).
    top = heapq.nsmallest(page * pagelen, matches.items(), key=lambda pair: (-pair[1], pair[0]))
    shown = top[(page - 1) * pagelen : page * pagelen]
    documents = {docnum: reading.generation.stored_fields(docnum) for docnum, _score in shown}
    texts = {docnum: document.get("body") or "" for docnum, document in documents.items()}
    snippets = _snippets(reading.generation, q, texts) if highlight else {}
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
                topics=split_codes(stored.get("topics")),
                audiences=split_codes(stored.get("audiences")),
                visibility=stored.get("visibility", "public"),
            )
        )
    return hits


def _visible(reading: Reading, item: Item, restrict) -> bool:
    """Whether a word occurs in an article the reader may see; kept per searcher generation, as
    every query asks it of each of its words (restrict is the same set for every anonymous
    reader of a generation)."""
    known = _kept(reading.generation, "visible", VISIBLE_WORDS_KEPT)
    key = (item.words, restrict is None)
    found = known.get(key)
    if found is None:
        found = known[key] = _occurs(reading.searcher, item, restrict)
    return found


def _kept(generation: Generation, name: str, limit: int) -> dict:
    """A dict kept on the searcher generation under `name`, emptied when it has `limit` entries."""
    cache = getattr(generation, name, None)
    if cache is None or len(cache) >= limit:
        cache = {}
        setattr(generation, name, cache)
    return cache


def _occurs(searcher, item: Item, restrict) -> bool:
    reader = searcher.reader()
    for token in analyse(" ".join(item.words)):
        for name in TEXT_FIELDS:
            if reader.doc_frequency(name, token) and (not restrict or any(
                    docnum not in restrict for docnum in reader.postings(name, token).all_ids())):
                return True
    return False


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


def _listing_order(searcher, matches: dict[int, float]) -> dict[int, float]:
    """A topic or audience listed without a query: first steps first, then the articles written
    for fewest audiences (the most specific), then by title."""
    def rank(docnum: int) -> tuple:
        stored = searcher.stored_fields(docnum)
        title = stored.get("title", "")
        return (not title.startswith("Första steg"), len(split_codes(stored.get("audiences"))), title.lower())

    ordered = sorted(matches, key=rank)
    # Scores that sort like the ranks (search() orders by score, then by document number).
    return {docnum: float(len(ordered) - position) for position, docnum in enumerate(ordered)}


def _facets(generation: Generation, matches: dict[int, float]) -> dict[str, dict[str, int]]:
    """Counts per topic and audience over all matches, from document sets cached per generation."""
    return {
        "topics": _counts(generation, matches, "topics", TOPICS),
        "audiences": _counts(generation, matches, "audiences", AUDIENCES),
    }


def _filters(generation: Generation, topic, audience, include_internal: bool):
    """The documents a topic/audience filter allows (None: all) and those hidden (None: none)."""
    allow = None
    for name, value in (("topics", topic), ("audiences", audience)):
        if value:
            docs = generation.docset(name, value)
            allow = docs if allow is None else allow & docs
    restrict = None if include_internal else generation.docset("visibility", "internal")
    return allow, restrict


def _run(generation: Generation, q, allow, restrict) -> dict[int, float]:
    """{docnum: score} of every matching document the filters let through."""
    matches = generation.matches(q)
    if allow is not None:
        matches = {docnum: score for docnum, score in matches.items() if docnum in allow}
    if restrict:
        matches = {docnum: score for docnum, score in matches.items() if docnum not in restrict}
    return matches


def _snippets(generation: Generation, q, texts: dict[int, str]) -> dict[int, str]:
    """Highlighted body fragments of the shown hits.

    The character offsets come from the postings of the query's body terms, which the term
    cache keeps with the scores (the blocks are decoded for scoring anyway), so only the
    shown hits' offsets are decoded.
    """
    terms = positive_terms(q, "body")
    if not texts or not terms:
        return {}
    chars = generation.characters("body", terms, list(texts))
    kept = _kept(generation, "snippets", SNIPPETS_KEPT)
    out = {}
    for docnum, text in texts.items():
        # A document's snippet depends only on which of the query's terms it holds.
        key = (docnum, frozenset(chars.get(docnum, ())))
        snippet = kept.get(key)
        if snippet is None:
            snippet = kept[key] = _snippet(text, chars.get(docnum, {}))
        if snippet:
            out[docnum] = snippet
    return out


def _snippet(text: str, chars: dict) -> str:
    """The highlighted fragments of one body, given its matching terms' {text: [(pos, startchar,
    endchar), ...]}; "" when no fragment scores."""
    fragmenter = PinpointFragmenter(maxchars=240, surround=60, autotrim=True)
    charlimit = fragmenter.charlimit
    tokens = [
        Token(text=word, pos=pos, startchar=startchar, endchar=endchar)
        for word, positions in chars.items()
        for pos, startchar, endchar in positions
        if not (charlimit and endchar > charlimit)
    ]
    if not tokens:
        return ""
    # As whoosh.highlight.Highlighter.highlight_hit does with pinpoint highlighting.
    tokens.sort(key=lambda t: t.startchar)
    tokens = [
        max(group, key=lambda t: t.endchar - t.startchar)
        for _key, group in itertools.groupby(tokens, lambda t: t.startchar)
    ]
    # The two best fragments (the earlier one on equal scores: Whoosh's top_fragments breaks
    # ties by comparing fragment objects, which is not deterministic), in text order.
    scorer = BasicFragmentScorer()
    scored = [(scorer(fragment), fragment) for fragment in fragmenter.fragment_matches(text, tokens)]
    scored.sort(key=lambda pair: (-pair[0], pair[1].startchar))
    best = sorted((fragment for score, fragment in scored[:2] if score >= 1), key=FIRST)
    return _MarkFormatter().format(best)


def _spelling(reading: Reading, include_internal: bool) -> SpellingWords:
    """The words a reader may be offered: those of public articles, and for staff also those of
    internal ones."""
    generation = reading.generation
    cache = getattr(generation, "spelling", None)
    if cache is None:
        by_visibility = reading.spelling_words()
        public = by_visibility.get("public", Counter())
        every = sum(by_visibility.values(), Counter())
        cache = generation.spelling = {False: SpellingWords(public), True: SpellingWords(every)}
    return cache[include_internal]


def _suggest(reading: Reading, items: list[Item], allow, restrict) -> str | None:
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
            if not key or key in reading.synonyms or not low <= len(word) <= high:
                continue
            if _visible(reading, Item("word", (word,)), restrict):
                continue
            if corrector is None:
                corrector = _spelling(reading, include_internal=restrict is None)
            suggestion = corrector.suggest(word.lower(), maxdist=2, prefix=1)
            if suggestion:
                words[-1] = suggestion
                changed = True
        corrected.append(Item(item.kind, tuple(words), item.op))
    if not changed:
        return None
    q = parse(reading, corrected)
    return render(corrected) if _run(reading.generation, q, allow, restrict) else None


def _counts(generation: Generation, matches: dict[int, float], name: str, known: dict[str, str]) -> dict[str, int]:
    counts = {}
    keys = matches.keys()
    for code, docs in generation.values(name).items():
        if code in known:
            count = len(keys & docs)
            if count:
                counts[code] = count
    return dict(sorted(counts.items(), key=lambda pair: (-pair[1], pair[0])))


