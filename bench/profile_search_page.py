"""Where the time of the public search page goes, in-process: the whole request through the test client.

    .venv/bin/python bench/profile_search_page.py [--documents 500 | --content] [--queries 200] [--top 30]

Creates a throwaway instance (SQLite, SUPPORTLINE_ENV=dev, rate limits off) with the seeded corpus
of bench/bench_public_http.py (or, with --content, the shipped articles of knowledge/content), then
asks `/kunskap/sok?q=...` as an anonymous reader, every request a distinct query string made the way
the HTTP benchmark makes them (a question or word, then the same with one more word):

1. a warm-up pass (the worker's searcher, term caches and templates, as in a running worker);
2. a timed pass over further distinct queries, with `/healthz` timed the same way for the ratio;
3. the same again measuring this process's CPU time rather than the wall time;
4. a cProfile pass over yet further distinct queries: the share of the request spent in each part
   (inclusive times of the functions named in PARTS) and the top functions by cumulative time.

Nothing is shared with a running instance; the temporary directory is removed at the end.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import logging
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote_plus

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench_search_http as search_http  # noqa: E402
import common  # noqa: E402
from server import run_cli  # noqa: E402

import knowledge  # noqa: E402

# The parts of a search page, as (label, module path, function name): inclusive times, so a part
# called inside another (a suggestion's matching inside the suggestion) counts in both.
PARTS = [
    ("the tag (public_etag)", "supportline/kb/caching.py", "public_etag"),
    ("the search (service.search)", "supportline/kb/service.py", "search"),
    ("  parsing and expansion (querying.parse)", "knowledge/search/querying.py", "parse"),
    ("  matching (Generation.matches)", "knowledge/scoring.py", "matches"),
    ("  the page of hits and snippets (_page_of_hits)", "knowledge/search/querying.py", "_page_of_hits"),
    ("  the suggestion (_suggest)", "knowledge/search/querying.py", "_suggest"),
    ("  facet counts (_facets)", "knowledge/search/querying.py", "_facets"),
    ("the template (render_template)", "flask/templating.py", "render_template"),
]


def _queries(args) -> list[str]:
    articles = common.load_articles()
    bases = [q for _kind, q in common.make_queries(args.queries, articles=articles)]
    extras = common.extra_words(articles=articles)
    # As bench/bench_search_http.py's Lua does: the bases, then each base with one more word.
    out = list(bases)
    for extra in extras:
        out.extend(f"{base} {extra}" for base in bases)
        if len(out) >= 3 * args.queries + args.warmup:
            break
    return out


def _get(client, path: str, clock=time.perf_counter) -> float:
    start = clock()
    response = client.get(path)
    elapsed = clock() - start
    if response.status_code != 200:
        raise RuntimeError(f"{path}: HTTP {response.status_code}")
    return elapsed


def _parts(profiler: cProfile.Profile) -> dict[str, float]:
    stats = pstats.Stats(profiler).stats  # {(file, line, name): (cc, nc, tt, ct, callers)}
    out = {}
    for label, path, name in PARTS:
        out[label] = sum(ct for (file, _line, func), (_cc, _nc, _tt, ct, _callers) in stats.items()
                         if func == name and file.endswith(path))
    return out


def run(args) -> str:
    tmp = Path(tempfile.mkdtemp(prefix="bench-search-page-"))
    try:
        env = search_http.instance_env(tmp)
        if args.content:
            source, documents = common.CONTENT_DIR, len(common.load_articles())
        else:
            corpus = common.make_corpus(args.documents)
            knowledge.write_directory(corpus, tmp / "articles")
            source, documents = tmp / "articles", len(corpus)
        run_cli(["db", "upgrade"], env, timeout=300)
        run_cli(["kb", "import", str(source)], env, timeout=900)
        os.environ.update(env)
        for name in [k for k in os.environ if k.startswith("SUPPORTLINE_") and k not in env]:
            del os.environ[name]

        from supportline import create_app
        from supportline.kb.index_sync import sync_index

        app = create_app()
        logging.getLogger("supportline.request").setLevel(logging.WARNING)  # one line a request
        with app.app_context():
            sync_index(force=True)
        client = app.test_client()
        queries = [f"/kunskap/sok?q={quote_plus(q)}" for q in _queries(args)]
        n = args.queries
        warm, timed, measured, profiled = (queries[: args.warmup], queries[args.warmup : args.warmup + n],
                                           queries[args.warmup + n : args.warmup + 2 * n],
                                           queries[args.warmup + 2 * n : args.warmup + 3 * n])
        for path in warm:
            _get(client, path)
        for _ in range(50):
            _get(client, "/healthz")
        page_times = [_get(client, path) for path in timed]
        health_times = [_get(client, "/healthz") for _ in range(len(timed))]
        # CPU time of this process, which the other work on a shared machine disturbs less than the
        # wall time (further distinct query strings: a repeated one is a page the process kept).
        page_cpu = [_get(client, path, time.process_time) for path in measured]
        health_cpu = [_get(client, "/healthz", time.process_time) for _ in range(len(timed))]
        profiler = cProfile.Profile()
        profiler.enable()
        started = time.perf_counter()
        for path in profiled:
            _get(client, path)
        profiled_total = time.perf_counter() - started
        profiler.disable()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    page, health = statistics.mean(page_times), statistics.mean(health_times)
    page_cpu_mean, health_cpu_mean = statistics.mean(page_cpu), statistics.mean(health_cpu)
    lines = [
        f"Command: `{args.command_line}`",
        "",
        f"{documents} articles; {len(warm)} warm-up requests, then {len(timed)} timed, {len(measured)} timed by "
        f"CPU time and {len(profiled)} profiled, each a distinct query string; {common.load()} at the end.",
        "",
        f"- search page: mean {page * 1000:.2f} ms, median {statistics.median(page_times) * 1000:.2f} ms, "
        f"p95 {common.percentile(page_times, 95) * 1000:.2f} ms",
        f"- /healthz: mean {health * 1000:.2f} ms; search page / /healthz rate {health / page:.2f}",
        f"- CPU time: search page {page_cpu_mean * 1000:.2f} ms, /healthz {health_cpu_mean * 1000:.2f} ms a request; "
        f"rate {health_cpu_mean / page_cpu_mean:.2f}",
        f"- with the profiler on: {profiled_total / len(profiled) * 1000:.2f} ms a request",
        "",
        "| part (inclusive) | per request | share |",
        "|---|---|---|",
    ]
    for label, seconds in _parts(profiler).items():
        lines.append(f"| {label} | {seconds / len(profiled) * 1000:.2f} ms | {seconds / profiled_total:.0%} |")
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats(args.sort).print_stats(args.top)
    text = stream.getvalue()
    body = text[text.find("   ncalls"):] if "   ncalls" in text else text
    lines += ["", f"Top {args.top} by {args.sort} time:", "", "```", body.rstrip(), "```"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=500)
    parser.add_argument("--content", action="store_true", help="the shipped articles instead of the seeded corpus")
    parser.add_argument("--queries", type=int, default=200, help="timed requests, and as many profiled")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative", choices=["cumulative", "tottime"])
    args = parser.parse_args()
    args.command_line = ".venv/bin/python bench/profile_search_page.py " + " ".join(sys.argv[1:])
    print(run(args))


if __name__ == "__main__":
    main()
