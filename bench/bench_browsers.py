"""Benchmark the browser tests in Debian's two headless Chromiums: chromium-headless-shell (the tests' default)
against the whole browser, chromium, in its new headless mode. Both are built from the same source and version.

    .venv/bin/python bench/bench_browsers.py [--rounds 2] [--workers 2]

A round runs all of tests/browser once in each, alternating, as `make test` runs them (pytest-xdist,
WORKERS workers). Prints each run's wall time and the CPU the whole machine spent meanwhile (from
/proc/stat: the browser, the app and the tests, and whatever else runs), then the medians and the ratio of
the shell to the whole browser. The machine is shared, so only the ratio of alternating runs counts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BROWSERS = {"chromium-headless-shell": "/usr/bin/chromium-headless-shell", "chromium": "/usr/bin/chromium"}


def busy_seconds() -> float:
    """The whole machine's busy time since boot, summed over its cores."""
    with open("/proc/stat") as stat:
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in stat.readline().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def run_browser_tests(executable: str, workers: int) -> tuple[float, float]:
    env = {**os.environ, "SUPPORTLINE_CHROMIUM": executable}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    busy_before = busy_seconds()
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", str(workers),
                             "tests/browser"], cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    busy_after = busy_seconds()
    if result.returncode != 0:
        sys.exit(f"the browser tests failed in {executable}:\n{result.stdout[-3000:]}")
    return wall, busy_after - busy_before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()
    missing = [path for path in BROWSERS.values() if not Path(path).exists()]
    if missing:
        sys.exit(f"missing: {', '.join(missing)} (apt-get install chromium chromium-headless-shell)")

    walls: dict[str, list[float]] = {name: [] for name in BROWSERS}
    cpus: dict[str, list[float]] = {name: [] for name in BROWSERS}
    for round_number in range(1, options.rounds + 1):
        for name, executable in BROWSERS.items():
            wall, cpu = run_browser_tests(executable, options.workers)
            walls[name].append(wall)
            cpus[name].append(cpu)
            print(f"round {round_number}: {name:<24} wall {wall:6.1f} s   machine CPU {cpu:6.1f} s", flush=True)

    print()
    for name in BROWSERS:
        print(f"{name:<24} median wall {statistics.median(walls[name]):6.1f} s   "
              f"median machine CPU {statistics.median(cpus[name]):6.1f} s")
    shell, whole = BROWSERS
    print(f"ratio shell / whole browser: wall "
          f"{statistics.median(walls[shell]) / statistics.median(walls[whole]):.2f}, machine CPU "
          f"{statistics.median(cpus[shell]) / statistics.median(cpus[whole]):.2f}")


if __name__ == "__main__":
    main()
