"""Benchmark the statistics against the health check of the same run: /statistik, the printable
report and its PDF at N inquiries, each as a ratio to /healthz.

    .venv/bin/python bench/bench_statistics.py [--n 100000] [--backend sqlite|postgresql|both] [--reps 15]

Seeds N synthetic inquiries (supportline.inquiries.seed.seed_inquiries), then measures medians
through the full Flask stack (test client, a coordinator logged in through the login form;
/healthz anonymously, as a load balancer asks it). `--workdir DIR` keeps the SQLite database there,
so a second run finds the inquiries already seeded. Each page is measured twice: "first" right
after an inquiry of the page's period was changed (its month is counted again, the other months
come from statistics_months) and "again" with the data unchanged. The goal (issue 20) is
/statistik and the report within 10× of /healthz: /healthz's time / the page's time ≥ 0.1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("SUPPORTLINE_ENV", "test")

from common import drop_scratch_database, log_in, scratch_database  # noqa: E402

GOAL = 0.1
PASSWORD = "bench-lösenord-som-är-långt"


def median_ms(fn, reps: int, before=None) -> float:
    times = []
    for _ in range(reps):
        if before is not None:
            before()
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _edit(app, token: str, first: dt.date, last: dt.date, saves: list[float]):
    """A handler's edit inside the page's period, through the API (PATCH, as the app's own clients
    send it): the latest inquiry of the period changes its urgency (back and forth), so its day's
    figures really change. The save's own time is kept in `saves`: it includes counting that day
    again (stats/summary.py, after the write)."""
    from sqlalchemy import text

    from supportline.dates import local_midnight_utc
    from supportline.extensions import db

    start, end = local_midnight_utc(first), local_midnight_utc(last + dt.timedelta(days=1))
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    def edit():
        with app.app_context():
            inquiry_id, version, urgency = db.session.execute(
                text("SELECT id, version, urgency FROM inquiries WHERE received_at >= :start AND received_at < :end "
                     "ORDER BY received_at DESC LIMIT 1"),
                {"start": start.replace(tzinfo=None), "end": end.replace(tzinfo=None)}).one()
            db.session.rollback()
        body = {"version": version, "urgency": "normal" if urgency == "high" else "high"}
        t0 = time.perf_counter()
        response = client.patch(f"/api/v1/inquiries/{inquiry_id}", json=body, headers=headers)
        saves.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (response.status_code, response.get_data(as_text=True)[:300])
    return edit


def run(backend: str, n: int, reps: int, workdir: str | None) -> list[tuple]:
    from flask_migrate import upgrade

    from supportline import create_app
    from supportline.auth.service import create_user, issue_api_token
    from supportline.dates import today_local
    from supportline.extensions import db
    from supportline.inquiries.seed import seed_inquiries
    from supportline.stats.centres import seed_centres

    tmp = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix=f"bench-statistics-{backend}-"))
    tmp.mkdir(parents=True, exist_ok=True)
    url, admin, name = scratch_database(backend, tmp)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SUPPORTLINE_INDEX_DIR": str(tmp / "index")})
    try:
        with app.app_context():
            upgrade()
            seed_centres()
            tag = uuid.uuid4().hex[:8]
            handler = create_user(None, f"bench-handler-{tag}@test.invalid", "handler", PASSWORD)
            token = issue_api_token(None, handler, "bench")
            coordinator = create_user(None, f"bench-coord-{tag}@test.invalid", "coordinator", PASSWORD)
            email = coordinator.email
            t0 = time.perf_counter()
            made = seed_inquiries(n, [handler.id])
            seconds = time.perf_counter() - t0
            if backend == "postgresql":
                db.session.execute(db.text("ANALYZE"))
                db.session.commit()
        with app.app_context():
            # What the clock's job `statistics-months` does after an import: count every changed month.
            from supportline.stats.summary import refresh

            t0 = time.perf_counter()
            refresh()
            counted = time.perf_counter() - t0
        print(f"\n## {backend}: {made} inquiries seeded in {seconds:.1f} s; every month counted (the clock's "
              f"statistics-months after an import) in {counted:.1f} s", flush=True)
        client = app.test_client()
        log_in(client, email, PASSWORD)
        headers = {}
        year = today_local().year - 1
        full_year = f"period=custom&from={year}-01-01&to={year}-12-31"
        quarter = f"period=custom&from={year}-10-01&to={year}-12-31"
        last_year = (dt.date(year, 1, 1), dt.date(year, 12, 31))
        this_year = (dt.date(year + 1, 1, 1), dt.date(year + 1, 12, 31))
        last_quarter = (dt.date(year, 10, 1), dt.date(year, 12, 31))
        pages = [
            ("/statistik, last year", f"/statistik?{full_year}", reps, last_year),
            ("/statistik, this year (the default)", "/statistik", reps, this_year),
            ("report (HTML), last year", f"/statistik/rapport?{full_year}", reps, last_year),
            ("report (HTML), a quarter", f"/statistik/rapport?{quarter}", reps, last_quarter),
            ("report (PDF), a quarter", f"/statistik/rapport.pdf?{quarter}", max(3, reps // 5), last_quarter),
        ]
        anonymous = app.test_client()
        assert anonymous.get("/healthz").status_code == 200
        healthz = median_ms(lambda: anonymous.get("/healthz"), reps * 4)
        print(f"/healthz median {healthz:.2f} ms", flush=True)
        rows = []
        saves: list[float] = []
        for label, path, count, period in pages:
            response = client.get(path, headers=headers)
            assert response.status_code == 200, (path, response.status_code)
            first = median_ms(lambda p=path: client.get(p, headers=headers), count,
                              before=_edit(app, token, *period, saves))
            again = median_ms(lambda p=path: client.get(p, headers=headers), count)
            rows.append((backend, label, healthz, first, again))
            print(f"{label:<40} first {first:>9.1f} ms (ratio {healthz / first:.3f})   again {again:>8.1f} ms "
                  f"(ratio {healthz / again:.3f})", flush=True)
        print(f"the edits (PATCH /api/v1/inquiries/<id>, counting the day again included): median "
              f"{statistics.median(saves):.1f} ms over {len(saves)}", flush=True)
        return rows
    finally:
        drop_scratch_database(app, admin, name)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--workdir", default=None, help="keep the SQLite database here (reused when seeded)")
    args = parser.parse_args()
    rows = []
    for backend in (["sqlite", "postgresql"] if args.backend == "both" else [args.backend]):
        rows += run(backend, args.n, args.reps, args.workdir if backend == "sqlite" else None)
    print("\n| backend | what | /healthz ms | first ms | ratio | again ms | ratio | goal ≥ 0.1 |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for backend, label, healthz, first, again in rows:
        met = "met" if healthz / again >= GOAL else "not met"
        print(f"| {backend} | {label} | {healthz:.2f} | {first:.1f} | {healthz / first:.3f} | {again:.1f} | "
              f"{healthz / again:.3f} | {met} (first: {'met' if healthz / first >= GOAL else 'not met'}) |")


if __name__ == "__main__":
    main()
