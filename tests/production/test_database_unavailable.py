"""The database unreachable, in process: every request answers a Swedish 503 with Retry-After (JSON
under /api/), never a 500; the log names the exception class, never SQL or case text. A connection
killed in the middle of a save saves nothing and the retry saves once; the connection pool
replaces connections PostgreSQL dropped without anyone noticing."""

from __future__ import annotations

import socket
import threading
import time

import psycopg
import pytest
from flask import request
from sqlalchemy import event, func, select

from supportline.auth.models import User
from supportline.extensions import db
from tests.conftest import PG_ADMIN_URL, make_app, migrated
from tests.inquiries.conftest import valid_payload
from tests.production.conftest import UNAVAILABLE_MESSAGE, UNAVAILABLE_TITLE, free_port, saved_keys

TOKEN = "slt_" + "x" * 43
SUMMARY = "Kuratorn frågar om en elev som ska giftas bort mot sin vilja under sommarlovet."


def _assert_unavailable(response, *, api: bool) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)[:300]
    assert response.headers["Retry-After"].isdigit()
    if api:
        assert response.get_json() == {"error": {"status": 503, "title": UNAVAILABLE_TITLE,
                                                 "message": UNAVAILABLE_MESSAGE}}
    else:
        page = response.get_data(as_text=True)
        assert response.mimetype == "text/html"
        assert f"<h1>{UNAVAILABLE_TITLE}</h1>" in page and UNAVAILABLE_MESSAGE in page


def _as_logged_in_staff(client) -> None:
    # A session cookie as after a login: loading its user needs the database.
    with client.session_transaction() as session:
        session["sid"] = "en-inloggning"
        session["_user_id"] = "1"


REQUESTS = [
    ("GET", "/kunskap/", False, {}, False),
    ("GET", "/kunskap/tvangsaktenskap", False, {}, False),
    ("GET", "/arenden", True, {}, False),
    ("GET", "/api/v1/articles/tvangsaktenskap", False, {}, True),
    ("GET", "/api/v1/inquiries", False, {"Authorization": f"Bearer {TOKEN}"}, True),
    ("POST", "/api/v1/inquiries", False, {"Authorization": f"Bearer {TOKEN}", "Idempotency-Key": "k-1"}, True),
]


@pytest.mark.parametrize(("method", "path", "logged_in", "headers", "api"), REQUESTS,
                         ids=[f"{m} {p}" for m, p, *_ in REQUESTS])
def test_every_request_answers_503_in_swedish_when_postgresql_refuses_connections(
        tmp_path, caplog, method, path, logged_in, headers, api):
    app = make_app(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/supportline", tmp_path)
    client = app.test_client()
    if logged_in:
        _as_logged_in_staff(client)
    started = time.monotonic()
    response = client.open(path, method=method, headers=headers,
                           json=valid_payload(summary=SUMMARY) if method == "POST" else None)
    assert time.monotonic() - started < 5
    _assert_unavailable(response, api=api)
    logged = [r.getMessage() for r in caplog.records if r.getMessage().startswith("database unavailable")]
    # Logged by route pattern: a path's slug or id is the user's, not the log's.
    route = path.replace("tvangsaktenskap", "<slug>")
    assert logged == [f"database unavailable on {method} {route}: "
                      "sqlalchemy.exc.OperationalError (psycopg.OperationalError)"]
    assert SUMMARY not in caplog.text and TOKEN not in caplog.text and "[SQL" not in caplog.text


def test_the_health_check_says_the_database_is_down(tmp_path):
    app = make_app(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/supportline", tmp_path)
    response = app.test_client().get("/healthz?detail")
    assert response.status_code == 503
    assert response.get_json()["status"] == "down" and response.get_json()["database"]["ok"] is False


def test_a_server_that_never_answers_fails_within_the_connect_timeout(tmp_path, monkeypatch):
    import supportline.db

    # Accepts TCP connections (the kernel does) and never says a word, like a hung server.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    monkeypatch.setattr(supportline.db, "POSTGRESQL_CONNECT_TIMEOUT_SECONDS", 2)
    app = make_app(f"postgresql+psycopg://postgres@127.0.0.1:{silent.getsockname()[1]}/supportline", tmp_path)
    result = {}

    def call():
        started = time.monotonic()
        result["response"] = app.test_client().get("/api/v1/inquiries", headers={"Authorization": f"Bearer {TOKEN}"})
        result["seconds"] = time.monotonic() - started

    try:
        thread = threading.Thread(target=call, daemon=True)
        thread.start()
        thread.join(30)
        assert not thread.is_alive(), "the request hung on a server that does not answer"
    finally:
        silent.close()
    _assert_unavailable(result["response"], api=True)
    assert result["seconds"] < 10


@pytest.fixture
def pg_app(scratch_database, tmp_path):
    with migrated(scratch_database.replace("postgresql://", "postgresql+psycopg://"), tmp_path) as app:
        yield app


@pytest.fixture
def bearer(pg_app):
    from supportline.auth.service import create_user, issue_api_token
    from tests.conftest import PASSWORD

    with pg_app.app_context():
        user = create_user(None, "handlaggare@test.invalid", "handler", PASSWORD)
        return {"Authorization": f"Bearer {issue_api_token(None, db.session.get(User, user.id))}"}


@pytest.fixture
def admin():
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        yield conn


def test_a_connection_killed_in_the_middle_of_a_save_saves_nothing_and_the_retry_saves_once(
        pg_app, bearer, admin, scratch_database, caplog):
    killed = []

    def terminate_before_insert(conn, cursor, statement, parameters, context, executemany):
        if not killed and statement.lstrip().upper().startswith("INSERT INTO INQUIRIES"):
            pid = conn.connection.dbapi_connection.info.backend_pid
            killed.append(admin.execute("SELECT pg_terminate_backend(%s, 5000)", [pid]).fetchone()[0])

    with pg_app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", terminate_before_insert)
    client = pg_app.test_client()
    headers = {**bearer, "Idempotency-Key": "sparas-en-gang"}
    try:
        response = client.post("/api/v1/inquiries", json=valid_payload(summary=SUMMARY), headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", terminate_before_insert)
    assert killed == [True]
    _assert_unavailable(response, api=True)
    assert saved_keys(scratch_database) == {}
    logged = [r.getMessage() for r in caplog.records if r.getMessage().startswith("database unavailable")]
    assert len(logged) == 1 and "sqlalchemy.exc.OperationalError" in logged[0]
    assert SUMMARY not in caplog.text and "[SQL" not in caplog.text

    retry = client.post("/api/v1/inquiries", json=valid_payload(summary=SUMMARY), headers=headers)
    assert retry.status_code == 201, retry.get_json()
    assert saved_keys(scratch_database) == {"sparas-en-gang": (1, [retry.get_json()["id"]])}


def test_the_pool_replaces_connections_postgresql_dropped(pg_app, bearer, admin, scratch_database):
    client = pg_app.test_client()
    assert client.get("/api/v1/inquiries", headers=bearer).status_code == 200
    for _ in range(2):
        # what a PostgreSQL restart or an idle timeout does to the pooled connections
        terminated = admin.execute("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) "
                                   "FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                                   [scratch_database.rsplit("/", 1)[1]]).fetchone()[0]
        assert terminated >= 1
        # the first request afterwards works: the pool tests a connection before handing it out
        assert client.get("/api/v1/inquiries", headers=bearer).status_code == 200


def test_a_connection_dropped_after_the_answer_is_made_does_not_turn_it_into_an_error(pg_app, bearer, admin,
                                                                                     caplog):
    from supportline.inquiries.service import create_inquiry

    with pg_app.app_context():
        inquiry_id = create_inquiry(db.session.scalar(select(User)), valid_payload(summary=SUMMARY)).id
    dropped = []

    @pg_app.after_request
    def drop_the_connection(response):
        # PostgreSQL goes away after the view has made its answer, with the request's transaction
        # still open: closing the session at the end of the request then fails.
        if request.method == "GET" and not dropped:
            db.session.execute(select(func.count()).select_from(User))  # the transaction is open on the server
            pid = db.session.connection().connection.dbapi_connection.info.backend_pid
            dropped.append(admin.execute("SELECT pg_terminate_backend(%s, 5000)", [pid]).fetchone()[0])
        return response

    client = pg_app.test_client()
    response = client.get(f"/api/v1/inquiries/{inquiry_id}", headers=bearer)
    assert dropped == [True]
    assert response.status_code == 200 and response.get_json()["id"] == inquiry_id
    assert "database connection lost while closing the session" in caplog.text
    assert client.get(f"/api/v1/inquiries/{inquiry_id}", headers=bearer).status_code == 200
