"""Benchmark the handler's workspace through the full Flask stack (test client, no network).

    .venv/bin/python bench/bench_inquiries.py [--n 100000] [--backend sqlite|postgresql|both] [--reps 30]

Seeds N synthetic inquiries (timed), logs in as the demo handler and measures the median and
95th percentile of the list page with each filter, free-text search and saving an inquiry,
each also as a ratio of /healthz measured in the same run. Figures go in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("SUPPORTLINE_ENV", "test")

from common import drop_scratch_database, scratch_database  # noqa: E402

PAGES = [
    ("healthz", "/healthz"),
    ("list (no filter)", "/arenden"),
    ("list status=open", "/arenden?status=open"),
    ("list county=01", "/arenden?county=01"),
    ("list sector=health", "/arenden?sector=health"),
    ("list topic=lvu", "/arenden?topic=lvu"),
    ("list exposure=fgm", "/arenden?exposure=fgm"),
    ("list urgency=acute", "/arenden?urgency=acute"),
    ("list date range 2019", "/arenden?date_from=2019-01-01&date_to=2019-12-31"),
    ("list page 200", "/arenden?sida=200"),
    ("search tvångsgifte", "/arenden?q=tvångsgifte"),
    ("search 'skyddat boende'", "/arenden?q=skyddat+boende"),
    ("search + filter", "/arenden?q=utreseförbud&county=14"),
    ("start page (follow-ups)", "/"),
    ("case page /arenden/<id>", "/arenden/50000"),
]
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def timed(fn, reps):
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return _summary(times)


def _summary(times: list[float]) -> tuple[float, float]:
    """Median and 95th percentile, in ms."""
    times = sorted(times)
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def run(backend: str, n: int, reps: int) -> None:
    from flask_migrate import upgrade

    from supportline import create_app
    from supportline.demo.seed import DEMO_PASSWORD, seed_demo_users
    from supportline.extensions import db
    from supportline.inquiries.seed import seed_inquiries

    tmp = Path(tempfile.mkdtemp(prefix=f"bench-{backend}-"))
    url, admin, name = scratch_database(backend, tmp)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SUPPORTLINE_INDEX_DIR": str(tmp / "index")})
    try:
        with app.app_context():
            upgrade()
            users = seed_demo_users()
            t0 = time.perf_counter()
            made = seed_inquiries(n, [u.id for u in users if u.has_role("handler", "admin")])
            seconds = time.perf_counter() - t0
            # Measure a database at rest, not the bulk load still being written out: right after
            # 100,000 inquiries PostgreSQL spreads its checkpoint over minutes and SQLite's WAL
            # holds the whole load, and the disk's queue slowed every write (the audit log's) at random.
            if backend == "postgresql":
                db.session.execute(db.text("ANALYZE"))
                db.session.commit()
                db.session.execute(db.text("CHECKPOINT"))
            else:
                raw = db.engine.raw_connection()  # outside any transaction, or the checkpoint stops short
                raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                raw.close()
            db.session.commit()
        print(f"\n## {backend}: {made} inquiries seeded in {seconds:.1f} s")
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        m = CSRF_RE.search(page)
        client.post("/login", data={"email": "handlaggare@demo.invalid", "password": DEMO_PASSWORD,
                                    "csrf_token": m.group(1) or m.group(2)})
        for _label, path in PAGES:
            assert client.get(path).status_code == 200, path  # warm up
        # Round robin, so a busy moment on this shared machine falls on every page, /healthz included.
        samples: dict[str, list[float]] = {label: [] for label, _ in PAGES}
        for _ in range(reps):
            for label, path in PAGES:
                samples[label].append(timed(lambda p=path: client.get(p), 1)[0])
        results = {label: _summary(times) for label, times in samples.items()}
        form = client.get("/arenden/nytt").get_data(as_text=True)
        m = CSRF_RE.search(form)
        data = {"csrf_token": m.group(1) or m.group(2), "channel": "phone", "caller_type": "professional",
                "caller_sector": "school", "municipality_code": "0180", "urgency": "normal", "status": "open",
                "summary": "Kuratorn undrar över risk för tvångsgifte.", "exposure_types": ["forced_marriage"],
                "question_topics": ["risk_assessment"], "persons-0-age_group": "13-15",
                "persons-0-gender": "girl_woman"}

        def save():
            response = client.post("/arenden/nytt", data=data)
            assert response.status_code == 302, response.status_code

        results["save inquiry (POST /arenden/nytt)"] = timed(save, reps)
        base = results["healthz"][0]
        print(f"{'what':<36} {'median ms':>10} {'p95 ms':>8} {'× healthz':>10}")
        for label, (median, p95) in results.items():
            print(f"{label:<36} {median:>10.1f} {p95:>8.1f} {median / base:>10.1f}")
    finally:
        drop_scratch_database(app, admin, name)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    for backend in (["sqlite", "postgresql"] if args.backend == "both" else [args.backend]):
        run(backend, args.n, args.reps)


if __name__ == "__main__":
    main()
