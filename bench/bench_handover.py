"""Handover export at scale: a full export of N inquiries against a plain SQL dump of the
same tables, measured in the same run, plus verify; peak memory of each child process.

    .venv/bin/python bench/bench_handover.py --inquiries 100000

Prints wall times (median of --repeat runs), the ratio export/dump, and peak RSS.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SL = [sys.executable, "-m", "supportline.cli"]


WRAP = ("import resource, subprocess, sys\n"
        "r = subprocess.run(sys.argv[1:])\n"
        "print('MAXRSS', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
        "sys.exit(r.returncode)\n")


def run(cmd: list[str], env: dict, label: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one command, measured by a wrapper whose only child it is."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", WRAP, *cmd], env=env, cwd=ROOT, capture_output=True, text=True,
                            timeout=1800)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{label} failed:\n{result.stdout}\n{result.stderr}")
    peak_kb = int(result.stderr.rsplit("MAXRSS", 1)[1].split()[0])
    return elapsed, peak_kb / 1024


def dump_script(db_path: Path, out: Path) -> list[str]:
    code = (
        "import sqlite3,sys\n"
        f"con=sqlite3.connect({str(db_path)!r})\n"
        f"with open({str(out)!r},'w') as fh:\n"
        "    for line in con.iterdump():\n"
        "        if line.startswith('INSERT INTO \"inquir') or line.startswith('CREATE'):\n"
        "            fh.write(line+'\\n')\n"
    )
    return [sys.executable, "-c", code]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--inquiries", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-handover-") as tmp:
        tmp = Path(tmp)
        env = {**os.environ, "SUPPORTLINE_ENV": "dev", "SUPPORTLINE_INSTANCE_PATH": str(tmp),
               "DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}"}
        subprocess.run([*SL, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
        seed_s, _ = run([*SL, "demo", "seed", "--inquiries", str(args.inquiries)], env, "seed")
        env["SUPPORTLINE_HANDOVER_RECIPIENT"] = (tmp / "handover-demo-identity.txt").read_text().split(
            "# public key: ")[1].split()[0]
        print(f"seed: {args.inquiries} inquiries in {seed_s:.1f} s")
        exports, dumps, verifies, export_rss, verify_rss, dump_rss = [], [], [], [], [], []
        for i in range(args.repeat):
            out = tmp / f"out{i}"
            d, rss = run(dump_script(tmp / "bench.db", tmp / f"dump{i}.sql"), env, "dump")
            dumps.append(d)
            dump_rss.append(rss)
            e, rss = run([*SL, "handover", "export", "--out", str(out), "--kind", "full"], env, "export")
            exports.append(e)
            export_rss.append(rss)
            package = next(out.glob("supportline-handover-*.tar.age"))
            v, rss = run([*SL, "handover", "verify", str(package), "--identity",
                          str(tmp / "handover-demo-identity.txt")], env, "verify")
            verifies.append(v)
            verify_rss.append(rss)
            size_mb = package.stat().st_size / 1e6
        e, d, v = statistics.median(exports), statistics.median(dumps), statistics.median(verifies)
        print(f"plain SQL dump (sqlite3 iterdump of the inquiry tables): median {d:.1f} s")
        print(f"full handover export (encrypted):  median {e:.1f} s  (ratio to dump {e / d:.2f}x), "
              f"package {size_mb:.1f} MB")
        print(f"verify (decrypt, checksums, schema of every line): median {v:.1f} s")
        print(f"peak RSS: dump {max(dump_rss):.0f} MB, export {max(export_rss):.0f} MB, "
              f"verify {max(verify_rss):.0f} MB")


if __name__ == "__main__":
    main()
