"""The database cannot be reached: a Swedish 503 with Retry-After, never a 500.

PostgreSQL restarting, a refused connection, a connection killed in the middle of a request or a
connection pool with nothing free are states that a retry a few seconds later gets past. A 500
would say that something is broken and that retrying is pointless; 503 with Retry-After says
the opposite, and the JSON API's Idempotency-Key makes the retry of a save safe."""

from __future__ import annotations

import sqlite3

import psycopg
from flask import current_app, g, make_response, request
from sqlalchemy import exc as sa_exc

RETRY_AFTER_SECONDS = 5

# SQLite raises OperationalError for programming errors too (no such table, syntax errors);
# only these mean a database that is busy or not there.
SQLITE_UNAVAILABLE = ("database is locked", "database table is locked", "unable to open database file",
                      "disk i/o error")


def _unavailable(exc: BaseException) -> bool:
    if isinstance(exc, sa_exc.TimeoutError | sa_exc.DisconnectionError):  # no free pooled connection
        return True
    if not isinstance(exc, sa_exc.DBAPIError):
        return False
    if exc.connection_invalidated:  # SQLAlchemy recognised a lost connection
        return True
    # psycopg's OperationalError: refused or lost connections, an administrator shutdown, a
    # server starting up, too many connections, a serialization failure. All pass with time.
    if isinstance(exc.orig, psycopg.OperationalError):
        return True
    return isinstance(exc.orig, sqlite3.OperationalError) and str(exc.orig).lower().startswith(SQLITE_UNAVAILABLE)


def is_database_unavailable(exc: BaseException | None) -> bool:
    """Whether exc (or an exception it was raised from) means the database is unreachable for now."""
    seen = 0
    while exc is not None and seen < 10:
        if _unavailable(exc):
            return True
        exc, seen = exc.__cause__, seen + 1
    return False


def describe(exc: BaseException) -> str:
    """Exception classes only: the message of a database error can hold SQL and its parameters,
    that is case text."""
    name = f"{type(exc).__module__}.{type(exc).__qualname__}"
    orig = getattr(exc, "orig", None)
    if orig is not None:
        name += f" ({type(orig).__module__}.{type(orig).__qualname__})"
    return name


def database_unavailable(exc: BaseException):
    from supportline.extensions import db, login_manager
    from supportline.site.errors import render_error

    current_app.logger.warning("database unavailable on %s %s: %s", request.method, request.path, describe(exc))
    try:
        db.session.rollback()
    except Exception as rollback_error:  # noqa: BLE001 - the connection is gone; the pool replaces it
        current_app.logger.warning("rollback after a database failure failed: %s", describe(rollback_error))
    # The rollback expired the user loaded for this request, and reloading it needs the database:
    # the page is drawn as for a visitor.
    g._login_user = login_manager.anonymous_user()
    body, status = render_error(503)
    response = make_response(body, status)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def init_app(app) -> None:
    @app.teardown_appcontext
    def close_session_on_a_lost_connection(exc):
        """Flask-SQLAlchemy closes the session after every request, rolling back an open transaction.
        On a connection PostgreSQL has just dropped, that rollback raises after the response is made,
        and gunicorn would answer a bare 500 in its place (for a save that went through). This runs
        first (teardowns run last registered first) and lets a lost connection go quietly: the failed
        close has already handed it back to the pool, invalidated."""
        from supportline.extensions import db

        try:
            db.session.remove()
        except Exception as error:
            if not is_database_unavailable(error):
                raise
            app.logger.warning("database connection lost while closing the session: %s", describe(error))
            try:
                db.session.remove()
            except Exception:  # noqa: BLE001 - whatever is left of the session is dropped with it
                db.session.registry.clear()
