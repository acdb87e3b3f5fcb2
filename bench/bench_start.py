"""Benchmark the start of a process of the app: the CPU of a `supportline` command and of building
the app as a web worker does, for this tree and for an earlier commit, alternating in one run.

    .venv/bin/python bench/bench_start.py [--baseline REF] [--rounds 15]

The earlier commit is checked out in a temporary `git worktree`; each process runs with its tree as
the working directory, so it imports that tree's `supportline` and `knowledge` with this virtualenv's
libraries. Bytecode is written once for both trees before the timed rounds (as a deployment has it).
CPU is user + system of the child, from getrusage. Prints the median of each and the ratio of now to
the baseline: on a shared machine the CPU of the same work moves by a third from minute to minute,
so only the ratio of alternating rounds counts.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROCESSES = {
    "supportline routes (a command)": ["-m", "supportline.cli", "routes"],
    "create_app() (a web worker's app)": ["-c", "from supportline import create_app; create_app()"],
}


def _cpu_of(args: list[str], cwd: Path, env: dict) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, *args], cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="29bf283", help="the commit to compare with")
    parser.add_argument("--rounds", type=int, default=15)
    options = parser.parse_args()

    env = {**os.environ, "SUPPORTLINE_ENV": "dev", "SECRET_KEY": "bench-" + "x" * 48}
    with tempfile.TemporaryDirectory(prefix="supportline-bench-start-") as scratch:
        baseline = Path(scratch) / "baseline"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(baseline), options.baseline], cwd=ROOT,
                       check=True)
        try:
            trees = {"baseline": baseline, "now": ROOT}
            warm = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
            for tree in trees.values():
                for args in PROCESSES.values():
                    _cpu_of(args, tree, warm)
            cpu: dict[tuple[str, str], list[float]] = {(t, p): [] for t in trees for p in PROCESSES}
            for _ in range(options.rounds):
                for tree_name, tree in trees.items():
                    for process, args in PROCESSES.items():
                        cpu[tree_name, process].append(_cpu_of(args, tree, env))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(baseline)], cwd=ROOT, check=False)

    print(f"CPU of a process's start, median of {options.rounds} alternating rounds "
          f"(baseline {options.baseline}):")
    for process in PROCESSES:
        before = statistics.median(cpu["baseline", process])
        now = statistics.median(cpu["now", process])
        print(f"  {process}: baseline {before:.2f} s, now {now:.2f} s, ratio {now / before:.2f}")


if __name__ == "__main__":
    main()
