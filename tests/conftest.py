"""Test harness: every database test runs on SQLite and on PostgreSQL, with the schema
made by the migrations (never create_all)."""

from __future__ import annotations

import functools
import gc
import os
import re
import sqlite3
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path
from unittest import mock

os.environ["SUPPORTLINE_ENV"] = "test"

import psycopg
import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from supportline import create_app
from supportline.extensions import db
from supportline.transactions import WRITE_GUARD_CONFIG, unguarded_writes

PG_ADMIN_URL = os.environ.get("SUPPORTLINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = [b.strip() for b in os.environ.get("SUPPORTLINE_TEST_DATABASES", "sqlite,postgresql").split(",")]
PASSWORD = "rätt-häst-batteri-häftklammer"


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config):
    """`-n auto` (make test): a worker per core, at most 4; PYTEST_XDIST_AUTO_NUM_WORKERS overrides."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # pytest-xdist's own hook reads it
    return max(1, min(len(os.sched_getaffinity(0)), 4))


@pytest.hookimpl(trylast=True)  # after pytest has grouped the tests by their parametrized session fixtures
def pytest_collection_modifyitems(items):
    """The tests marked `slow` (many seconds each) run first, in their order.

    Under pytest-xdist a run ends when its last test does: a long test that starts near the end keeps the
    run going while the other workers are idle. Started first, they run beside the short tests, which the
    workers then share out to the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_collection_finish(session):
    """The garbage collector in a worker: what it has loaded by the end of collection (the app, its libraries,
    every test module: about 280,000 objects) lives to the end of the run, so it is frozen out of the
    collector's sight, and a full collection waits for 100 collections of the middle generation instead of 10.

    Each full collection walked all of it again: 17-28 of them, 0.3-0.5 s each, were 6-13 s of a worker's
    time (bench/gc_in_workers.py). Cyclic garbage is still found by the young generations' collections; what
    reaches the oldest generation is found at its next full collection, later than before."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(700, 10, 100)


@contextmanager
def scratch_pg_database(prefix: str = "supportline_test"):
    """A PostgreSQL database of its own on the test server, dropped afterwards; yields its
    plain postgresql:// URL. An unreachable server is a failure, not a skip."""
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL at {PG_ADMIN_URL} is unreachable: {exc}", pytrace=False)
    admin.execute(f'CREATE DATABASE "{name}"')
    # Nothing in it outlives the run, so a commit need not wait for its WAL to reach the disk (a crash of the
    # server could lose the last commits, never leave the database inconsistent): an fsync per commit was
    # 2-8 ms on this machine, and a database test commits several times.
    admin.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def make_app(database_url: str, tmp: Path, **extra):
    config = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SUPPORTLINE_INDEX_DIR": str(tmp / "index"),
        "SUPPORTLINE_HANDOVER_DIR": str(tmp / "handover"),
        # Every write of the application must go through write_transaction(); no module is
        # allowed to write on its own.
        WRITE_GUARD_CONFIG: (),
    }
    config.update(extra)
    return create_app(config)


@pytest.fixture(autouse=True)
def _writes_only_in_write_transactions():
    """Fails a test in which the application wrote outside write_transaction()."""
    unguarded_writes.clear()
    yield
    found, unguarded_writes[:] = list(unguarded_writes), []
    assert not found, "writes outside write_transaction():\n" + "\n".join(dict.fromkeys(found))


@pytest.fixture(scope="session")
def _migrated_apps(tmp_path_factory):
    """backend -> its app, made on first use and kept to the end of the run.

    Kept outside the parametrized fixture below: pytest finishes a parametrized session fixture
    whenever the next test wants the other parameter, and under pytest-xdist a worker's tests
    may switch between the backends many times; each switch would migrate a database anew."""
    apps: dict[str, object] = {}
    with ExitStack() as stack:

        def get(backend: str):
            if backend not in apps:
                tmp = tmp_path_factory.mktemp(backend)
                if backend == "sqlite":
                    url = f"sqlite:///{tmp / 'test.db'}"
                elif backend == "postgresql":  # a database of this run's (this worker's) own
                    url = stack.enter_context(scratch_pg_database()).replace(
                        "postgresql://", "postgresql+psycopg://", 1)
                else:
                    raise pytest.UsageError(f"unknown backend {backend}")
                apps[backend] = stack.enter_context(migrated(url, tmp))
                apps[backend].config["BACKEND"] = backend
            return apps[backend]

        yield get


@pytest.fixture(scope="session", params=BACKENDS)
def migrated_app(request, _migrated_apps):
    """One app per database backend, migrated once from empty."""
    return _migrated_apps(request.param)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory):
    """migrated_sqlite(path): a SQLite database file at PATH as the migrations leave an empty one (their seed
    rows included), for a test that needs an installation of its own; returns its URL.

    A copy of one this process migrated once: running every migration took a second or more each time. The
    tests of the migrations themselves run them from empty; a test that calls `upgrade()` on the copy finds
    nothing left to do."""
    template: list[Path] = []

    def copy(path: Path) -> str:
        if not template:
            tmp = tmp_path_factory.mktemp("sqlite-template")
            with migrated(f"sqlite:///{tmp / 'migrated.db'}", tmp):
                pass
            template.append(tmp / "migrated.db")
        path.parent.mkdir(parents=True, exist_ok=True)
        source, target = sqlite3.connect(template[0]), sqlite3.connect(path)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        return f"sqlite:///{path}"

    return copy


@contextmanager
def migrated(database_url: str, tmp: Path, **extra):
    """An app on a database the migrations have brought to the newest revision; its
    connections are closed afterwards."""
    app = make_app(database_url, tmp, **extra)
    with app.app_context():
        upgrade()
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()


def empty_tables(app) -> None:
    """Delete every row, children before parents, so the next test starts from an empty database.

    DELETE, not TRUNCATE: on PostgreSQL a TRUNCATE gives a table new files and took most of a
    database test's time. The append-only audit log refuses DELETE by trigger; when it holds
    rows, its triggers are switched off for that one DELETE and on again inside the same
    transaction, so no other connection ever sees them off. On PostgreSQL it is all one
    statement (a DO block): one round trip to the server instead of one a table. Ids are not
    restarted, so no test may depend on the number an id gets."""
    from supportline.hours.service import forget_public_hours

    forget_public_hours(app)  # the process's copy of the hours just deleted
    with app.app_context():
        db.session.remove()
        tables = tuple(t.name for t in reversed(db.metadata.sorted_tables))
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.execute(text(_empty_tables_block(tables)))
            else:
                for table in tables:
                    conn.execute(text(f'DELETE FROM "{table}"'))


@functools.cache
def _empty_tables_block(tables: tuple[str, ...]) -> str:
    deletes = " ".join(f'DELETE FROM "{table}";' for table in tables if table != "audit_events")
    return ("DO $$ BEGIN IF EXISTS (SELECT FROM audit_events) THEN "
            "ALTER TABLE audit_events DISABLE TRIGGER USER; DELETE FROM audit_events; "
            f"ALTER TABLE audit_events ENABLE TRIGGER USER; END IF; {deletes} END $$")


@pytest.fixture
def app(migrated_app):
    yield migrated_app
    empty_tables(migrated_app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


FORM_TOKEN_RE = re.compile(r'name="form_token" type="hidden" value="([^"]+)"')
# What a browser sends with a form posted from one of the site's own pages.
SAME_ORIGIN = {"Origin": "http://localhost"}


def feedback_token_from(html: str) -> str:
    """The article feedback form's own token (it has no session-bound CSRF token)."""
    match = FORM_TOKEN_RE.search(html)
    assert match, "page has no feedback form token"
    return match.group(1)


def post_feedback(client, slug: str, token: str | None = None, headers=SAME_ORIGIN, **data):
    """Answer "Var detta till hjälp?" on an article as a reader's browser does."""
    if token is None:
        token = feedback_token_from(client.get(f"/kunskap/{slug}").get_data(as_text=True))
    return client.post(f"/kunskap/{slug}/aterkoppling", data={"form_token": token, **data}, headers=headers)


@functools.cache
def _hash_of_the_test_password() -> str:
    """An argon2id hash of the shared test password at argon2's lowest cost: a login verifies it as
    it verifies any stored hash (the parameters travel in the hash), in half a millisecond instead of
    20-30. The app's own hashing, at the OWASP minimum, is what every other password gets
    (test_passwords_are_argon2id_at_owasp_minimum checks it)."""
    from argon2 import PasswordHasher, Type

    from supportline.auth.passwords import password_problem

    # The policy is checked here once per run, for any address, instead of for each account.
    assert password_problem(PASSWORD, "handler1@test.invalid") is None, "the shared test password must pass"
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=Type.ID).hash(PASSWORD)


@pytest.fixture(scope="session", autouse=True)
def _the_shared_test_password_is_cheap():
    """Accounts with the shared test password get one argon2id hash of it, made once per run at the
    lowest cost (every login still verifies it), and the password policy (zxcvbn) is checked for it
    once per run: hashing, verifying and estimating at the app's cost for each of the suite's
    accounts and logins was a large part of its time. Any other password is checked and hashed as
    the app does, wherever the account is made (fixtures, browser tests, the CLI in this process)."""
    from supportline.auth import service

    hash_password, password_problem = service.hash_password, service.password_problem

    def hashed(password):
        return _hash_of_the_test_password() if password == PASSWORD else hash_password(password)

    def problem(password, email):
        return None if password == PASSWORD else password_problem(password, email)

    with mock.patch.object(service, "hash_password", hashed), mock.patch.object(service, "password_problem", problem):
        yield


@pytest.fixture
def create_user(app):
    """Builder: create_user(role='handler', email=None, password=PASSWORD, active=True)."""
    from supportline.auth.service import create_user as create
    from supportline.auth.service import set_active

    counter = iter(range(1, 10_000))

    def build(role="handler", email=None, password=PASSWORD, active=True, name=""):
        with app.app_context():
            user = create(None, email or f"{role}{next(counter)}@test.invalid", role, password, name)
            if not active:
                admin = create(None, f"a{uuid.uuid4().hex[:8]}@test.invalid", "admin", PASSWORD)
                set_active(admin, user, False)
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    return build


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, email, password=PASSWORD, next_url=None):
        page = self.client.get("/login")
        url = "/login" + (f"?next={next_url}" if next_url else "")
        return self.client.post(url, data={"email": email, "password": password,
                                           "csrf_token": csrf_from(page.get_data(as_text=True))})

    def logout(self):
        page = self.client.get("/")
        return self.client.post("/logout", data={"csrf_token": csrf_from(page.get_data(as_text=True))})


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def login_as(client, auth, create_user):
    """Log the test client in with a new user of the given role; returns the user."""

    def do(role):
        user = create_user(role)
        response = auth.login(user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return do
