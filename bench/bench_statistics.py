"""Benchmark the statistics against the health check of the same run: /statistik, the printable
report and its PDF at N inquiries, each as a ratio to /healthz.

    .venv/bin/python bench/bench_statistics.py [--n 100000] [--backend sqlite|postgresql|both] [--reps 15]

Seeds N synthetic inquiries (supportline.inquiries.seed.seed_inquiries), then measures medians
through the full Flask stack (test client, a coordinator's API token; /healthz anonymously, as a
load balancer asks it). Each page is measured twice: "first" right after an inquiry was changed
(so nothing counted earlier can be reused) and "again" with the data unchanged. The goal (issue
20) is /statistik and the report within 10× of /healthz: /healthz's time / the page's time ≥ 0.1.
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

PG_ADMIN = os.environ.get("SUPPORTLINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
GOAL = 0.1


def median_ms(fn, reps: int, before=None) -> float:
    times = []
    for _ in range(reps):
        if before is not None:
            before()
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _database(backend: str, tmp: Path):
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'bench.db'}", None, None
    import psycopg

    name = f"supportline_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(PG_ADMIN, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + name, admin, name


def _touch(app):
    """Change one inquiry's county and back through SQL, as an edit would: the next request counts anew."""
    from sqlalchemy import text

    from supportline.extensions import db

    def touch():
        with app.app_context():
            db.session.execute(text("UPDATE inquiries SET updated_at = :now WHERE id = "
                                    "(SELECT max(id) FROM inquiries)"), {"now": dt.datetime.now(dt.UTC)})
            db.session.commit()
    return touch


def run(backend: str, n: int, reps: int) -> list[tuple]:
    from flask_migrate import upgrade

    from supportline import create_app
    from supportline.auth.service import create_user, issue_api_token
    from supportline.extensions import db
    from supportline.inquiries.seed import seed_inquiries
    from supportline.stats.centres import seed_centres

    tmp = Path(tempfile.mkdtemp(prefix=f"bench-statistics-{backend}-"))
    url, admin, name = _database(backend, tmp)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SUPPORTLINE_INDEX_DIR": str(tmp / "index")})
    try:
        with app.app_context():
            upgrade()
            seed_centres()
            handler = create_user(None, "bench-handler@test.invalid", "handler", "bench-lösenord-som-är-långt")
            coordinator = create_user(None, "bench-coord@test.invalid", "coordinator", "bench-lösenord-som-är-långt")
            t0 = time.perf_counter()
            made = seed_inquiries(n, [handler.id])
            seconds = time.perf_counter() - t0
            if backend == "postgresql":
                db.session.execute(db.text("ANALYZE"))
                db.session.commit()
            token = issue_api_token(None, coordinator)
        print(f"\n## {backend}: {made} inquiries seeded in {seconds:.1f} s", flush=True)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        year = dt.date.today().year - 1
        full_year = f"period=custom&from={year}-01-01&to={year}-12-31"
        quarter = f"period=custom&from={year}-10-01&to={year}-12-31"
        pages = [
            ("/statistik, last year", f"/statistik?{full_year}", reps),
            ("/statistik, this year (the default)", "/statistik", reps),
            ("report (HTML), last year", f"/statistik/rapport?{full_year}", reps),
            ("report (HTML), a quarter", f"/statistik/rapport?{quarter}", reps),
            ("report (PDF), a quarter", f"/statistik/rapport.pdf?{quarter}", max(3, reps // 5)),
        ]
        assert client.get("/healthz").status_code == 200
        healthz = median_ms(lambda: client.get("/healthz"), reps * 4)
        print(f"/healthz median {healthz:.2f} ms", flush=True)
        rows = []
        touch = _touch(app)
        for label, path, count in pages:
            response = client.get(path, headers=headers)
            assert response.status_code == 200, (path, response.status_code)
            first = median_ms(lambda p=path: client.get(p, headers=headers), count, before=touch)
            again = median_ms(lambda p=path: client.get(p, headers=headers), count)
            rows.append((backend, label, healthz, first, again))
            print(f"{label:<40} first {first:>9.1f} ms (ratio {healthz / first:.3f})   again {again:>8.1f} ms "
                  f"(ratio {healthz / again:.3f})", flush=True)
        return rows
    finally:
        with app.app_context():
            db.engine.dispose()
        if admin is not None:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    rows = []
    for backend in (["sqlite", "postgresql"] if args.backend == "both" else [args.backend]):
        rows += run(backend, args.n, args.reps)
    print("\n| backend | what | /healthz ms | first ms | ratio | again ms | ratio | goal ≥ 0.1 |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for backend, label, healthz, first, again in rows:
        met = "met" if healthz / again >= GOAL else "not met"
        print(f"| {backend} | {label} | {healthz:.2f} | {first:.1f} | {healthz / first:.3f} | {again:.1f} | "
              f"{healthz / again:.3f} | {met} (first: {'met' if healthz / first >= GOAL else 'not met'}) |")


if __name__ == "__main__":
    main()
