"""The migrations are the only way the schema is made: one head, upgrade from empty on
both databases, and no drift between the models and the migrations."""

import os
import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from supportline.extensions import db


def _script(app):
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        return ScriptDirectory.from_config(config)


def test_single_head(app):
    assert len(_script(app).get_heads()) == 1


def test_models_match_migrations(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_downgrade_to_empty_and_upgrade_again(app):
    with app.app_context():
        downgrade(revision="base")
        db.engine.dispose()
        assert inspect(db.engine).get_table_names() in ([], ["alembic_version"])
        upgrade()
        db.engine.dispose()
        tables = set(inspect(db.engine).get_table_names())
    assert {"users", "user_sessions", "api_tokens", "login_failures", "audit_events"} <= tables


def test_sqlite_runs_with_wal_foreign_keys_and_busy_timeout(app):
    if app.config["BACKEND"] != "sqlite":
        return
    with app.app_context(), db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        # Read through the operating system's page cache, shared by every connection and worker.
        assert conn.exec_driver_sql("PRAGMA mmap_size").scalar() >= 2**30


def test_downgrade_and_upgrade_keep_the_rows_of_rebuilt_tables(app, login_as):
    """SQLite alters most things by rebuilding the table; dropping the old one must not take the
    child rows with it through ON DELETE CASCADE (timelines, persons and codes of inquiries)."""
    from supportline.auth.models import User
    from supportline.inquiries.service import add_entry, create_inquiry
    from tests.inquiries.conftest import valid_payload

    handler = login_as("handler")  # a session row, child of users
    children = ("inquiry_timeline", "inquiry_exposed_persons", "inquiry_codes", "user_sessions")

    def counts():
        with db.engine.connect() as conn:
            return {table: conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()  # noqa: S608
                    for table in ("inquiries", *children)}

    with app.app_context():
        actor = db.session.get(User, handler.id)
        inquiry = create_inquiry(actor, valid_payload())
        add_entry(actor, inquiry.id, "note", "Kuratorn ringer tillbaka i morgon.")
        before = counts()
        assert all(before.values()), before
        downgrade(revision="0005")
        db.engine.dispose()
        assert counts() == before
        upgrade()
        db.engine.dispose()
        assert counts() == before
        if db.engine.dialect.name == "sqlite":
            with db.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_the_upgrade_fills_the_slug_of_links_made_before_it(app, login_as):
    """0019 gives the links already on timelines their article_slug, so the article pages count
    them after the upgrade as they did before it."""
    from supportline.auth.models import User
    from supportline.inquiries.service import create_inquiry
    from supportline.kb.models import Article
    from tests.inquiries.conftest import valid_payload

    handler = login_as("handler")
    with app.app_context():
        db.session.add(Article(slug="utreseforbud-kort", title="Utreseförbud i korthet", summary="Kort.", body="Text.",
                               status="published"))
        db.session.commit()
        actor = db.session.get(User, handler.id)
        create_inquiry(actor, valid_payload(linked_articles=["utreseforbud-kort"]))
        downgrade(revision="0018")
        upgrade()
        db.engine.dispose()
        with db.engine.connect() as conn:
            slugs = conn.exec_driver_sql(
                "SELECT article_slug FROM inquiry_timeline WHERE kind = 'article_link'").scalars().all()
    assert slugs == ["utreseforbud-kort"]


def test_the_upgrade_gives_a_one_person_case_its_relations_and_keeps_the_rest(app, login_as):
    """0020 copies the case's perpetrator relations to its person only where the case has one
    person; a case of several persons keeps empty relations per person, and every person is exposed."""
    from supportline.auth.models import User
    from supportline.inquiries.service import create_inquiry
    from tests.inquiries.conftest import valid_payload

    handler = login_as("handler")
    with app.app_context():
        actor = db.session.get(User, handler.id)
        one = create_inquiry(actor, valid_payload(perpetrator_relations=["sibling", "parent"])).id
        two = create_inquiry(actor, valid_payload(perpetrator_relations=["parent"], exposed_persons=[
            {"age_group": "26+", "gender": "girl_woman"}, {"age_group": "6-12", "gender": "boy_man"}])).id
        db.session.close()  # reading the ids began a transaction whose locks PostgreSQL's ALTER TABLE would wait for
        downgrade(revision="0019_timeline_article_slug")
        upgrade()
        db.engine.dispose()
        with db.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT inquiry_id, role, perpetrator_relations FROM inquiry_exposed_persons "
                "ORDER BY inquiry_id, position").all()
    assert [tuple(r) for r in rows] == [(one, "exposed", "parent sibling"), (two, "exposed", ""), (two, "exposed", "")]


# What a process of the app imports only when it uses it: each is a tenth to a fifth of a command's start.
LOADED_ON_USE = ("alembic", "flask_migrate", "whoosh", "markdown", "nh3", "apscheduler", "rich")


def test_a_process_of_the_app_imports_alembic_whoosh_and_the_like_only_to_use_them(tmp_path):
    """A web worker or a command that does not migrate starts without Alembic (a fifth of its start),
    nor Whoosh, Markdown, APScheduler or rich until it searches, renders, schedules or prints with them;
    `supportline db` still lists and runs Flask-Migrate's commands with their options, and flask-limiter's
    `limiter` command still runs."""
    env = {**os.environ, "SUPPORTLINE_ENV": "test", "DATABASE_URL": f"sqlite:///{tmp_path / 'lazy.db'}",
           "SUPPORTLINE_INSTANCE_PATH": str(tmp_path), "SUPPORTLINE_INDEX_DIR": str(tmp_path / "index"),
           "SUPPORTLINE_LOG_LEVEL": "INFO", "SUPPORTLINE_LOG_FORMAT": "text"}
    loaded = f"print(sorted(m for m in sys.modules if m.split('.')[0] in {LOADED_ON_USE!r}))"
    # `kb --help` builds the app (create_app, as a web worker does) to find the app's own command group.
    a_command = ("import sys; from supportline.cli import cli; "
                 "cli(['kb', '--help'], prog_name='supportline', standalone_mode=False)")
    commanded = subprocess.run([sys.executable, "-c", f"{a_command}; {loaded}"], env=env, capture_output=True,
                               text=True, check=True)
    assert "reindex" in commanded.stdout  # the kb group's help was printed
    assert commanded.stdout.strip().splitlines()[-1] == "[]", commanded.stdout
    cli = [sys.executable, "-m", "supportline.cli"]
    listed = subprocess.run([*cli, "db", "--help"], env=env, capture_output=True, text=True, check=True).stdout
    assert "--directory" in listed and "upgrade" in listed
    subprocess.run([*cli, "db", "-x", "unused=1", "upgrade"], env=env, capture_output=True, text=True, check=True)
    current = subprocess.run([*cli, "db", "current"], env=env, capture_output=True, text=True, check=True)
    assert "(head)" in current.stdout
    assert "setup plugin" not in current.stderr  # Alembic's import-time lines are not an operator's
    limiter = subprocess.run([*cli, "limiter", "--help"], env=env, capture_output=True, text=True, check=True)
    assert "Flask-Limiter maintenance" in limiter.stdout and "config" in limiter.stdout
