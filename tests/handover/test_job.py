"""The schedule, exactly-once, crashes and the round trip."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from supportline.extensions import db
from supportline.handover import service
from supportline.handover.models import HandoverBatch
from supportline.handover.verify import verify_package

UTC = dt.UTC


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _configure(app, out_dir, recipient=None, handover_at="2026-07-01T00:00:00+02:00"):
    app.config.update(SUPPORTLINE_HANDOVER_DIR=str(out_dir), SUPPORTLINE_HANDOVER_RECIPIENT=recipient,
                      SUPPORTLINE_HANDOVER_AT=handover_at)


def test_nightly_deltas_before_the_handover_and_one_final_after(app, out_dir, age_key, handler, make_inquiry):
    make_inquiry(handler)
    _configure(app, out_dir, age_key["recipient"])
    try:
        with app.app_context():
            assert service.due_slots(at("2026-06-10T01:00:00+02:00")) == [("delta:2026-06-09", "delta")]
            assert service.due_slots(at("2026-06-10T03:00:00+02:00")) == [("delta:2026-06-10", "delta")]
            done = service.run_due(at("2026-06-10T03:00:00+02:00"))
            assert [b.slot for b in done] == ["delta:2026-06-10"]
            assert service.run_due(at("2026-06-10T09:00:00+02:00")) == []  # ticks later that night: nothing
            # the clock was down for three nights: one catch-up delta holds every change
            done = service.run_due(at("2026-06-13T12:00:00+02:00"))
            assert [b.slot for b in done] == ["delta:2026-06-13"]
            # the handover time has passed (as it has today): the final full export, once
            final = service.run_due(at("2026-07-01T00:00:01+02:00"))
            assert [(b.slot, b.kind) for b in final] == [("final", "full")]
            assert service.run_due(at("2026-07-02T03:00:00+02:00")) == []
            assert service.completed_final_batch().sequence == 3
    finally:
        _configure(app, Path(app.instance_path) / "handover", None)


def test_clock_catches_up_at_start_even_when_the_handover_time_is_long_past(app, out_dir, age_key, handler,
                                                                           make_inquiry):
    from supportline.clock.jobs import JOBS

    make_inquiry(handler)
    _configure(app, out_dir, age_key["recipient"], handover_at="2026-07-01T00:00:00+02:00")
    try:
        job = next(j for j in JOBS if j.id == "handover")
        assert job.run_at_start
        with app.app_context():
            job.func()  # what `supportline clock` does before its first tick
            final = service.completed_final_batch()
            assert final is not None and final.kind == "full"
            assert verify_package(out_dir / final.file_name, age_key["identity_file"]).ok
    finally:
        _configure(app, Path(app.instance_path) / "handover", None)


def test_banner_and_admin_page_after_the_final_export(app, client, out_dir, age_key, handler, make_inquiry,
                                                      login_as):
    make_inquiry(handler)
    _configure(app, out_dir, age_key["recipient"])
    try:
        with app.app_context():
            service.run_due(at("2026-07-01T00:05:00+02:00"))
        login_as("coordinator")
        start = client.get("/").get_data(as_text=True)
        assert "Ärendena har lämnats över till NCK" in start
        page = client.get("/admin/overlamning/").get_data(as_text=True)
        assert "(slutligt)" in page and "Klart" in page
    finally:
        _configure(app, Path(app.instance_path) / "handover", None)


def _run_due_in_process(url: str, out_dir: str, recipient: str, instance: str, start) -> None:
    os.environ["SUPPORTLINE_ENV"] = "test"
    os.environ["SUPPORTLINE_INSTANCE_PATH"] = instance
    from supportline import create_app
    from supportline.handover import service as svc

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SUPPORTLINE_HANDOVER_DIR": out_dir,
                      "SUPPORTLINE_HANDOVER_RECIPIENT": recipient})
    start.wait(60)  # both clocks are ready: they run at the same moment
    with app.app_context():
        try:
            svc.run_due(dt.datetime(2026, 7, 1, 12, tzinfo=UTC))
        except svc.ExportBusy:
            pass


def test_two_clock_processes_write_one_package(app, out_dir, age_key, handler, make_inquiry, tmp_path):
    for _ in range(30):
        make_inquiry(handler)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    # Forked: a child starts from the modules this process has imported (a spawned one imported them all
    # again, seconds each), makes an app and connections of its own, and never touches this one's.
    ctx = mp.get_context("fork")
    start = ctx.Barrier(2)
    procs = [ctx.Process(target=_run_due_in_process,
                         args=(url, str(out_dir), age_key["recipient"], str(tmp_path), start))
             for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    # a clock that came second and found the lock taken runs again on its next tick; nothing new is due
    with app.app_context():
        db.session.remove()
        app.config.update(SUPPORTLINE_HANDOVER_DIR=str(out_dir), SUPPORTLINE_HANDOVER_RECIPIENT=age_key["recipient"])
        try:
            service.run_due(dt.datetime(2026, 7, 1, 12, 5, tzinfo=UTC))
            assert db.session.scalar(select(func.count()).select_from(HandoverBatch)) == 1
        finally:
            _configure(app, Path(app.instance_path) / "handover", None)
    assert len(list(out_dir.glob("supportline-handover-*"))) == 1


def _bytes_in(paths) -> int:
    total = 0
    for path in paths:
        for file in [path] if path.is_file() else path.rglob("*"):
            try:
                total += file.stat().st_size if file.is_file() else 0
            except FileNotFoundError:  # renamed or removed by the export meanwhile
                pass
    return total


def test_a_killed_export_leaves_no_package_and_the_next_run_completes_it(app, out_dir, handler, tmp_path):
    from supportline.inquiries.seed import seed_inquiries

    with app.app_context():
        seed_inquiries(4000, [handler.id])
    env = {**os.environ, "SUPPORTLINE_ENV": "test", "SUPPORTLINE_INSTANCE_PATH": str(tmp_path),
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SUPPORTLINE_HANDOVER_DIR": str(out_dir)}
    proc = subprocess.Popen([sys.executable, "-m", "supportline.cli", "handover", "export", "--plaintext",
                             "--kind", "full"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not list(out_dir.glob(".partial-*")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    # killed while it writes: once the partial package has its first bytes on disk
    while not _bytes_in(out_dir.glob(".partial-*")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    assert proc.poll() is None, "the export finished before it could be killed"
    assert _bytes_in(out_dir.glob(".partial-*")), "the export wrote nothing within a minute"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not list(out_dir.glob("supportline-handover-*")), "no package may look complete"
    with app.app_context():
        db.session.remove()
        batch = db.session.scalar(select(HandoverBatch))
        assert batch.status == "pending"
        # The killed process's database connection holds the export lock until the server has
        # noticed the broken socket (PostgreSQL ends that backend shortly after): the next run
        # waits for the lock with a deadline, as the next scheduled run would find it free.
        deadline = time.monotonic() + 30
        while True:
            try:
                again = service.export(kind="full", out_dir=out_dir, recipient=None, plaintext=True)
                break
            except service.ExportBusy:
                db.session.rollback()
                assert time.monotonic() < deadline, "the killed export's lock was never released"
                time.sleep(0.1)
        assert again.sequence == batch.sequence and again.status == "done"
    assert not list(out_dir.glob(".partial-*"))
    report = verify_package(out_dir / again.file_name)
    assert report.ok and report.manifest["counts"]["inquiries"] == 4000


@pytest.mark.parametrize("after_retention", [False, True], ids=["as-seeded", "after-retention"])
def test_export_import_export_gives_the_same_records(app, out_dir, age_key, handler, make_inquiry, tmp_path,
                                                     migrated_app, migrated_sqlite, after_retention):
    from flask_migrate import upgrade

    from supportline.handover.importer import import_package
    from supportline.inquiries.seed import seed_inquiries
    from supportline.retention import service as retention
    from tests.conftest import make_app

    with app.app_context():
        seed_inquiries(120, [handler.id])
        if after_retention:
            # closed long ago: retention removes their texts (an empty summary included)
            from sqlalchemy import update

            from supportline.inquiries.models import Inquiry

            db.session.execute(update(Inquiry).where(Inquiry.status == "closed")
                               .values(updated_at=dt.datetime(2020, 1, 1, tzinfo=UTC)))
            db.session.commit()
            anonymised = retention.run().anonymise
            assert anonymised
        batch = service.export(kind="full", out_dir=out_dir, recipient=age_key["recipient"])
    report = verify_package(out_dir / batch.file_name, age_key["identity_file"])
    assert report.ok, report.text()
    first = _inquiries_jsonl(out_dir / batch.file_name, age_key["identity_file"])
    records = [json.loads(line) for line in first]
    emptied = [r for r in records if r["anonymised_at"]]
    assert bool(emptied) is after_retention
    assert all(r["summary"] == "" and r["caller_organisation"] == "" for r in emptied)
    receiver = make_app(migrated_sqlite(tmp_path / "nck.db"), tmp_path / "nck")
    with receiver.app_context():
        upgrade()
        counts = import_package(out_dir / batch.file_name, age_key["identity_file"])
        assert counts["inquiries"] == 120
        again = service.export(kind="full", out_dir=tmp_path / "again", recipient=age_key["recipient"])
        db.engine.dispose()
    second = _inquiries_jsonl(tmp_path / "again" / again.file_name, age_key["identity_file"])
    assert second == first


def _inquiries_jsonl(path: Path, identity: Path) -> list[bytes]:
    import tarfile
    import tempfile

    from supportline.handover.verify import open_package

    with tempfile.TemporaryDirectory() as tmp:
        plain = open_package(path, identity, Path(tmp))
        with tarfile.open(plain) as tar:
            return tar.extractfile("inquiries.jsonl").read().splitlines()


def test_database_going_away_mid_export(app, out_dir, handler, tmp_path):
    """PostgreSQL ends every connection of this database while the export runs."""
    import pytest

    if app.config["BACKEND"] != "postgresql":
        pytest.skip("SQLite is a file in the same process; a server going away is a PostgreSQL case")
    import psycopg

    from supportline.inquiries.seed import seed_inquiries
    from tests.conftest import PG_ADMIN_URL

    with app.app_context():
        seed_inquiries(4000, [handler.id])
        db_name = db.engine.url.database
    env = {**os.environ, "SUPPORTLINE_ENV": "test", "SUPPORTLINE_INSTANCE_PATH": str(tmp_path),
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SUPPORTLINE_HANDOVER_DIR": str(out_dir)}
    proc = subprocess.Popen([sys.executable, "-m", "supportline.cli", "handover", "export", "--plaintext"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(out_dir.glob(".partial-*")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    assert proc.poll() is None, "the export finished before the database could go away"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (db_name,))
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert "Databasen slutade svara under exporten" in err
    assert not list(out_dir.glob("supportline-handover-*")) and not list(out_dir.glob(".partial-*"))
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
        again = service.export(kind="full", out_dir=out_dir, recipient=None, plaintext=True)
        assert again.status == "done"
    assert verify_package(out_dir / again.file_name).manifest["counts"]["inquiries"] == 4000
