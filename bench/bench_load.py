"""Load benchmark (issue 9): handlers and professionals against gunicorn (2 workers) on PostgreSQL
with 100,000 inquiries and the full knowledge base, driven by locust (bench/locustfile.py).

    .venv/bin/pip install -e '.[bench]'      # locust
    .venv/bin/python bench/bench_load.py [--steps 5 10 20 40 80 160] [--step-time 40] [--refine 2] [--keep]

Everything on 127.0.0.1 and bounded in time:

1. creates a PostgreSQL database of its own (dropped at the end unless --keep) and an instance folder;
2. `supportline db upgrade`, `supportline demo seed --inquiries N` (with SUPPORTLINE_ENV=dev: the seed
   refuses production), `supportline kb import knowledge/content` (builds the search index) and
   `supportline users create` for the handler accounts, each timed;
3. starts `gunicorn -w 2` on a free loopback port with SUPPORTLINE_ENV=production, a random SECRET_KEY,
   SUPPORTLINE_REQUIRE_MFA=0 (the scenario logs in with the password form), SUPPORTLINE_SECURE_COOKIES=0
   (plain HTTP on loopback) and SUPPORTLINE_RATELIMIT_ENABLED=0 (request rate limits would throttle the
   load generator's single address), and waits for /healthz with the index loaded;
4. runs locust headless in its own process, one run per step of simulated users (each user one task a
   second), after a short unrecorded warm-up; the steps go up until a step misses the goal (any failed
   request, or a p95 at or above --max-p95 ms on a route with at least --min-requests requests), then
   --refine bisection steps between the last step that met it and the first that did not (--no-stop runs
   every step, to see where the server saturates);
5. prints a Markdown section: per step the offered and achieved rate, the overall median and p95, errors
   and the CPU time used by the gunicorn workers, the database's backends and locust; per route the median,
   p95 and rate at each step, and the time inside the app (from gunicorn's access log, or the app's own
   request log when the tree's gunicorn.conf.py turns the access log off); failures by route and message;
   anything that looks like an error in the gunicorn log; and the highest rate that met the goal.

Locust and gunicorn share the two cores: the load generator's CPU is reported so its share is visible.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import re
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import unquote

sys.path.insert(0, str(Path(__file__).resolve().parent))

from server import BIN, ROOT, free_port, run_cli, stop, wait_healthy  # noqa: E402

PG_ADMIN = os.environ.get("SUPPORTLINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
WORKERS = 2
# The access log (production runs one too, see the Procfile) gives the time each request spent in the
# worker (%(D)s, microseconds): the rest of what locust measures is waiting for a free worker, the
# connection and the load generator itself.
ACCESS_FORMAT = "%(m)s %(U)s %(s)s %(D)s ?%(q)s"
WARMUP_USERS = 6
WARMUP_SECONDS = 12
# Routes in the order the tables show them; locust's CSV names them "METHOD name" here.
ROUTE_ORDER = [
    "GET /kunskap/", "GET /kunskap/sok", "GET /kunskap/[slug]",
    "GET / (mina uppföljningar)", "GET /arenden", "GET /arenden?q=", "GET /arenden, ?q=", "GET /arenden/[id]",
    "GET /arenden/nytt",
    "POST /arenden/utkast", "POST /kunskap/forslag", "GET /arenden/tidigare-kontakter", "POST /arenden/nytt",
]




def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f} (5 min {five:.1f})"










# CPU accounting ----------------------------------------------------------------------------------

def cpu_seconds(pids) -> dict[int, float]:
    import psutil  # installed with locust

    out = {}
    for pid in pids:
        try:
            t = psutil.Process(pid).cpu_times()
            out[pid] = t.user + t.system
        except psutil.Error:
            pass
    return out


def gunicorn_pids(proc: subprocess.Popen) -> list[int]:
    import psutil

    try:
        master = psutil.Process(proc.pid)
        return [proc.pid] + [c.pid for c in master.children(recursive=True)]
    except psutil.Error:
        return []


def backend_pids(database: str) -> list[int]:
    """The PostgreSQL server processes serving our database (their title names it)."""
    import psutil

    pids = []
    for p in psutil.process_iter(["cmdline"]):
        cmd = " ".join(p.info.get("cmdline") or [])
        if cmd.startswith("postgres:") and f" {database} " in cmd:
            pids.append(p.pid)
    return pids


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    # A process that appeared during the step counts from zero; one that ended is lost (rare: the pools
    # keep their connections).
    return sum(t - before.get(pid, 0.0) for pid, t in after.items())


# Locust ------------------------------------------------------------------------------------------

def run_locust(base: str, users: int, seconds: int, prefix: Path, env: dict) -> dict:
    spawn_rate = max(5.0, users / 2)  # every user started within about two seconds
    command = [
        str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "--host", base,
        "--users", str(users), "--spawn-rate", f"{spawn_rate:g}", "--run-time", f"{seconds}s",
        "--csv", str(prefix), "--reset-stats", "--only-summary", "--stop-timeout", "5", "--loglevel", "WARNING",
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=seconds + 120)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    stats_file = Path(f"{prefix}_stats.csv")
    if not stats_file.exists():
        raise RuntimeError(f"locust wrote no statistics ({done.returncode}):\n{done.stdout[-3000:]}\n"
                           f"{done.stderr[-3000:]}")
    routes: dict[str, dict] = {}
    total = None
    with stats_file.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            entry = {
                "requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
                "rps": float(row["Requests/s"]), "median": _ms(row["50%"]), "p95": _ms(row["95%"]),
                "p99": _ms(row["99%"]), "max": float(row["Max Response Time"] or 0),
            }
            if row["Name"] == "Aggregated":
                total = entry
            else:
                routes[f"{row['Type']} {row['Name']}"] = entry
    failures = []
    failures_file = Path(f"{prefix}_failures.csv")
    if failures_file.exists():
        with failures_file.open(encoding="utf-8", newline="") as fh:
            failures = [{"route": f"{r['Method']} {r['Name']}", "error": r["Error"], "count": int(r["Occurrences"])}
                        for r in csv.DictReader(fh)]
    return {
        "users": users, "seconds": seconds, "routes": routes, "total": total or {}, "failures": failures,
        "locust_cpu_s": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        "locust_wall_s": wall, "exit": done.returncode,
    }


def _ms(value: str) -> float | None:
    return None if value in ("", "N/A") else float(value)


def route_key(name: str) -> tuple[int, str]:
    return (ROUTE_ORDER.index(name) if name in ROUTE_ORDER else len(ROUTE_ORDER), name)


def meets_goal(step: dict, max_p95: float, min_requests: int) -> tuple[bool, str]:
    """No failed request at all, and p95 below max_p95 on every route with at least min_requests requests
    in the step (with fewer, "p95" is about the slowest single request: such routes are shown, not judged;
    the logins of the users' start are among them)."""
    if step["total"].get("failures", 0):
        return False, f"{step['total']['failures']} failed requests"
    slow = [f"{name} p95 {r['p95']:.0f} ms" for name, r in sorted(step["routes"].items(), key=lambda i: route_key(
        i[0])) if r["p95"] is not None and r["p95"] >= max_p95 and r["requests"] >= min_requests]
    if slow:
        return False, "; ".join(slow)
    if not step["total"].get("requests"):
        return False, "no requests"
    return True, ""


def route_of(method: str, path: str, query: str) -> str:
    """The locust name of a request from the access log (bench/locustfile.py names them so)."""
    if path == "/":
        name = "/ (mina uppföljningar)"
    elif path == "/arenden":
        name = "/arenden?q=" if re.search(r"(^|&)q=[^&]", query) else "/arenden"
    elif re.fullmatch(r"/arenden/\d+", path):
        name = "/arenden/[id]"
    elif path.startswith("/kunskap/") and path.count("/") == 2 and path not in {"/kunskap/sok", "/kunskap/forslag"} \
            and path != "/kunskap/":
        name = "/kunskap/[slug]"
    else:
        name = path
    return f"{method} {name}"


# The app's own request log (one JSON object a line on the workers' stderr) names the route pattern.
APP_ROUTES = {"/arenden": "/arenden, ?q=", "/arenden/<int:inquiry_id>": "/arenden/[id]", "/kunskap/<slug>":
              "/kunskap/[slug]", "/": "/ (mina uppföljningar)"}


def _tail(path: Path, start: int) -> str:
    if not path.exists():
        return ""
    with path.open("rb") as fh:
        fh.seek(start)
        return fh.read().decode("utf-8", "replace")


def server_times(logs: dict[str, Path], offsets: dict[str, int]) -> tuple[str, dict[str, dict]]:
    """Median and p95 (ms) of the time in the worker per route, for the log lines written after `offsets`.

    From gunicorn's access log (%(D)s, with the query string, so list and search are apart) when it has
    lines; a gunicorn.conf.py with its own logging may turn it off, and then from the app's request log
    ("duration_ms", measured inside the app; list and search share the route /arenden)."""
    times: dict[str, list[float]] = {}
    for line in _tail(logs["access"], offsets["access"]).splitlines():
        parts = line.split(" ")
        if len(parts) == 5 and parts[3].isdigit():
            method, path, _status, micros, query = parts
            times.setdefault(route_of(method, unquote(path), query[1:]), []).append(int(micros) / 1000)
    source = "access log `%(D)s`"
    if not times:
        source = "the app's request log, `duration_ms`"
        for line in _tail(logs["gunicorn"], offsets["gunicorn"]).splitlines():
            if '"supportline.request"' not in line:
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("duration_ms") is None:
                continue
            route = APP_ROUTES.get(entry.get("route"), entry.get("route"))
            times.setdefault(f"{entry.get('method')} {route}", []).append(float(entry["duration_ms"]))
    out = {}
    for name, values in times.items():
        values.sort()
        out[name] = {"requests": len(values), "median": statistics.median(values),
                     "p95": values[max(0, math.ceil(len(values) * 0.95) - 1)]}
    return source, out


def run_step(users: int, args, base: str, out_dir: Path, env: dict, proc: subprocess.Popen, database: str,
             logs: dict[str, Path]) -> dict:
    offsets = {name: (path.stat().st_size if path.exists() else 0) for name, path in logs.items()}
    server_pids = gunicorn_pids(proc)
    db_before = cpu_seconds(backend_pids(database))
    web_before = cpu_seconds(server_pids)
    load_before = load()
    one_before = os.getloadavg()[0]
    step = run_locust(base, users, args.step_time, out_dir / f"step-{users:04d}", env)
    step["web_cpu_s"] = cpu_delta(web_before, cpu_seconds(gunicorn_pids(proc)))
    step["db_cpu_s"] = cpu_delta(db_before, cpu_seconds(backend_pids(database)))
    step["load"] = f"{load_before} → {load()}"
    step["load_1min"] = (one_before, os.getloadavg()[0])
    # Includes the requests of the spawning seconds that locust's reset leaves out, and access log lines are
    # written when a request ends: close enough to compare with locust's figures, not to add up with them.
    step["server_source"], step["server"] = server_times(logs, offsets)
    step["ok"], step["why"] = meets_goal(step, args.max_p95, args.min_requests)
    t = step["total"]
    print(f"users {users:4d}: {t.get('rps', 0):7.1f} req/s, median {t.get('median')} ms, p95 {t.get('p95')} ms, "
          f"failures {t.get('failures', 0)} of {t.get('requests', 0)}; CPU s web {step['web_cpu_s']:.0f} / db "
          f"{step['db_cpu_s']:.0f} / locust {step['locust_cpu_s']:.0f}; {step['load']}; "
          f"{'goal met' if step['ok'] else 'goal missed: ' + step['why']}", file=sys.stderr, flush=True)
    return step


# Setup and the whole run -------------------------------------------------------------------------

def scan_log(text: str) -> dict:
    """Errors in the gunicorn log: the master's own lines, and the workers' stderr, where the app logs
    (plain text, or one JSON object a line with "level" and the traceback in "exc")."""
    lines, tracebacks, first = [], 0, ""
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("level") in {"ERROR", "CRITICAL"} or int(entry.get("status") or 0) >= 500:
                lines.append(" ".join(str(entry.get(k, "")) for k in ("ts", "level", "logger", "message", "method",
                                                                        "route", "status", "exc_type")))
                if entry.get("exc"):
                    tracebacks += 1
                    first = first or entry["exc"]
        elif re.search(r"\[(ERROR|CRITICAL)\]|WORKER TIMEOUT|Exception on |^Traceback ", line):
            lines.append(line)
    for m in re.finditer(r"^Traceback \(most recent call last\):", text, re.M):
        tracebacks += 1
        if not first:
            begin = text.rfind("\n", 0, max(0, m.start() - 1)) + 1
            first = text[begin:m.start() + 4000]
    return {"tracebacks": tracebacks, "error_lines": lines[:20], "error_line_count": len(lines),
            "first_traceback": first}


def run(args) -> dict:
    if not (BIN / "locust").exists():
        raise SystemExit("locust is missing: .venv/bin/pip install -e '.[bench]'")
    import psycopg

    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="bench-load-"))
    out_dir = args.out or (tmp / "locust")
    out_dir.mkdir(parents=True, exist_ok=True)
    database = f"supportline_load_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(PG_ADMIN, autocommit=True)
    admin.execute(f'CREATE DATABASE "{database}"')
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + database
    instance = tmp / "instance"
    instance.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTLINE_") and k != "DATABASE_URL"}
    env.update(
        SUPPORTLINE_ENV="production", SECRET_KEY=secrets.token_urlsafe(48), DATABASE_URL=url,
        SUPPORTLINE_INSTANCE_PATH=str(instance), SUPPORTLINE_INDEX_DIR=str(instance / "index"),
        SUPPORTLINE_HANDOVER_DIR=str(instance / "handover"),
        SUPPORTLINE_REQUIRE_MFA="0", SUPPORTLINE_SECURE_COOKIES="0", SUPPORTLINE_RATELIMIT_ENABLED="0",
        # For a gunicorn.conf.py that keeps Prometheus counters in files: inside the instance, removed with it.
        PROMETHEUS_MULTIPROC_DIR=str(instance / "metrics"),
    )
    documents = len(list((ROOT / "knowledge" / "content").glob("*.md")))
    out: dict = {"date": time.strftime("%Y-%m-%d %H:%M"), "inquiries": args.inquiries, "documents": documents,
                 "database": database, "load_start": load(), "steps": [], "step_time": args.step_time,
                 "tasks_per_second": args.tasks_per_second, "max_p95": args.max_p95, "cores": os.cpu_count(),
                 "min_requests": args.min_requests}
    proc = None
    log = None
    try:
        out["upgrade_s"], _ = run_cli(["db", "upgrade"], env, timeout=300)
        out["seed_s"], _ = run_cli(["demo", "seed", "--inquiries", str(args.inquiries)],
                                   {**env, "SUPPORTLINE_ENV": "dev"}, timeout=900)
        out["import_s"], out["import_output"] = run_cli(["kb", "import", str(ROOT / "knowledge" / "content")], env,
                                                        timeout=600)
        password = secrets.token_urlsafe(18)
        emails = [f"belastning-{i:02d}@handlaggare.invalid" for i in range(1, args.handlers + 1)]
        start = time.perf_counter()
        # One CLI process per account (about 1 s of start-up each), two at a time for the two cores.
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda item: run_cli(
                ["users", "create", item[1], "--role", "handler", "--name", f"Handläggare {item[0]:02d}",
                 "--password-stdin"], env, timeout=120, stdin=password + "\n"), enumerate(emails, 1)))
        out["users_s"] = time.perf_counter() - start
        print(f"setup: upgrade {out['upgrade_s']:.1f} s, seed {out['seed_s']:.1f} s, kb import {out['import_s']:.1f} s,"
              f" {len(emails)} handler accounts {out['users_s']:.1f} s", file=sys.stderr, flush=True)

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = open(tmp / "gunicorn.log", "w")  # noqa: SIM115 - closed in finally
        access_log = tmp / "access.log"
        logs = {"access": access_log, "gunicorn": tmp / "gunicorn.log"}
        proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", str(WORKERS), "-b", f"127.0.0.1:{port}", "--access-logfile",
             str(access_log), "--access-logformat", ACCESS_FORMAT, "wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        out["health"] = wait_healthy(base, proc, documents, timeout=90.0)
        # The load generator gets only what it needs: the accounts and the pace, not the app's secrets.
        locust_env = {k: v for k, v in env.items() if not k.startswith("SUPPORTLINE_")
                      and k not in {"SECRET_KEY", "DATABASE_URL"}}
        locust_env.update(LOAD_HANDLER_EMAILS=",".join(emails), LOAD_HANDLER_PASSWORD=password,
                          LOAD_TASKS_PER_SECOND=str(args.tasks_per_second))
        # Warm-up, not recorded: both workers load templates, open the searcher and fill their caches.
        run_locust(base, WARMUP_USERS, WARMUP_SECONDS, out_dir / "warmup", locust_env)

        deadline = time.monotonic() + args.max_minutes * 60
        passed, failed = None, None
        for users in args.steps:
            if time.monotonic() > deadline:
                print("time budget used up", file=sys.stderr)
                break
            step = run_step(users, args, base, out_dir, locust_env, proc, database, logs)
            out["steps"].append(step)
            if step["ok"]:
                passed = users if failed is None else passed
            else:
                failed = users if failed is None else failed
                if not args.no_stop:
                    break
        for _ in range(args.refine):
            if passed is None or failed is None or failed - passed <= max(1, passed // 8):
                break
            if time.monotonic() > deadline:
                print("time budget used up", file=sys.stderr)
                break
            users = (passed + failed) // 2
            step = run_step(users, args, base, out_dir, locust_env, proc, database, logs)
            out["steps"].append(step)
            passed, failed = (users, failed) if step["ok"] else (passed, users)
    finally:
        if proc is not None:
            stop(proc)
        if log is not None:
            log.close()
            text = (tmp / "gunicorn.log").read_text(encoding="utf-8", errors="replace")
            out["log"] = scan_log(text)
            if args.out:
                shutil.copy(tmp / "gunicorn.log", args.out / "gunicorn.log")
        if args.keep:
            print(f"kept database {database} and {tmp}", file=sys.stderr)
        else:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            shutil.rmtree(tmp, ignore_errors=True)
        admin.close()
    out["elapsed_s"] = time.perf_counter() - started
    out["load_end"] = load()
    return out


# Report ------------------------------------------------------------------------------------------

def _fmt(value) -> str:
    return "–" if value is None else f"{value:.0f}"


def markdown(out: dict, command: str) -> str:
    steps = sorted(out["steps"], key=lambda s: s["users"])
    lines = [
        f"### Run {out['date']}",
        "",
        f"Command: `{command}`",
        "",
        f"Setup: `db upgrade` {out.get('upgrade_s', 0):.1f} s, `demo seed --inquiries {out['inquiries']}` "
        f"{out.get('seed_s', 0):.1f} s, `kb import knowledge/content` ({out['documents']} articles, with the index) "
        f"{out.get('import_s', 0):.1f} s, handler accounts {out.get('users_s', 0):.1f} s. "
        f"Each step {out['step_time']} s after spawning (statistics reset when all users run), each user "
        f"{out['tasks_per_second']:g} task/s. {out['load_start']} at the start, {out['load_end']} at the end; "
        f"{out['elapsed_s'] / 60:.1f} min in all.",
        "",
        "| users | offered tasks/s | req/s | median ms | p95 ms | p99 ms | errors | CPU s web / db / locust | "
        "load | goal |",
        "|---:|---:|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for s in steps:
        t = s["total"]
        lines.append(
            f"| {s['users']} | {s['users'] * out['tasks_per_second']:g} | {t.get('rps', 0):.1f} "
            f"| {_fmt(t.get('median'))} | {_fmt(t.get('p95'))} | {_fmt(t.get('p99'))} "
            f"| {t.get('failures', 0)} of {t.get('requests', 0)} | {s['web_cpu_s']:.0f} / {s['db_cpu_s']:.0f} / "
            f"{s['locust_cpu_s']:.0f} of {out['cores'] * s['seconds']} "
            f"| {s['load_1min'][0]:.1f}→{s['load_1min'][1]:.1f} | "
            f"{'met' if s['ok'] else 'missed: ' + s['why']} |"
        )
    routes = sorted({name for s in steps for name in s["routes"]}, key=route_key)
    lines += [
        "",
        "Per route, median / p95 in ms and requests per second:",
        "",
        "| route | " + " | ".join(f"{s['users']} users" for s in steps) + " |",
        "|---|" + "---:|" * len(steps),
    ]
    for name in routes:
        cells = []
        for s in steps:
            r = s["routes"].get(name)
            cells.append("" if r is None else f"{_fmt(r['median'])} / {_fmt(r['p95'])} ({r['rps']:.1f}/s)")
        lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"Time in the gunicorn worker per route (from {steps[0].get('server_source', '')}), median / p95 in ms:",
        "",
        "| route | " + " | ".join(f"{s['users']} users" for s in steps) + " |",
        "|---|" + "---:|" * len(steps),
    ]
    server_routes = sorted({name for s in steps for name in s.get("server", {})} - {"GET /healthz"},
                           key=route_key)
    for name in server_routes:
        cells = []
        for s in steps:
            r = s.get("server", {}).get(name)
            cells.append("" if r is None else f"{r['median']:.0f} / {r['p95']:.0f}")
        lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
    failures = [(s["users"], f) for s in steps for f in s["failures"]]
    if failures:
        lines += ["", "Failed requests:", ""]
        lines += [f"- {users} users: `{f['route']}` ×{f['count']}: {f['error']}" for users, f in failures]
    log = out.get("log", {})
    lines += ["", f"gunicorn log: {log.get('tracebacks', 0)} tracebacks, {log.get('error_line_count', 0)} error lines."]
    if log.get("error_lines"):
        lines += ["", "```", *log["error_lines"][:10], "```"]
    if log.get("first_traceback"):
        lines += ["", "First traceback:", "", "```", log["first_traceback"].rstrip(), "```"]
    # A rate is sustained only if every lower step met the goal too (a lucky step above a miss does not count).
    first_miss = min((s["users"] for s in steps if not s["ok"]), default=None)
    good = [s for s in steps if s["ok"] and (first_miss is None or s["users"] < first_miss)]
    if good:
        best = max(good, key=lambda s: s["total"]["rps"])
        lines += ["", f"Highest rate meeting the goal (no errors; p95 < {out['max_p95']:g} ms on every route with at "
                  f"least {out['min_requests']} requests in the step, in that step and every step below): "
                  f"**{best['total']['rps']:.1f} req/s** with {best['users']} users "
                  f"(median {_fmt(best['total']['median'])} ms, p95 {_fmt(best['total']['p95'])} ms)."]
    else:
        lines += ["", "No step met the goal."]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inquiries", type=int, default=100_000)
    parser.add_argument("--steps", type=int, nargs="+", default=[5, 10, 20, 40, 80, 160],
                        help="simulated users per step, increasing; stops at the first step that misses the goal")
    parser.add_argument("--step-time", type=int, default=40, help="seconds per step after spawning (10-300)")
    parser.add_argument("--refine", type=int, default=2, help="bisection steps after the first miss")
    parser.add_argument("--no-stop", action="store_true",
                        help="run every step even after a miss (shows the whole curve on a busy machine); "
                             "the rate meeting the goal is still taken below the first miss")
    parser.add_argument("--tasks-per-second", type=float, default=1.0, help="pace of each simulated user")
    parser.add_argument("--handlers", type=int, default=8,
                        help="handler accounts to create; with more handler users than accounts, they share them")
    parser.add_argument("--max-p95", type=float, default=200.0, help="the goal: every route's p95 below this (ms)")
    parser.add_argument("--min-requests", type=int, default=20,
                        help="routes with fewer requests in a step are shown but not judged against --max-p95")
    parser.add_argument("--max-minutes", type=float, default=12.0, help="no new step starts after this (load part)")
    parser.add_argument("--out", type=Path, help="keep locust's CSV files and the gunicorn log here")
    parser.add_argument("--keep", action="store_true", help="keep the database and the temporary instance")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    if not 10 <= args.step_time <= 300 or sorted(args.steps) != args.steps or not all(1 <= u <= 2000 for u in
                                                                                       args.steps):
        parser.error("step time 10-300 s; steps increasing, 1-2000 users")
    command = ".venv/bin/python bench/bench_load.py " + " ".join(argv if argv is not None else sys.argv[1:])
    out = run(args)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, ensure_ascii=False), encoding="utf-8")
    print(markdown(out, command.strip()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
