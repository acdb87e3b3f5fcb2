"""The public search page through gunicorn (2 sync workers), measured with wrk on 127.0.0.1.

    .venv/bin/python bench/bench_search_http.py [--duration 12] [--connections 1 8]

Creates a throwaway instance in a temporary directory (SQLite, SUPPORTLINE_ENV=dev), runs the
migrations, imports the seeded 2,000-article corpus (`supportline kb import`, which reindexes),
starts gunicorn on a free loopback port and runs wrk against /kunskap/sok (every request a
distinct query string) and /healthz at each connection count. gunicorn is always stopped at the
end. Prints a Markdown section for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote_plus

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from server import BIN, ROOT, free_port, get, run_cli, stop, wait_healthy  # noqa: E402

import knowledge  # noqa: E402

GOAL_RPS = 200.0
GOAL_P50 = 0.030
WORKERS = 2

# wrk's Lua side: request() cycles through the queries; after each full cycle it appends another
# word, so no query string repeats within a run (a cache could not answer any of them).
LUA_SEARCH = """
local queries = {%(queries)s}
local extras = {%(extras)s}
local counter = %(start)d
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads - 1)
end

function request()
  local n = #queries
  local base = queries[(counter %% n) + 1]
  local round = math.floor(counter / n) + (tid or 0) * 100
  counter = counter + 1
  local q = base
  if round > 0 then
    q = base .. "+" .. extras[((round - 1) %% #extras) + 1]
  end
  return wrk.format("GET", "/kunskap/sok?q=" .. q)
end
%(done)s
"""

LUA_PLAIN = """
%(done)s
"""

LUA_DONE = """
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, '
    .. '"mean_us": %.1f, "max_us": %d, "status_errors": %d, "connect_errors": %d, "read_errors": %d, '
    .. '"write_errors": %d, "timeouts": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.mean, latency.max, e.status, e.connect, e.read, e.write, e.timeout))
end
"""




def instance_env(tmp: Path) -> dict[str, str]:
    instance = tmp / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTLINE_") and k != "DATABASE_URL"}
    env.update(
        SUPPORTLINE_ENV="dev",
        # wrk from one address is exactly what the rate limits stop; the benchmark measures the search.
        SUPPORTLINE_RATELIMIT_ENABLED="0",
        SUPPORTLINE_INSTANCE_PATH=str(instance),
        SUPPORTLINE_INDEX_DIR=str(instance / "index"),
        SUPPORTLINE_HANDOVER_DIR=str(instance / "handover"),
        DATABASE_URL="sqlite:///" + str(instance / "bench.db"),
    )
    return env








def wrk(script: Path, url: str, connections: int, duration: int) -> dict:
    command = [
        "wrk", "-t", "1", "-c", str(connections), "-d", f"{duration}s", "--timeout", "5s", "-s", str(script), url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 30)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCHJSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    result = json.loads(line[len("BENCHJSON ") :])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["command"] = " ".join(command[:-3] + [script.name, url.split("127.0.0.1", 1)[-1]])
    return result




def run(args) -> dict:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    started = time.perf_counter()
    articles = common.load_articles()
    corpus = common.make_corpus(args.documents, articles=articles)
    queries = [q for _kind, q in common.make_queries(args.queries, articles=articles)]
    extras = common.extra_words(articles=articles)
    tmp = Path(tempfile.mkdtemp(prefix="bench-http-"))
    out: dict = {"date": common.today(), "documents": len(corpus), "queries": len(queries), "load_start": common.load()}
    proc = None
    log = None
    try:
        env = instance_env(tmp)
        knowledge.write_directory(corpus, tmp / "articles")
        out["upgrade_s"], _ = run_cli(["db", "upgrade"], env, timeout=300)
        out["import_s"], out["import_output"] = run_cli(["kb", "import", str(tmp / "articles")], env, timeout=900)
        out["reindex_s"], _ = run_cli(["kb", "reindex"], env, timeout=600)

        def lua_list(values):
            return ", ".join(json.dumps(quote_plus(v)) for v in values)

        search_lua = tmp / "search.lua"
        search_lua.write_text(
            LUA_SEARCH % {"queries": lua_list(queries), "extras": lua_list(extras), "start": 0, "done": LUA_DONE},
            encoding="utf-8",
        )
        plain_lua = tmp / "plain.lua"
        plain_lua.write_text(LUA_PLAIN % {"done": LUA_DONE}, encoding="utf-8")

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = open(tmp / "gunicorn.log", "w")  # noqa: SIM115 - closed in finally
        proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", str(WORKERS), "-b", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        out["health"] = wait_healthy(base, proc, len(corpus))
        status, body = get(base + "/kunskap/sok?q=" + quote_plus("hedersvåld skola"))
        if status != 200 or 'class="snippet"' not in body or "enklare läge" in body:
            raise RuntimeError(f"the search page does not answer from the index: HTTP {status}")
        # Warm-up: both workers open their searcher and load the templates.
        wrk(plain_lua, base + "/healthz", 2, 2)
        wrk(search_lua, base + "/kunskap/sok", 2, 3)

        out["runs"] = []
        for connections in args.connections:
            for name, script, path in (("healthz", plain_lua, "/healthz"), ("search", search_lua, "/kunskap/sok")):
                result = wrk(script, base + path, connections, args.duration)
                result.update(target=name, connections=connections)
                out["runs"].append(result)
                print(
                    f"{name:8} c={connections}: {result['rps']:.1f} req/s, p50 {result['p50_us'] / 1000:.1f} ms, "
                    f"p99 {result['p99_us'] / 1000:.1f} ms, errors {result['status_errors']}",
                    file=sys.stderr,
                )
    finally:
        if proc is not None:
            stop(proc)
        if log is not None:
            log.close()
            out["gunicorn_log_tail"] = (tmp / "gunicorn.log").read_text(encoding="utf-8", errors="replace")[-2000:]
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    out["elapsed_s"] = time.perf_counter() - started
    out["load_end"] = common.load()
    return out


def runs_by_target(out: dict) -> tuple[dict, list[int]]:
    """The wrk runs by (target, connections), and the connection counts measured."""
    return ({(r["target"], r["connections"]): r for r in out["runs"]},
            sorted({r["connections"] for r in out["runs"]}))


def markdown(out: dict, command: str) -> str:
    runs, connections = runs_by_target(out)
    lines = [
        f"## Search page through HTTP ({out['date']})",
        "",
        f"Command: `{command}`",
        "",
        f"A throwaway instance (SQLite, `SUPPORTLINE_ENV=dev`) with the same {out['documents']} seeded documents, "
        f"`gunicorn -w {WORKERS} -b 127.0.0.1:<port> wsgi:app` (sync workers), wrk 1 thread on the same machine; "
        f"each search request is a distinct query string (the {out['queries']} queries, then the same with one more "
        "word per round), page 1 with snippets, facets and suggestions; no access log.",
        "",
        f"Setup: `db upgrade` {out['upgrade_s']:.1f} s; `kb import` of {out['documents']} files (with reindex) "
        f"{out['import_s']:.1f} s; `kb reindex` alone {out['reindex_s']:.1f} s (goal < 8 s: "
        f"{common.verdict(out['reindex_s'] < 8.0)}; includes starting the CLI and reading the database).",
        "",
        "| target | connections | req/s | p50 | p90 | p99 | errors | search / healthz req/s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in connections:
        for name in ("healthz", "search"):
            r = runs[(name, c)]
            errors = r["status_errors"] + r["connect_errors"] + r["read_errors"] + r["write_errors"] + r["timeouts"]
            ratio = ""
            if name == "search":
                ratio = f"{r['rps'] / runs[('healthz', c)]['rps']:.3f}"
            lines.append(
                f"| {'/kunskap/sok' if name == 'search' else '/healthz'} | {c} | {r['rps']:.1f} | "
                f"{r['p50_us'] / 1000:.1f} ms | {r['p90_us'] / 1000:.1f} ms | {r['p99_us'] / 1000:.1f} ms | "
                f"{errors} of {r['requests']} | {ratio} |"
            )
    best = max(runs[("search", c)]["rps"] for c in connections)
    low = runs[("search", connections[0])]
    lines += [
        "",
        f"Goals: search page ≥ 200 req/s: best {best:.1f} req/s ({common.verdict(best >= GOAL_RPS)}); "
        f"p50 < 30 ms at low load ({connections[0]} connection): {low['p50_us'] / 1000:.1f} ms "
        f"({common.verdict(low['p50_us'] / 1e6 < GOAL_P50)}).",
        f"Total run time {out['elapsed_s']:.0f} s; {out['load_start']} at the start, {out['load_end']} at the end.",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=common.DOCUMENTS)
    parser.add_argument("--queries", type=int, default=common.QUERIES)
    parser.add_argument("--duration", type=int, default=12, help="seconds per wrk run (10-15)")
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--keep", action="store_true", help="keep the temporary instance")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    return run_wrk_bench(parser, argv, "bench_search_http.py", run, markdown)


def run_wrk_bench(parser, argv, script: str, run, markdown) -> int:
    """Parse the arguments (--duration, --connections, --json), run, print the Markdown section
    with the command that made it, and write the JSON when asked."""
    args = parser.parse_args(argv)
    if not 1 <= args.duration <= 60 or not all(1 <= c <= 64 for c in args.connections):
        parser.error("duration 1-60 s, connections 1-64")
    command = f".venv/bin/python bench/{script} " + " ".join(argv if argv is not None else sys.argv[1:])
    out = run(args)
    print(markdown(out, command.strip()))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
