"""Scoring a parsed Whoosh query a term at a time instead of a document at a time.

Whoosh's collector walks the matcher tree one document at a time in Python. A question of 5–10
words plus synonyms over three fields matches about half of the articles, and the custom
coordination and synonym matchers cannot skip, so every matching document went through every
node of the tree. Here the same query tree is evaluated node by node over whole posting lists:

* a term reads its postings block by block and scores them with the BM25F formula Whoosh uses
  (same idf, average field length, quantised field length, B and K1), cached per searcher
  generation;
* a union sums, an intersection sums over the common documents, ANDNOT removes, a synonym group
  takes the best alternative (plus tiebreak times the other), and a coordinated OR applies the
  same coordination bonus as ``search._CoordMatcher``, counting the matching terms per document
  the way Whoosh's ``matching_terms`` does;
* any other node (phrases, for example) is run with its own Whoosh matcher.

The result is the full set of matching documents with the score Whoosh would give each, so the
total and the facet counts cover all matches while only the shown hits are loaded.

The speed comes from reading Whoosh's posting blocks through its private matcher internals
(``_read_ids``, ``_next_block``, ``_skip_to_block``, ``_i``), which a Whoosh other than 2.7.4 may
change. ``CollectorGeneration`` answers the same questions with Whoosh's own collector and public
matcher API only, document at a time: SearchIndex(fast_scoring=False) or
KNOWLEDGE_FAST_SCORING=0 switches to it.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import OrderedDict
from typing import NamedTuple

from whoosh import query as wq
from whoosh.matching import FilterMatcher
from whoosh.scoring import BM25F

# Postings (scores, and the encoded offsets of body terms) kept in the per-generation term cache,
# about 100 bytes each: at most about 50 MB per searcher (one per thread).
TERM_CACHE_POSTINGS = 500_000
PARSED_QUERY_CACHE = 256
# Stored fields (a body of a few kB each) of the documents shown last, per generation.
STORED_DOCUMENTS = 1024


class Evaluation(NamedTuple):
    scores: dict  # segment docnum -> score
    counts: dict | None  # segment docnum -> number of matching term leaves (when asked for)
    termcount: int  # number of term leaves in the matcher tree (CoordMatcher's termcount)


_EMPTY = Evaluation({}, {}, 0)


def _blocks(matcher, values: bool = False):
    """(ids, weights, values or None) per posting block; Whoosh 3 leaf matchers are read a block at a time."""
    if hasattr(matcher, "_read_ids") and hasattr(matcher, "_read_weights") and hasattr(matcher, "_next_block"):
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            if values:
                matcher._read_values()
            yield matcher._ids, matcher._weights, matcher._values if values else None
            matcher._next_block()
        return
    ids, weights, vals = [], [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        if values:
            vals.append(matcher.value())
        matcher.next()
    yield ids, weights, vals if values else None


def _seek(matcher, target: int) -> bool:
    """Move a posting matcher forward to target; whether target is in its postings."""
    if not matcher.is_active():
        return False
    if hasattr(matcher, "_read_ids") and hasattr(matcher, "_skip_to_block"):
        if target > matcher.block_max_id():
            matcher._skip_to_block(lambda: target > matcher.block_max_id())
            if not matcher.is_active():
                return False
        if matcher._ids is None:
            matcher._read_ids()
        ids = matcher._ids
        index = bisect_left(ids, target, matcher._i)
        if index >= len(ids):  # cannot happen while target <= block_max_id, but stay safe
            matcher._next_block()
            return _seek(matcher, target)
        matcher._i = index
        return ids[index] == target
    if matcher.id() < target:
        matcher.skip_to(target)
    return matcher.is_active() and matcher.id() == target


def _sum(parts: list[dict]) -> dict:
    if not parts:
        return {}
    parts = sorted(parts, key=len, reverse=True)
    total = dict(parts[0])
    get = total.get
    for part in parts[1:]:
        for doc, value in part.items():
            total[doc] = get(doc, 0) + value
    return total


class SegmentScorer:
    """Evaluates queries on one segment (a leaf searcher) of a searcher generation."""

    def __init__(self, generation: Generation, searcher, offset: int):
        self.generation = generation
        self.searcher = searcher
        self.reader = searcher.reader()
        self.offset = offset
        self.parent = searcher.get_parent()
        self._lengths: dict[str, list[int]] = {}

    def lengths(self, fieldname: str) -> list[int]:
        got = self._lengths.get(fieldname)
        if got is None:
            reader = self.reader
            got = [reader.doc_field_length(docnum, fieldname, 1) for docnum in range(reader.doc_count_all())]
            self._lengths[fieldname] = got
        return got

    # Terms ------------------------------------------------------------------------------------

    def term_scores(self, fieldname: str, btext: bytes) -> dict:
        """{docnum: BM25F score} of a term in this segment (cached per generation)."""
        cache = self.generation.terms
        key = (self.offset, fieldname, btext)
        got = cache.get(key)
        if got is not None:
            cache.move_to_end(key)
            return got
        return self._load_term(fieldname, btext)[0]

    def term_values(self, fieldname: str, btext: bytes) -> dict:
        """{docnum: encoded posting value} of a term whose field stores character offsets."""
        cache = self.generation.terms
        key = (self.offset, fieldname, btext, "values")
        got = cache.get(key)
        if got is not None:
            cache.move_to_end(key)
            return got
        return self._load_term(fieldname, btext)[1] or {}

    def _load_term(self, fieldname: str, btext: bytes) -> tuple[dict, dict | None]:
        # The posting blocks hold ids, weights and values together, so the values (positions and
        # character offsets) of a highlighted field are kept while the block is decoded anyway.
        keep_values = self.searcher.schema[fieldname].format.supports("characters")
        weighting = self.searcher.weighting
        idf = self.parent.idf(fieldname, btext)
        avgfl = self.parent.avg_field_length(fieldname) or 1
        b = weighting._field_B.get(fieldname, weighting.B)
        k1 = weighting.K1
        k1_plus_1 = k1 + 1
        one_minus_b = 1 - b
        lengths = self.lengths(fieldname)
        matcher = self.reader.postings(fieldname, btext)
        deleted = None
        if isinstance(matcher, FilterMatcher):
            deleted = matcher._ids if matcher._exclude else None
            matcher = matcher.child
        scores = {}
        values: dict | None = {} if keep_values else None
        for ids, weights, block_values in _blocks(matcher, keep_values):
            for docnum, tf in zip(ids, weights, strict=True):
                # scoring.bm25, operation for operation, so the scores equal Whoosh's.
                scores[docnum] = idf * ((tf * k1_plus_1) / (tf + k1 * (one_minus_b + b * lengths[docnum] / avgfl)))
            if values is not None:
                values.update(zip(ids, block_values, strict=True))
        if deleted:
            scores = {docnum: score for docnum, score in scores.items() if docnum not in deleted}
        self.generation.remember((self.offset, fieldname, btext), scores)
        if values is not None:
            self.generation.remember((self.offset, fieldname, btext, "values"), values)
        return scores, values

    # Query nodes ------------------------------------------------------------------------------

    def evaluate(self, q, counts: bool = False) -> Evaluation:
        if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
            return _EMPTY
        kind = type(q)
        if kind is wq.Term:
            return self._term(q, counts)
        if isinstance(q, wq.Or) and not q.minmatch:
            if kind._matcher in _COORD_MATCHERS or (kind._matcher is wq.Or._matcher and not q.scale):
                return self._or(q, counts)
        if isinstance(q, wq.DisjunctionMax) and getattr(kind, "pairwise_max", False):
            return self._dismax(q, counts)
        if kind is wq.And:
            return self._and(q, counts)
        if kind is wq.AndNot:
            return self._andnot(q, counts)
        if kind is wq.AndMaybe:
            return self._andmaybe(q, counts)
        if kind is wq.Phrase and q.slop >= 1:
            return self._phrase(q, counts)
        if kind is wq.Every and q.fieldname in (None, "", "*"):
            return Evaluation(dict.fromkeys(self.reader.all_doc_ids(), float(q.boost)), None, 0)
        return self._matcher(q, counts)

    def _term(self, q, counts: bool) -> Evaluation:
        schema = self.searcher.schema
        if q.fieldname not in schema:
            return _EMPTY
        try:
            btext = schema[q.fieldname].to_bytes(q.text)
        except ValueError:
            return _EMPTY
        if (q.fieldname, btext) not in self.reader:
            return _EMPTY
        scores = self.term_scores(q.fieldname, btext)
        if q.boost != 1.0:
            boost = q.boost
            scores = {docnum: score * boost for docnum, score in scores.items()}
        return Evaluation(scores, dict.fromkeys(scores, 1) if counts else None, 1)

    def _or(self, q, counts: bool) -> Evaluation:
        subs = q.subqueries
        if not subs:
            return _EMPTY
        if len(subs) == 1:  # CompoundQuery.matcher: the single child's matcher, no boost, no coordination
            return self.evaluate(subs[0], counts)
        coordinate = bool(q.scale) and type(q)._matcher in _COORD_MATCHERS
        children = [self.evaluate(sub, counts or coordinate) for sub in subs]
        termcount = sum(child.termcount for child in children)
        scores = _sum([child.scores for child in children])
        matching = _sum([child.counts for child in children]) if counts or coordinate else None
        if q.boost != 1.0:
            boost = q.boost
            scores = {docnum: score * boost for docnum, score in scores.items()}
        if coordinate and termcount > 1:
            # search._CoordMatcher._sqr (Whoosh's SQR formula).
            scale = q.scale
            extra = (termcount - scale) ** 2
            factor = (termcount - 1) / termcount
            scores = {docnum: (score + ((matching[docnum] - 1) / extra)) * factor for docnum, score in scores.items()}
        return Evaluation(scores, matching if counts else None, termcount)

    def _dismax(self, q, counts: bool) -> Evaluation:
        subs = q.subqueries
        if not subs:
            return _EMPTY
        if len(subs) == 1:
            return self.evaluate(subs[0], counts)
        tiebreak = q.tiebreak
        children = [self.evaluate(sub, counts) for sub in subs]

        def pair(a: dict, b: dict) -> dict:
            out = dict(a)
            for docnum, score in b.items():
                other = out.get(docnum)
                if other is None:
                    out[docnum] = score
                else:
                    high, low = (score, other) if score >= other else (other, score)
                    out[docnum] = high + tiebreak * low
            return out

        def tree(parts: list[dict]) -> dict:  # whoosh.query.compound.make_binary_tree
            if len(parts) == 1:
                return parts[0]
            half = len(parts) // 2
            return pair(tree(parts[:half]), tree(parts[half:]))

        scores = tree([child.scores for child in children])
        if q.boost != 1.0:
            boost = q.boost
            scores = {docnum: score * boost for docnum, score in scores.items()}
        matching = _sum([child.counts for child in children]) if counts else None
        return Evaluation(scores, matching, sum(child.termcount for child in children))

    def _and(self, q, counts: bool) -> Evaluation:
        subs = q.subqueries
        if not subs:
            return _EMPTY
        if len(subs) == 1:
            return self.evaluate(subs[0], counts)
        children = [self.evaluate(sub, counts) for sub in subs]
        common = set(children[0].scores)
        for child in children[1:]:
            common.intersection_update(child.scores)
        scores = {docnum: sum(child.scores[docnum] for child in children) for docnum in common}
        if q.boost != 1.0:
            boost = q.boost
            scores = {docnum: score * boost for docnum, score in scores.items()}
        matching = {docnum: sum(child.counts[docnum] for child in children) for docnum in common} if counts else None
        return Evaluation(scores, matching, sum(child.termcount for child in children))

    def _andnot(self, q, counts: bool) -> Evaluation:
        positive = self.evaluate(q.a, counts)
        negative = self.evaluate(q.b, False)
        excluded = negative.scores
        scores = {docnum: score for docnum, score in positive.scores.items() if docnum not in excluded}
        matching = {docnum: positive.counts[docnum] for docnum in scores} if counts else None
        return Evaluation(scores, matching, positive.termcount + negative.termcount)

    def _andmaybe(self, q, counts: bool) -> Evaluation:
        required = self.evaluate(q.a, counts)
        optional = self.evaluate(q.b, counts)
        extra = optional.scores
        scores = {docnum: score + extra.get(docnum, 0) for docnum, score in required.scores.items()}
        matching = None
        if counts:
            more = optional.counts
            matching = {docnum: count + more.get(docnum, 0) for docnum, count in required.counts.items()}
        return Evaluation(scores, matching, required.termcount + optional.termcount)

    def _phrase(self, q, counts: bool) -> Evaluation:
        """Whoosh's Phrase: SpanNear2 (ordered, mindist 1) over an intersection of its term matchers.

        The score is the sum of the word scores (a binary tree of IntersectionMatchers) in the
        documents where the words follow each other within slop positions; cached per generation,
        as synonym phrases come back in many queries.
        """
        schema = self.searcher.schema
        if q.fieldname not in schema or not schema[q.fieldname].format.supports("positions"):
            return self._matcher(q, counts)
        field = schema[q.fieldname]
        try:
            btexts = tuple(field.to_bytes(word) for word in q.words)
        except ValueError:
            return _EMPTY
        if not btexts or any((q.fieldname, btext) not in self.reader for btext in btexts):
            return _EMPTY  # Phrase.matcher: NullMatcher when a word is not in the index
        cache = self.generation.terms
        key = ("phrase", self.offset, q.fieldname, btexts, q.slop)
        scores = cache.get(key)
        if scores is None:
            scores = self._phrase_scores(q.fieldname, btexts, q.slop)
            self.generation.remember(key, scores)
        else:
            cache.move_to_end(key)
        if q.boost != 1.0:
            boost = q.boost
            scores = {docnum: score * boost for docnum, score in scores.items()}
        size = len(btexts)
        return Evaluation(scores, dict.fromkeys(scores, size) if counts else None, size)

    def _phrase_scores(self, fieldname: str, btexts: tuple[bytes, ...], slop: int) -> dict:
        parts = [self.term_scores(fieldname, btext) for btext in btexts]
        candidates = set(min(parts, key=len))
        for part in parts:
            candidates.intersection_update(part)
        if not candidates:
            return {}
        ordered = sorted(candidates)
        positions: list[dict[int, list[int]]] = []
        for btext in btexts:
            matcher = self.reader.postings(fieldname, btext)
            if isinstance(matcher, FilterMatcher):
                matcher = matcher.child  # candidates are live documents
            found = {}
            for docnum in ordered:
                if _seek(matcher, docnum):
                    found[docnum] = matcher.value_as("positions")
            positions.append(found)

        def tree_sum(values: list[float]) -> float:  # make_binary_tree(IntersectionMatcher, ...)
            if len(values) == 1:
                return values[0]
            half = len(values) // 2
            return tree_sum(values[:half]) + tree_sum(values[half:])

        scores = {}
        for docnum in ordered:
            ends = set(positions[0].get(docnum, ()))
            for found in positions[1:]:
                if not ends:
                    break
                ends = {pos for pos in found.get(docnum, ()) if any(1 <= pos - end <= slop for end in ends)}
            if ends:
                scores[docnum] = tree_sum([part[docnum] for part in parts])
        return scores

    def _matcher(self, q, counts: bool) -> Evaluation:
        """Any other node, with its own Whoosh matcher (phrases, for example)."""
        matcher = q.matcher(self.searcher, self.searcher.context())
        termcount = sum(1 for _ in matcher.term_matchers())
        scores: dict = {}
        matching: dict | None = {} if counts else None
        while matcher.is_active():
            docnum = matcher.id()
            scores[docnum] = matcher.score()
            if matching is not None:
                matching[docnum] = sum(1 for _ in matcher.matching_terms(docnum))
            matcher.next()
        return Evaluation(scores, matching, termcount)

# Set by knowledge.search for its coordinated OR (_CoordOr._matcher).
_COORD_MATCHERS: list = []


def register_coordinated_or(matcher_method) -> None:
    if matcher_method not in _COORD_MATCHERS:
        _COORD_MATCHERS.append(matcher_method)


class Generation:
    """What a searcher generation (one set of segments) caches: term scores, facet sets, parses."""

    def __init__(self, searcher):
        self.searcher = searcher
        self.terms: OrderedDict = OrderedDict()
        self._term_postings = 0
        self.parsed: OrderedDict = OrderedDict()
        self.segments = self._scorers(searcher)
        self._docsets: dict[tuple[str, str], frozenset] = {}
        self._values: dict[str, dict[str, frozenset]] = {}
        self.parsers: dict = {}
        self._stored: OrderedDict = OrderedDict()

    def _scorers(self, searcher) -> list[SegmentScorer]:
        if not isinstance(searcher.weighting, BM25F):
            raise TypeError("term-at-a-time scoring supports BM25F only")
        return [SegmentScorer(self, sub, offset) for sub, offset in searcher.leaf_searchers()]

    def remember(self, key, scores: dict) -> None:
        self.terms[key] = scores
        self._term_postings += len(scores)
        while self._term_postings > TERM_CACHE_POSTINGS and len(self.terms) > 1:
            _key, dropped = self.terms.popitem(last=False)
            self._term_postings -= len(dropped)

    def parsed_query(self, key, parse):
        got = self.parsed.get(key)
        if got is None:
            got = parse()
            self.parsed[key] = got
            if len(self.parsed) > PARSED_QUERY_CACHE:
                self.parsed.popitem(last=False)
        else:
            self.parsed.move_to_end(key)
        return got

    def stored_fields(self, docnum: int) -> dict:
        """The stored fields of a (global) docnum, shared between searches: not to be changed.

        Whoosh decompresses and unpickles them on every read; the same articles are shown in the
        results of many queries."""
        got = self._stored.get(docnum)
        if got is None:
            got = self._stored[docnum] = self.searcher.stored_fields(docnum)
            if len(self._stored) > STORED_DOCUMENTS:
                self._stored.popitem(last=False)
        else:
            self._stored.move_to_end(docnum)
        return got

    def characters(self, fieldname: str, texts: list[str], docnums: list[int]) -> dict:
        """{docnum: {text: [(pos, startchar, endchar), ...]}} of the given (global) docnums."""
        field = self.searcher.schema[fieldname]
        decode = field.format.decode_characters
        out: dict = {docnum: {} for docnum in docnums}
        for segment in self.segments:
            end = segment.offset + segment.reader.doc_count_all()
            local = [docnum - segment.offset for docnum in docnums if segment.offset <= docnum < end]
            if not local:
                continue
            for text in texts:
                try:
                    btext = field.to_bytes(text)
                except ValueError:
                    continue
                if (fieldname, btext) not in segment.reader:
                    continue
                values = segment.term_values(fieldname, btext)
                for docnum in local:
                    value = values.get(docnum)
                    if value is not None:
                        out[docnum + segment.offset][text] = decode(value)
        return out

    def matches(self, q) -> dict:
        """{docnum: score} of every live document matching q."""
        if len(self.segments) == 1 and not self.segments[0].offset:
            return dict(self.segments[0].evaluate(q).scores)
        out: dict = {}
        for segment in self.segments:
            offset = segment.offset
            out.update((docnum + offset, score) for docnum, score in segment.evaluate(q).scores.items())
        return out

    def docset(self, fieldname: str, value: str) -> frozenset:
        """Live documents with the term (a facet value, a visibility)."""
        key = (fieldname, value)
        got = self._docsets.get(key)
        if got is None:
            reader = self.searcher.reader()
            btext = self.searcher.schema[fieldname].to_bytes(value)
            ids = reader.postings(fieldname, btext).all_ids() if (fieldname, btext) in reader else ()
            got = self._docsets[key] = frozenset(ids)
        return got

    def values(self, fieldname: str) -> dict[str, frozenset]:
        """Every value of a keyword field with its live documents."""
        got = self._values.get(fieldname)
        if got is None:
            reader = self.searcher.reader()
            got = {}
            for btext in reader.lexicon(fieldname):
                value = btext.decode("utf-8") if isinstance(btext, bytes) else btext
                got[value] = self.docset(fieldname, value)
            self._values[fieldname] = got
        return got


def positive_terms(q, fieldname: str) -> list[str]:
    """Texts of the terms in fieldname that can make a document match (not the ANDNOT side)."""
    found: list[str] = []

    def walk(node) -> None:
        if isinstance(node, wq.AndNot):
            walk(node.a)
        elif isinstance(node, wq.Not):
            return
        elif isinstance(node, wq.Term):
            if node.fieldname == fieldname and node.text not in found:
                found.append(node.text)
        elif isinstance(node, wq.Phrase):
            if node.fieldname == fieldname:
                found.extend(word for word in node.words if word not in found)
        elif isinstance(node, wq.CompoundQuery):
            for sub in node.subqueries:
                walk(sub)
        elif isinstance(node, wq.BinaryQuery):
            walk(node.a)
            walk(node.b)
        elif isinstance(node, wq.WrappingQuery):
            walk(getattr(node, "child", None))

    walk(q)
    return found


class CollectorGeneration(Generation):
    """The same caches and answers as Generation, through Whoosh's own collector and its public
    matcher API: slower (a document at a time), but independent of Whoosh's private internals."""

    def _scorers(self, searcher) -> list[SegmentScorer]:
        return []  # nothing is read term at a time

    def matches(self, q) -> dict:
        # terms=True, as the scores were compared with it: without it Whoosh preloads plain ORs
        # into array matchers, which changes the coordination term count.
        results = self.searcher.search(q, limit=None, terms=True)
        return {docnum: score for score, docnum in results.top_n}

    def characters(self, fieldname: str, texts: list[str], docnums: list[int]) -> dict:
        field = self.searcher.schema[fieldname]
        reader = self.searcher.reader()
        out: dict = {docnum: {} for docnum in docnums}
        for text in texts:
            try:
                btext = field.to_bytes(text)
            except ValueError:
                continue
            if (fieldname, btext) not in reader:
                continue
            matcher = reader.postings(fieldname, btext)
            for docnum in sorted(docnums):
                if matcher.is_active() and matcher.id() < docnum:
                    matcher.skip_to(docnum)
                if not matcher.is_active():
                    break
                if matcher.id() == docnum:
                    out[docnum][text] = matcher.value_as("characters")
        return out

