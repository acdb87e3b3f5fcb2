"""Benchmark the statistics: /statistik for a full year and the XLSX export, with N inquiries.

    .venv/bin/python bench/bench_stats.py [--n 100000] [--backend sqlite|postgresql|both] [--reps 15]

Seeds N synthetic inquiries with supportline.inquiries.seed.seed_inquiries, then measures the
median (and 95th percentile) through the full Flask stack (test client, a coordinator's API
token) of the page for last year, the page with a county and a sector, the page for 30 years,
the XLSX and the CSV download. Targets (issue 7): page < 500 ms, XLSX < 5 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("SUPPORTLINE_ENV", "test")

from common import drop_scratch_database, log_in, scratch_database  # noqa: E402


def timed(fn, reps):
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def run(backend: str, n: int, reps: int) -> None:
    from flask_migrate import upgrade

    from supportline import create_app
    from supportline.auth.service import create_user
    from supportline.inquiries.seed import seed_inquiries

    tmp = Path(tempfile.mkdtemp(prefix=f"bench-stats-{backend}-"))
    url, admin, name = scratch_database(backend, tmp)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SUPPORTLINE_INDEX_DIR": str(tmp / "index")})
    try:
        with app.app_context():
            upgrade()
            handler = create_user(None, "bench-handler@test.invalid", "handler", "bench-lösenord-som-är-långt")
            create_user(None, "bench-coord@test.invalid", "coordinator", "bench-lösenord-som-är-långt")
            t0 = time.perf_counter()
            made = seed_inquiries(n, [handler.id])
            seconds = time.perf_counter() - t0
        print(f"\n## {backend}: {made} inquiries seeded in {seconds:.1f} s")
        client = app.test_client()
        log_in(client, "bench-coord@test.invalid", "bench-lösenord-som-är-långt")
        headers = {}
        year = dt.date.today().year - 1
        full_year = f"period=custom&from={year}-01-01&to={year}-12-31"
        cases = [
            ("/statistik, full year", f"/statistik?{full_year}", reps),
            ("/statistik, full year, county+sector", f"/statistik?{full_year}&county=01&sector=school", reps),
            ("/statistik, 2014–today (per year)", f"/statistik?period=custom&from=2014-01-01&to={year + 1}-12-31",
             reps),
            ("XLSX export, full year", f"/statistik/export?{full_year}&format=xlsx", max(5, reps // 3)),
            ("CSV (zip) export, full year", f"/statistik/export?{full_year}&format=csv", max(5, reps // 3)),
        ]
        print(f"{'what':<40} {'median ms':>10} {'p95 ms':>8}")
        for label, path, count in cases:
            response = client.get(path, headers=headers)
            assert response.status_code == 200, (path, response.status_code)
            median, p95 = timed(lambda p=path: client.get(p, headers=headers), count)
            print(f"{label:<40} {median:>10.1f} {p95:>8.1f}")
    finally:
        drop_scratch_database(app, admin, name)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    for backend in (["sqlite", "postgresql"] if args.backend == "both" else [args.backend]):
        run(backend, args.n, args.reps)


if __name__ == "__main__":
    main()
