"""Benchmark the web process's start: gunicorn as the Procfile runs it (gunicorn.conf.py, wsgi:app), with the app
loaded once in the master and forked (preload_app, the setting) against loaded by every worker itself, alternating.

    .venv/bin/python bench/bench_gunicorn_start.py [--rounds 8] [--workers 3]

Each start serves a SQLite database of its own that the migrations made and the guidance articles fill. Prints,
per way, the median seconds until /healthz first answers; the CPU the master and its workers had spent once all
the workers existed and the CPU of the whole process tree stopped moving (every worker ready); and the seconds
from killing a worker (SIGKILL) until its replacement's CPU stops moving (it has loaded the app, or had it
already). Then the ratio of preloading to not: the machine is shared, so only the ratio of alternating starts
counts.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from server import BIN, ROOT, free_port, get, run_cli, stop  # noqa: E402

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.test_gunicorn import _workers_of as children  # noqa: E402 - the one reading of /proc for them

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def wait_for_answer(port: int, deadline: float) -> None:
    while True:
        try:
            get(f"http://127.0.0.1:{port}/healthz", timeout=2.0)
            return
        except OSError:  # nothing listens yet
            if time.monotonic() > deadline:
                raise SystemExit("gunicorn did not answer within a minute") from None
            time.sleep(0.02)


def start(config: Path, env: dict, workers: int) -> tuple[float, float, float]:
    port = free_port()
    env = {**env, "PORT": str(port), "HOST": "127.0.0.1", "WEB_CONCURRENCY": str(workers)}
    started = time.monotonic()
    proc = subprocess.Popen([str(BIN / "gunicorn"), "-c", str(config), "wsgi:app"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = started + 60
        wait_for_answer(port, deadline)
        first_answer = time.monotonic() - started
        # every worker exists and has settled: the CPU of the whole tree stops moving
        while len(children(proc.pid)) < workers and time.monotonic() < deadline:
            time.sleep(0.02)
        settled = None
        while time.monotonic() < deadline:
            now = sum(cpu_seconds(pid) for pid in [proc.pid, *children(proc.pid)])
            if settled is not None and now == settled:
                break
            settled = now
            time.sleep(0.3)
        before = set(children(proc.pid))
        victim = min(before)
        killed = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        while not set(children(proc.pid)) - before:
            time.sleep(0.005)
        (replacement,) = set(children(proc.pid)) - before
        last = -1.0
        while cpu_seconds(replacement) != last:
            last = cpu_seconds(replacement)
            time.sleep(0.05)
        replaced = time.monotonic() - killed
        return first_answer, settled, replaced
    finally:
        stop(proc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="supportline-bench-gunicorn-") as scratch:
        scratch = Path(scratch)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SUPPORTLINE_", "PROMETHEUS_"))}
        env.update({"SUPPORTLINE_ENV": "dev", "SECRET_KEY": "bench-" + "x" * 48,
                    "DATABASE_URL": f"sqlite:///{scratch / 'bench.db'}", "SUPPORTLINE_INSTANCE_PATH": str(scratch),
                    "SUPPORTLINE_INDEX_DIR": str(scratch / "index"), "SUPPORTLINE_LOG_FORMAT": "text"})
        for command in (["db", "upgrade"], ["kb", "import", "knowledge/content"]):
            run_cli(command, env, timeout=300)
        configs = {"preloaded": ROOT / "gunicorn.conf.py", "loaded per worker": scratch / "per-worker.conf.py"}
        configs["loaded per worker"].write_text(
            f"exec(open({str(ROOT / 'gunicorn.conf.py')!r}).read())\npreload_app = False\n")
        results: dict[str, list[tuple[float, float, float]]] = {way: [] for way in configs}
        for round_number in range(options.rounds + 1):  # the first round warms up and is not counted
            for way, config in configs.items():
                figures = start(config, env, options.workers)
                if round_number:
                    results[way].append(figures)
                    print(f"round {round_number}: {way:<18} first answer {figures[0]:5.2f} s   CPU {figures[1]:5.2f} s"
                          f"   a killed worker replaced in {figures[2]:5.2f} s", flush=True)
    print()
    medians = {way: [statistics.median(f[i] for f in rows) for i in range(3)] for way, rows in results.items()}
    for way, (answer, cpu, replaced) in medians.items():
        print(f"{way:<18} median: first answer {answer:5.2f} s, CPU of master and {options.workers} workers "
              f"{cpu:5.2f} s, replacement {replaced:5.2f} s")
    now, before = medians["preloaded"], medians["loaded per worker"]
    print(f"ratio preloaded / per worker: first answer {now[0] / before[0]:.2f}, CPU {now[1] / before[1]:.2f}, "
          f"replacement {now[2] / before[2]:.2f}")


if __name__ == "__main__":
    main()
