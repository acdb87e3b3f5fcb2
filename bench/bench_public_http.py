"""Public guidance at scale: nginx (deploy/nginx.conf) and gunicorn, measured with wrk in one run.

    .venv/bin/python bench/bench_public_http.py [--documents 500] [--rounds 3] [--duration 2] [--connections 8]

Creates a throwaway instance (SQLite, SUPPORTLINE_ENV=dev) with a seeded corpus, starts gunicorn
(2 sync workers) and nginx with deploy/nginx.conf in front of it (deploy/nginx_local.py), and
measures, one after the other at each connection count:

- nginx serving the fingerprinted stylesheet from disk (static);
- one article through the nginx cache (anonymous: a HIT after the first read);
- the same article straight from gunicorn (no proxy: the app answers a repeated read from the
  copy each process keeps by ETag, after looking up the change log and counting the view);
- every article in turn straight from gunicorn (more articles than a process keeps: each rendered);
- the search page straight from gunicorn, every request a query string new to the run (and to
  the warm-up and the other rounds, so none is answered from a process's copy);
- /healthz straight from gunicorn.

Prints a Markdown section for bench/RESULTS.md with the ratios that the goals are stated in
(they count, not the absolute figures: the machine is shared). Everything started is stopped.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote_plus

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench_search_http as search_http  # noqa: E402
import common  # noqa: E402
from server import BIN, ROOT, free_port, get, run_cli, stop, wait_healthy  # noqa: E402

import knowledge  # noqa: E402
from deploy import nginx_local  # noqa: E402

WORKERS = 2
# wrk's Lua side: every request the next article of the corpus.
LUA_ARTICLES = """
local slugs = {%(slugs)s}
local counter = 0
function request()
  counter = counter + 1
  return wrk.format("GET", "/kunskap/" .. slugs[(counter %% #slugs) + 1])
end
%(done)s
"""
# The goals of issue 19, as ratios measured in the same run.
GOALS = {
    ("article_cached", "static"): 0.5,
    ("article", "healthz"): 0.5,
    ("article_rendered", "healthz"): 0.5,
    ("search", "healthz"): 0.25,
}
GOAL_SEARCH_P99_MS = 100.0
# Query strings per run of wrk on the search page, in blocks of the base queries (each block the
# queries with one more word): 20 x 200 = 4,000, more than one run of a few seconds asks for.
SEARCH_STRIDE = 20
TARGETS = ("static", "article_cached", "article", "article_rendered", "search", "healthz")
LABELS = {
    "static": "static file through nginx",
    "article_cached": "article through the nginx cache",
    "article": "article from gunicorn",
    "article_rendered": "every article in turn from gunicorn",
    "search": "search page from gunicorn",
    "healthz": "/healthz from gunicorn",
}


def run(args) -> dict:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    if nginx_local.binary() is None:
        raise SystemExit("nginx is missing: make test-tools")
    started = time.perf_counter()
    articles = common.load_articles()
    corpus = common.make_corpus(args.documents, articles=articles)
    queries = [q for _kind, q in common.make_queries(args.queries, articles=articles)]
    extras = common.extra_words(articles=articles)
    tmp = Path(tempfile.mkdtemp(prefix="bench-public-"))
    out: dict = {"date": common.today(), "documents": len(corpus), "load_start": common.load(),
                 "uptime_start": _uptime()}
    proc = nginx = log = None
    try:
        env = search_http.instance_env(tmp)
        knowledge.write_directory(corpus, tmp / "articles")
        run_cli(["db", "upgrade"], env, timeout=300)
        run_cli(["kb", "import", str(tmp / "articles")], env, timeout=900)

        def lua_list(values):
            return ", ".join(json.dumps(quote_plus(v)) for v in values)

        search_runs = itertools.count()

        def search_lua() -> Path:
            # Each run of wrk starts further on in the sequence of query strings, so that no string
            # comes again within the benchmark (a process answers a repeated one from its copy).
            start = next(search_runs) * SEARCH_STRIDE * len(queries)
            script = tmp / f"search-{start}.lua"
            script.write_text(search_http.LUA_SEARCH % {
                "queries": lua_list(queries), "extras": lua_list(extras), "start": start,
                "done": search_http.LUA_DONE}, encoding="utf-8")
            return script
        articles_lua = tmp / "articles.lua"
        articles_lua.write_text(LUA_ARTICLES % {"slugs": lua_list([a.slug for a in corpus]),
                                                "done": search_http.LUA_DONE}, encoding="utf-8")
        plain_lua = tmp / "plain.lua"
        plain_lua.write_text(search_http.LUA_PLAIN % {"done": search_http.LUA_DONE}, encoding="utf-8")

        port, listen = free_port(), free_port()
        base, front = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{listen}"
        log = open(tmp / "gunicorn.log", "w")  # noqa: SIM115 - closed in finally
        proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", str(WORKERS), "-b", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        wait_healthy(base, proc, len(corpus))
        nginx = nginx_local.start(tmp / "nginx", listen, port)
        slug = corpus[0].slug
        status, page = _first_read(f"{front}/kunskap/{slug}", nginx)
        if status != 200:
            raise RuntimeError(f"nginx does not serve the article: HTTP {status}\n{nginx_local.logs(tmp / 'nginx')}")
        stylesheet = page.split('href="/static/', 1)[1].split('"', 1)[0]
        paths = {
            "static": (plain_lua, f"{front}/static/{stylesheet}"),
            "article_cached": (plain_lua, f"{front}/kunskap/{slug}"),
            "article": (plain_lua, f"{base}/kunskap/{slug}"),
            "article_rendered": (articles_lua, f"{base}/kunskap/"),
            "search": (search_lua, f"{base}/kunskap/sok"),
            "healthz": (plain_lua, f"{base}/healthz"),
        }
        # Warm-up: workers open their searcher and load templates; the cache holds the article.
        for name in ("healthz", "search", "article", "article_rendered", "article_cached", "static"):
            script, url = paths[name]
            search_http.wrk(script() if callable(script) else script, url, 2, 1)

        # Round after round of every target, so that the load of the shared machine, which drifts
        # over a minute, weighs on all of them alike; the medians of the rounds are reported.
        rounds: dict[tuple[str, int], list[dict]] = {}
        for connections in args.connections:
            for number in range(args.rounds):
                for name in TARGETS:
                    script, url = paths[name]
                    result = search_http.wrk(script() if callable(script) else script, url, connections,
                                             args.duration)
                    rounds.setdefault((name, connections), []).append(result)
                    print(f"round {number + 1} {name:15} c={connections}: {result['rps']:.1f} req/s, "
                          f"p99 {result['p99_us'] / 1000:.1f} ms, errors {result['status_errors']}", file=sys.stderr)
        out["rounds"] = args.rounds
        out["runs"] = [_median_run(name, connections, results) for (name, connections), results in rounds.items()]
    finally:
        if nginx is not None:
            nginx_local.stop(nginx)
        if proc is not None:
            stop(proc)
        if log is not None:
            log.close()
        shutil.rmtree(tmp, ignore_errors=True)
    out["elapsed_s"] = time.perf_counter() - started
    out["load_end"] = common.load()
    out["uptime_end"] = _uptime()
    return out


def _median_run(name: str, connections: int, results: list[dict]) -> dict:
    """One row for a target: the median of each figure over the rounds, the errors summed."""
    median = {key: statistics.median(r[key] for r in results) for key in ("rps", "p50_us", "p99_us")}
    summed = {key: sum(r[key] for r in results) for key in (
        "requests", "status_errors", "connect_errors", "read_errors", "write_errors", "timeouts")}
    return {"target": name, "connections": connections, **median, **summed,
            "rps_rounds": [round(r["rps"], 1) for r in results]}


def _first_read(url: str, nginx: subprocess.Popen, timeout: float = 15.0) -> tuple[int, str]:
    """The first answer once nginx listens."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return get(url)
        except OSError:
            if nginx.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def markdown(out: dict, command: str) -> str:
    runs, connections = search_http.runs_by_target(out)
    lines = [
        f"## Public guidance through nginx and gunicorn, issue 19 ({out['date']})",
        "",
        f"Command: `{command}`",
        "",
        f"A throwaway instance (SQLite, `SUPPORTLINE_ENV=dev`, {out['documents']} seeded articles), gunicorn with "
        f"{WORKERS} sync workers, nginx 1 worker with `deploy/nginx.conf` in front, wrk 1 thread, all on this "
        "machine; every search request a distinct query string.",
        "",
        f"Load: `{out['uptime_start']}` at the start, `{out['uptime_end']}` at the end (2 CPUs shared by the "
        "team's other work: ratios count, not absolute figures).",
        "",
        f"Medians of {out['rounds']} rounds; each round runs every target once, one after the other.",
        "",
        "| target | connections | req/s (median) | req/s per round | p50 | p99 | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in connections:
        for name in TARGETS:
            r = runs[(name, c)]
            errors = r["status_errors"] + r["connect_errors"] + r["read_errors"] + r["write_errors"] + r["timeouts"]
            lines.append(f"| {LABELS[name]} | {c} | {r['rps']:.1f} | {', '.join(map(str, r['rps_rounds']))} | "
                         f"{r['p50_us'] / 1000:.1f} ms | "
                         f"{r['p99_us'] / 1000:.1f} ms | {errors} of {r['requests']} |")
    lines += ["", "| goal | connections | ratio | goal | met |", "|---|---|---|---|---|"]
    for c in connections:
        for (a, b), goal in GOALS.items():
            ratio = runs[(a, c)]["rps"] / runs[(b, c)]["rps"]
            lines.append(f"| {LABELS[a]} / {LABELS[b]} | {c} | {ratio:.2f} | ≥ {goal} | "
                         f"{common.verdict(ratio >= goal)} |")
    if 8 in connections:
        p99 = runs[("search", 8)]["p99_us"] / 1000
        lines += ["", f"Search page p99 at 8 connections: {p99:.1f} ms (goal < {GOAL_SEARCH_P99_MS:.0f} ms on a quiet "
                      f"machine: {common.verdict(p99 < GOAL_SEARCH_P99_MS)})."]
    lines += ["", f"Total run time {out['elapsed_s']:.0f} s."]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=500)
    parser.add_argument("--queries", type=int, default=common.QUERIES)
    parser.add_argument("--duration", type=int, default=2, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over all targets (medians reported)")
    parser.add_argument("--connections", type=int, nargs="+", default=[8])
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    return search_http.run_wrk_bench(parser, argv, "bench_public_http.py", run, markdown)


if __name__ == "__main__":
    sys.exit(main())
