"""Whoosh query and matcher classes the index's queries are built from, and the safe parser.

The coordinated OR and the synonym group (a disjunction scored by its best alternative) replace
Whoosh's own classes where those score wrongly; knowledge.scoring evaluates the same classes a
term at a time and must give the same scores.
"""

from __future__ import annotations

from whoosh.matching import CoordMatcher, NullMatcher, UnionMatcher
from whoosh.qparser import (
    BoostPlugin,
    EveryPlugin,
    FieldsPlugin,
    OrGroup,
    RangePlugin,
    SingleQuotePlugin,
    WildcardPlugin,
)
from whoosh.query import DisjunctionMax, Or

from ..scoring import register_coordinated_or

COORDINATION_SCALE = 0.9
SYNONYM_TIEBREAK = 0.0


class _CoordMatcher(CoordMatcher):
    """Whoosh's coordination bonus, fixed for queries with a single matching term.

    The stock SQR formula multiplies by (terms - 1) / terms, which makes every score 0 when only
    one term of the query exists in the index (typical after synonym expansion), and it
    recounts the terms whenever the matcher is replaced mid-search.
    """

    def __init__(self, child, scale: float = 1.0, termcount: int | None = None):
        super().__init__(child, scale=scale)
        if termcount is not None:
            self._termcount = termcount

    def _replacement(self, newchild):
        return self.__class__(newchild, scale=self._scale, termcount=self._termcount)

    def _sqr(self, score, matching):
        if self._termcount <= 1:
            return score
        return super()._sqr(score, matching)


class _CoordOr(Or):
    def _matcher(self, subs, searcher, context):
        reader = searcher.reader()
        matcher = self._tree_matcher(subs, UnionMatcher, searcher, context, lambda q: q.estimate_size(reader))
        if self.scale and any(matcher.term_matchers()):
            matcher = _CoordMatcher(matcher, scale=self.scale)
        return matcher


register_coordinated_or(_CoordOr._matcher)


class _DisMaxMatcher(UnionMatcher):
    """The union of two matchers, scored by the better one plus tiebreak times the other.

    Whoosh's own DisjunctionMaxMatcher compares the scores of two different documents when its
    sub-matchers are on different postings, so it is not used.
    """

    def __init__(self, a, b, tiebreak: float = 0.0):
        super().__init__(a, b)
        self.tiebreak = tiebreak

    def copy(self):
        return self.__class__(self.a.copy(), self.b.copy(), tiebreak=self.tiebreak)

    def replace(self, minquality=0):
        a, b = self.a, self.b
        if not (a.is_active() or b.is_active()):
            return NullMatcher()
        if not a.is_active():
            return b.replace(minquality)
        if not b.is_active():
            return a.replace(minquality)
        # No pruning below this node: the additive shortcuts of UnionMatcher do not hold for a maximum.
        new_a, new_b = a.replace(), b.replace()
        if new_a is not a or new_b is not b:
            return self.__class__(new_a, new_b, tiebreak=self.tiebreak)
        self._id = None
        return self

    def score(self):
        a, b = self.a, self.b
        if not a.is_active():
            return b.score()
        if not b.is_active():
            return a.score()
        id_a, id_b = a.id(), b.id()
        if id_a < id_b:
            return a.score()
        if id_b < id_a:
            return b.score()
        scores = sorted((a.score(), b.score()))
        return scores[1] + self.tiebreak * scores[0]


class _DisMax(DisjunctionMax):
    # knowledge.scoring evaluates it as the pairwise maximum of _DisMaxMatcher.
    pairwise_max = True

    def _matcher(self, subs, searcher, context):
        # No weighted tree: Whoosh's make_weighted_tree drops the tiebreak argument.
        return self._tree_matcher(subs, _DisMaxMatcher, searcher, context, None, tiebreak=self.tiebreak)


class _ScaledOrGroup(OrGroup):
    """OR grouping with a bonus for documents that match more of the terms."""

    qclass = _CoordOr

    def __init__(self, nodes=None, **kwargs):
        kwargs["scale"] = COORDINATION_SCALE
        super().__init__(nodes=nodes, **kwargs)


# Field, range, wildcard and boost syntax would let anyone run unbounded queries.
_REMOVED_PLUGINS = (FieldsPlugin, WildcardPlugin, RangePlugin, BoostPlugin, EveryPlugin, SingleQuotePlugin)


def safe_parser(parser_class, *args, **kwargs):
    """A Whoosh query parser grouping with the coordinated OR, without the unbounded syntax."""
    parser = parser_class(*args, group=_ScaledOrGroup, **kwargs)
    for plugin in _REMOVED_PLUGINS:
        parser.remove_plugin_class(plugin)
    return parser
