"""Concurrent read-then-write transactions on SQLite lose nothing (WAL + BEGIN IMMEDIATE)."""

import multiprocessing as mp
import os

import pytest

WORKERS = 4
INCREMENTS = 40


def _increment(url: str, user_id: int, instance: str) -> None:
    os.environ["SUPPORTLINE_ENV"] = "test"
    os.environ["SUPPORTLINE_INSTANCE_PATH"] = instance
    from supportline import create_app
    from supportline.auth.models import User
    from supportline.extensions import db
    from supportline.transactions import begin_write

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        for _ in range(INCREMENTS):
            begin_write()
            user = db.session.get(User, user_id, populate_existing=True)
            user.name = str(int(user.name) + 1)  # read, then write what was read plus one
            db.session.commit()


@pytest.mark.slow
def test_concurrent_writers_from_several_processes_lose_nothing(tmp_path, migrated_sqlite):
    from flask_migrate import upgrade

    from supportline import create_app
    from supportline.auth.models import User
    from supportline.auth.service import create_user
    from supportline.extensions import db

    url = migrated_sqlite(tmp_path / "concurrent.db")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        user_id = create_user(None, "counter@test.invalid", "handler", "ett-langt-losenord-9", name="0").id
    # Forked: a child starts from the modules this process has imported (a spawned one imported them all
    # again, seconds each), makes an app and connections of its own, and never touches this one's.
    ctx = mp.get_context("fork")
    procs = [ctx.Process(target=_increment, args=(url, user_id, str(tmp_path))) for _ in range(WORKERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    with app.app_context():
        db.session.remove()
        assert db.session.get(User, user_id).name == str(WORKERS * INCREMENTS)


@pytest.mark.parametrize("mode", ["read", "write"])
def test_begin_write_starts_an_immediate_transaction(tmp_path, migrated_sqlite, mode):
    """A write transaction holds SQLite's write lock from its start; a read one does not."""
    import sqlite3

    from flask_migrate import upgrade
    from sqlalchemy import text

    from supportline import create_app
    from supportline.extensions import db
    from supportline.transactions import begin_write

    path = tmp_path / "lock.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": migrated_sqlite(path)})
    with app.app_context():
        upgrade()
        if mode == "write":
            begin_write()
        db.session.execute(text("SELECT 1"))
        other = sqlite3.connect(path, timeout=0.1, isolation_level=None)
        try:
            if mode == "write":
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
            else:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
        finally:
            other.close()
            db.session.rollback()
