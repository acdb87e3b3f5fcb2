"""The database cannot be reached: a Swedish 503 with Retry-After, never a 500.

PostgreSQL restarting, a refused connection, a connection killed in the middle of a request or a
connection pool with nothing free are states that a retry a few seconds later gets past. A 500
would say that something is broken and that retrying is pointless; 503 with Retry-After says
the opposite, and the JSON API's Idempotency-Key makes the retry of a save safe."""

from __future__ import annotations

from flask import current_app, g, make_response

from supportline.db import describe, is_database_unavailable

RETRY_AFTER_SECONDS = 5

def database_unavailable(exc: BaseException):
    from supportline.extensions import db, login_manager
    from supportline.observability.logs import method_label, route_label
    from supportline.site.errors import render_error

    current_app.logger.warning("database unavailable on %s %s: %s", method_label(), route_label(), describe(exc))
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
