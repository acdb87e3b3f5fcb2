"""In-process benchmark of the knowledge search: Whoosh (as the app uses it) against SQLite FTS5.

    .venv/bin/python bench/bench_search.py            # build, search (Whoosh and FTS5), relevance
    .venv/bin/python bench/bench_search.py profile    # where the time of a Whoosh search goes

Prints a Markdown section for bench/RESULTS.md. Every loop is bounded: 3 builds, one warm-up and
one timed pass over the 200 queries per engine, one pass over the relevance questions.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import html
import io
import json
import pstats
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from common import ms, summary, verdict  # noqa: E402

import knowledge  # noqa: E402
from knowledge.query import lex  # noqa: E402
from knowledge.relevance import evaluate, load_questions  # noqa: E402
from knowledge.render import plain_text  # noqa: E402
from knowledge.search import STOP_WORDS  # noqa: E402

BUILDS = 3
GOAL_MEDIAN = 0.010
GOAL_P95 = 0.040
GOAL_BUILD = 8.0
GOAL_HIT3 = 0.9


# Whoosh -------------------------------------------------------------------------------------------


def time_builds(corpus, tmp: Path, runs: int = BUILDS) -> tuple[list[float], Path]:
    """Wall time of SearchIndex.build on fresh directories; returns the times and the last root."""
    times = []
    root = tmp
    for run in range(runs):
        root = tmp / f"whoosh-{run}"
        start = time.perf_counter()
        count = knowledge.SearchIndex(root).build(corpus)
        times.append(time.perf_counter() - start)
        assert count == len(corpus), count
        if run < runs - 1:
            shutil.rmtree(root)
    return times, root


def time_queries(search, queries) -> tuple[list[float], list[int]]:
    """One warm-up pass, then one timed pass; returns per-query seconds and hit counts."""
    for _kind, q in queries:
        search(q)
    times, totals = [], []
    for _kind, q in queries:
        start = time.perf_counter()
        total = search(q)
        times.append(time.perf_counter() - start)
        totals.append(total)
    return times, totals


def whoosh_search(index: knowledge.SearchIndex):
    def run(q: str) -> int:
        results = index.search(q)  # the public page: page 1, 10 hits, snippets, facets, suggestion
        return results.total

    return run


# SQLite FTS5 --------------------------------------------------------------------------------------

FTS_SCHEMA = """
CREATE VIRTUAL TABLE docs USING fts5(
    title, summary, body,
    slug UNINDEXED, topics UNINDEXED, audiences UNINDEXED, visibility UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
)
"""
FTS_TOP = """
SELECT slug, title, summary, snippet(docs, 2, '<mark>', '</mark>', ' … ', 32), bm25(docs, 3.0, 2.0, 1.0) AS score
FROM docs WHERE docs MATCH ? AND visibility = 'public' ORDER BY score LIMIT ?
"""
FTS_FACETS = "SELECT topics, audiences FROM docs WHERE docs MATCH ? AND visibility = 'public'"


def build_fts(path: Path, corpus, bodies: list[str]) -> float:
    start = time.perf_counter()
    con = sqlite3.connect(path)
    con.execute(FTS_SCHEMA)
    con.executemany(
        "INSERT INTO docs (title, summary, body, slug, topics, audiences, visibility) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (a.title, a.summary, body, a.slug, ",".join(a.topics), ",".join(a.audiences), a.visibility)
            for a, body in zip(corpus, bodies, strict=True)
        ],
    )
    con.execute("INSERT INTO docs(docs) VALUES ('optimize')")
    con.commit()
    con.close()
    return time.perf_counter() - start


def fts_match(raw: str) -> str:
    """The same sanitised input as the app (knowledge.query.lex), as an FTS5 OR query.

    Stop words are dropped as in the Whoosh analyzer; a word typed with a trailing * is an FTS5
    prefix query (the public Whoosh parser has no wildcards and searches the bare word).
    """
    prefixes = {token[:-1].lower() for token in raw.split() if token.endswith("*")}
    terms = []
    for item in lex(raw):
        if item.kind == "word":
            word = item.words[0]
            if word.lower() in STOP_WORDS:
                continue
            terms.append('"' + word + '"' + ("*" if word.lower() in prefixes else ""))
        elif item.kind == "phrase":
            terms.append('"' + " ".join(item.words) + '"')
    return " OR ".join(terms)


def fts_search(con: sqlite3.Connection, facets: bool = True):
    def run(q: str) -> int:
        match = fts_match(q)
        if not match:
            return 0
        hits = [
            (slug, html.escape(title), html.escape(summary), snippet, score)
            for slug, title, summary, snippet, score in con.execute(FTS_TOP, (match, 10))
        ]
        if not facets:
            return len(hits)
        # Total and facet counts over all matches, as the Whoosh page shows them.
        topics: collections.Counter = collections.Counter()
        audiences: collections.Counter = collections.Counter()
        total = 0
        for topic_codes, audience_codes in con.execute(FTS_FACETS, (match,)):
            total += 1
            topics.update(topic_codes.split(","))
            audiences.update(audience_codes.split(","))
        assert len(hits) <= 10
        return total

    return run


# Reporting ----------------------------------------------------------------------------------------


def by_kind(queries, times) -> dict[str, float]:
    groups: dict[str, list[float]] = collections.defaultdict(list)
    for (kind, _q), t in zip(queries, times, strict=True):
        groups[kind].append(t)
    return {kind: statistics.median(values) for kind, values in sorted(groups.items())}


def run_all(args) -> dict:
    started = time.perf_counter()
    articles = common.load_articles()
    corpus = common.make_corpus(args.documents, articles=articles)
    queries = common.make_queries(args.queries, articles=articles)
    tmp = Path(tempfile.mkdtemp(prefix="bench-search-"))
    out: dict = {"date": common.today(), "documents": len(corpus), "queries": len(queries), "load_start": common.load()}
    try:
        start = time.perf_counter()
        bodies = [plain_text(a.body) for a in corpus]
        out["plain_text_s"] = time.perf_counter() - start
        out["words_per_document"] = statistics.fmean(len(b.split()) for b in bodies)

        build_times, root = time_builds(corpus, tmp, args.builds)
        out["build_s"] = build_times
        out["fts_build_s"] = build_fts(tmp / "fts.db", corpus, bodies)

        index = knowledge.SearchIndex(root)
        w_times, w_totals = time_queries(whoosh_search(index), queries)
        index.close()
        con = sqlite3.connect(tmp / "fts.db")
        f_times, f_totals = time_queries(fts_search(con), queries)
        t_times, _ = time_queries(fts_search(con, facets=False), queries)
        con.close()
        out["whoosh"] = summary(w_times) | {"by_kind": by_kind(queries, w_times)}
        out["fts5"] = summary(f_times) | {"by_kind": by_kind(queries, f_times)}
        out["fts5_top"] = summary(t_times)
        out["whoosh_empty"] = sum(1 for t in w_totals if not t)
        out["fts5_empty"] = sum(1 for t in f_totals if not t)
        slowest = sorted(zip(w_times, queries, strict=True), reverse=True)[:5]
        out["whoosh_slowest"] = [(round(t * 1000, 1), kind, q) for t, (kind, q) in slowest]

        rel_root = tmp / "relevance"
        rel_index = knowledge.SearchIndex(rel_root)
        rel_index.build(articles)
        report = evaluate(rel_index, load_questions(common.RELEVANCE_DIR))
        rel_index.close()
        out["relevance"] = {
            "articles": len(articles),
            "questions": report.questions,
            "mrr": report.mrr,
            "hit_at_1": report.hit_at_1,
            "hit_at_3": report.hit_at_3,
            "misses": report.misses,
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    out["elapsed_s"] = time.perf_counter() - started
    out["load_end"] = common.load()
    return out


def markdown(out: dict, command: str) -> str:
    w, f, rel = out["whoosh"], out["fts5"], out["relevance"]
    builds = out["build_s"]
    build_median = statistics.median(builds)
    kinds = ", ".join(
        f"{kind} {w['by_kind'][kind] * 1000:.1f} / {f['by_kind'][kind] * 1000:.2f} ms" for kind in w["by_kind"]
    )
    lines = [
        f"## In-process search, build and relevance ({out['date']})",
        "",
        f"Command: `{command}`",
        "",
        f"Corpus: {out['documents']} seeded documents recombined from the shipped articles, "
        f"{out['words_per_document']:.0f} words per document (plain text); {out['queries']} queries "
        f"(120 relevance questions, 45 words, 25 quoted phrases, 10 `prefix*`). One warm-up pass, then one timed "
        "pass; one SearchIndex (one searcher) reused, as in a web worker.",
        "",
        "| measure | median | p95 | max | goal |",
        "|---|---|---|---|---|",
        f"| Whoosh `SearchIndex.search` (snippets, facets, suggestion) | {ms(w['median'])} | {ms(w['p95'])} | "
        f"{ms(w['max'])} | < 10 ms median ({verdict(w['median'] < GOAL_MEDIAN)}), "
        f"p95 < 40 ms ({verdict(w['p95'] < GOAL_P95)}) |",
        f"| SQLite FTS5 (bm25 3/2/1, `snippet()`, total + facet counts) | {ms(f['median'])} | {ms(f['p95'])} | "
        f"{ms(f['max'])} | baseline |",
        f"| ratio Whoosh / FTS5 | {w['median'] / f['median']:.1f}× | {w['p95'] / f['p95']:.1f}× | | |",
        f"| SQLite FTS5, top 10 with `snippet()` only (no total, no facets) | {ms(out['fts5_top']['median'])} | "
        f"{ms(out['fts5_top']['p95'])} | {ms(out['fts5_top']['max'])} | |",
        f"| ratio Whoosh / FTS5 top 10 only | {w['median'] / out['fts5_top']['median']:.1f}× | "
        f"{w['p95'] / out['fts5_top']['p95']:.1f}× | | |",
        "",
        f"Median per kind of query (Whoosh / FTS5): {kinds}.",
        f"Queries with no hit: Whoosh {out['whoosh_empty']}, FTS5 {out['fts5_empty']}.",
        "Slowest Whoosh queries: "
        + "; ".join(f"{t} ms {kind} `{q}`" for t, kind, q in out["whoosh_slowest"])
        + ".",
        "",
        "| build of the corpus | time |",
        "|---|---|",
        f"| `SearchIndex.build` ({len(builds)} runs: {', '.join(f'{b:.2f}' for b in builds)} s), median | "
        f"{build_median:.2f} s (goal < 8 s: {verdict(build_median < GOAL_BUILD)}) |",
        f"| of which Markdown → plain text (`plain_text`, measured alone) | {out['plain_text_s']:.2f} s |",
        f"| FTS5 table from the same plain text (one run) | {out['fts_build_s']:.2f} s |",
        f"| ratio Whoosh build / (plain text + FTS5) | "
        f"{build_median / (out['plain_text_s'] + out['fts_build_s']):.1f}× |",
        "",
        f"Relevance on the {rel['articles']} shipped articles ({rel['questions']} questions, "
        "`knowledge.relevance.evaluate`, internal articles included): "
        f"MRR {rel['mrr']:.3f}, hit@1 {rel['hit_at_1']:.3f}, hit@3 {rel['hit_at_3']:.3f} "
        f"(goal hit@3 ≥ 0.9: {verdict(rel['hit_at_3'] >= GOAL_HIT3)}); {len(rel['misses'])} not in the top 3.",
        "",
        f"Total run time {out['elapsed_s']:.0f} s; {out['load_start']} at the start, {out['load_end']} at the end.",
    ]
    return "\n".join(lines)


# Profile ------------------------------------------------------------------------------------------


def run_profile(args) -> str:
    """Time the parts of SearchIndex.search by wrapping them (inclusive times), then cProfile a pass."""
    articles = common.load_articles()
    corpus = common.make_corpus(args.documents, articles=articles)
    queries = common.make_queries(args.queries, articles=articles)
    tmp = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    try:
        root = tmp / "whoosh"
        knowledge.SearchIndex(root).build(corpus)
        index = knowledge.SearchIndex(root)
        search = whoosh_search(index)
        for _kind, q in queries:
            search(q)

        spent: dict[str, float] = collections.defaultdict(float)
        depth = {"suggest": 0}
        originals = {}

        def wrap(owner, name, label):
            original = getattr(owner, name)
            originals[(owner, name)] = original

            def timed(*a, **kw):
                if depth["suggest"] and label != "suggestion (_suggest)":
                    return original(*a, **kw)
                if label == "suggestion (_suggest)":
                    depth["suggest"] += 1
                start = time.perf_counter()
                try:
                    return original(*a, **kw)
                finally:
                    spent[label] += time.perf_counter() - start
                    if label == "suggestion (_suggest)":
                        depth["suggest"] -= 1

            setattr(owner, name, timed)

        wrap(knowledge.SearchIndex, "_searcher", "searcher refresh (_searcher)")
        wrap(knowledge.SearchIndex, "_parse", "parse + synonyms + compounds (_parse)")
        wrap(knowledge.SearchIndex, "_run", "matching + scoring (_run)")
        wrap(knowledge.SearchIndex, "_facets", "facet counts (_facets)")
        wrap(knowledge.SearchIndex, "_snippets", "snippets (_snippets, 10 hits)")
        wrap(knowledge.SearchIndex, "_suggest", "suggestion (_suggest)")
        total = 0.0
        for _kind, q in queries:
            start = time.perf_counter()
            search(q)
            total += time.perf_counter() - start
        for (owner, name), original in originals.items():
            setattr(owner, name, original)

        profiler = cProfile.Profile()
        profiler.enable()
        for _kind, q in queries:
            search(q)
        profiler.disable()
        index.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    build_profiler = cProfile.Profile()
    small = corpus[: args.build_documents]
    tmp = Path(tempfile.mkdtemp(prefix="bench-profile-build-"))
    try:
        start = time.perf_counter()
        build_profiler.enable()
        knowledge.SearchIndex(tmp / "whoosh").build(small)
        build_profiler.disable()
        build_seconds = time.perf_counter() - start
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    n = len(queries)
    loadavg = common.load()
    lines = [
        f"## Where a Whoosh search spends its time ({common.today()})",
        "",
        f"Command: `{args.command_line}`",
        "",
        f"Same corpus and queries; one pass after a warm-up, parts timed by wrapping the methods "
        f"(inclusive times; `_parse`/`_run` inside `_suggest` count as suggestion). "
        f"Mean per query {total / n * 1000:.2f} ms; {loadavg} at the end.",
        "",
        "| part | mean per query | share |",
        "|---|---|---|",
    ]
    for label, seconds in sorted(spent.items(), key=lambda pair: -pair[1]):
        lines.append(f"| {label} | {seconds / n * 1000:.2f} ms | {seconds / total:.0%} |")
    rest = total - sum(spent.values())
    share = f"{rest / total:.0%}"
    lines.append(f"| rest (lexing, Hit objects, stored fields, results) | {rest / n * 1000:.2f} ms | {share} |")
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats("cumulative").print_stats(args.top)
    text = stream.getvalue()
    body = text[text.find("   ncalls") :] if "   ncalls" in text else text
    lines += ["", f"cProfile of a further pass, top {args.top} by cumulative time:", "", "```", body.rstrip(), "```"]
    stream = io.StringIO()
    pstats.Stats(build_profiler, stream=stream).sort_stats("tottime").print_stats(args.top)
    text = stream.getvalue()
    body = text[text.find("   ncalls") :] if "   ncalls" in text else text
    lines += [
        "",
        f"cProfile of `SearchIndex.build` of the first {len(small)} documents ({build_seconds:.1f} s under the "
        f"profiler), top {args.top} by own time:",
        "",
        "```",
        body.rstrip(),
        "```",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", nargs="?", choices=("all", "profile"), default="all")
    parser.add_argument("--documents", type=int, default=common.DOCUMENTS)
    parser.add_argument("--queries", type=int, default=common.QUERIES)
    parser.add_argument("--builds", type=int, default=BUILDS)
    parser.add_argument("--top", type=int, default=30, help="profile: lines of cProfile output")
    parser.add_argument("--build-documents", type=int, default=200, help="profile: documents in the profiled build")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    args.command_line = ".venv/bin/python bench/bench_search.py " + " ".join(argv if argv is not None else sys.argv[1:])
    args.command_line = args.command_line.strip()
    if args.mode == "profile":
        print(run_profile(args))
        return 0
    out = run_all(args)
    print(markdown(out, args.command_line))
    if out["relevance"]["misses"]:
        print("\nRelevance misses (question, expected, top 3):", file=sys.stderr)
        for q, expect, top in out["relevance"]["misses"]:
            print(f"  {q!r}: {expect} not in {top}", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
