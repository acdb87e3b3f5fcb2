"""Benchmark a bulk load on PostgreSQL on a connection that has written to a small inquiries table,
as the tree before (0024's row triggers, no statistics taken during the load) and as now (0025's
statement triggers, the seed's ANALYZE of the loaded inquiries), in the same run, on the same database.

    .venv/bin/python bench/bench_bulk_load.py [--n 4000] [--small 50] [--reps 3]

Each repetition, for each variant: seed `--small` inquiries, add a code to ten of them one statement
at a time (as saves do), delete every inquiry without VACUUM (as retention or the test suite's
teardown does), then seed `--n` and time it. That is a long-lived connection (a worker's pool, the
test suite's) taking a bulk load after its table was small: PostgreSQL keeps per connection the
plans of a foreign-key check and of a row trigger's lookup, made for a table of a page, and such a
plan reads the whole table for every row. Prints the median time of each variant and the ratio of
each to now.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("SUPPORTLINE_ENV", "test")

from common import drop_scratch_database, scratch_database  # noqa: E402

PASSWORD = "bench-lösenord-som-är-långt"
STATEMENT, ROW = "0025_statistics_statements", "0024_statistics_months"
# (label, migration, whether the seed takes statistics of the loaded inquiries)
VARIANTS = [
    ("before: row triggers, no ANALYZE", ROW, False),
    ("row triggers, ANALYZE", ROW, True),
    ("now: statement triggers, ANALYZE", STATEMENT, True),
]


def _delete_inquiries(app, vacuum: bool) -> None:
    from sqlalchemy import text

    from supportline.extensions import db

    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM inquiries"))
            conn.execute(text("DELETE FROM statistics_changes"))
        if vacuum:
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM inquiries, inquiry_codes, inquiry_exposed_persons, inquiry_centres, "
                                     "inquiry_terms, inquiry_search, statistics_changes")


def _saves(app) -> None:
    """Codes added to the small table's inquiries one statement at a time, as saves do: after five
    runs PostgreSQL keeps a generic plan of a trigger's lookup for the connection, made for a table
    of a page or two; it is still the connection's plan when the bulk load comes."""
    from sqlalchemy import text

    from supportline.extensions import db

    with app.app_context(), db.engine.begin() as conn:
        ids = conn.execute(text("SELECT id FROM inquiries ORDER BY id LIMIT 10")).scalars().all()
        for inquiry_id in ids:
            conn.execute(text("INSERT INTO inquiry_codes (inquiry_id, kind, code) VALUES (:id, 'topics', 'bench') "),
                         {"id": inquiry_id})


def _seed_after_small(app, user_id: int, small: int, n: int) -> float:
    from supportline.inquiries.seed import seed_inquiries

    # From a table of no pages (VACUUM gives the space back, and makes the connections plan anew).
    _delete_inquiries(app, vacuum=True)
    with app.app_context():
        seed_inquiries(small, [user_id])
    _saves(app)
    # Deleted as retention or the test suite's teardown does: the plans are kept.
    _delete_inquiries(app, vacuum=False)
    with app.app_context():
        started = time.perf_counter()
        seed_inquiries(n, [user_id])
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--small", type=int, default=50)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()

    from flask_migrate import downgrade, upgrade

    from supportline import create_app
    from supportline.auth.service import create_user
    from supportline.extensions import db

    tmp = Path(tempfile.mkdtemp(prefix="bench-bulk-"))
    url, admin, name = scratch_database("postgresql", tmp)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SUPPORTLINE_INDEX_DIR": str(tmp / "index"),
                      "SUPPORTLINE_HANDOVER_DIR": str(tmp / "handover")})
    try:
        with app.app_context():
            upgrade()
            user_id = create_user(None, "bench.handler@example.org", "handler", PASSWORD).id
        from supportline.inquiries import seed

        analyze = seed._plan_for_the_loaded_inquiries
        times: dict[str, list[float]] = {label: [] for label, _revision, _analyze in VARIANTS}
        for _ in range(args.reps):
            for label, revision, with_analyze in VARIANTS:
                with app.app_context():
                    (downgrade if revision == ROW else upgrade)(revision=revision)
                    db.engine.dispose()  # a new connection: no plan kept from the other variant
                seed._plan_for_the_loaded_inquiries = analyze if with_analyze else (lambda: None)
                times[label].append(_seed_after_small(app, user_id, args.small, args.n))
        seed._plan_for_the_loaded_inquiries = analyze
        now = statistics.median(times[VARIANTS[-1][0]])
        print(f"PostgreSQL, {args.n} inquiries seeded on a connection that saved to {args.small}, "
              f"median of {args.reps} (each run):")
        for label, _revision, _analyze in VARIANTS:
            median = statistics.median(times[label])
            print(f"  {label:34} {median:6.2f} s  x{median / now:4.1f}   "
                  f"({' '.join(f'{t:.2f}' for t in times[label])})")
    finally:
        drop_scratch_database(app, admin, name)


if __name__ == "__main__":
    main()
