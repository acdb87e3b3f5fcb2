from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import text

from supportline.extensions import db

bp = Blueprint("site", __name__)


@bp.get("/")
@login_required
def index():
    follow_ups = waiting = None
    if current_user.has_role("handler", "admin"):
        from supportline.inquiries.service import due_follow_ups
        from supportline.questions.service import waiting_questions

        follow_ups = due_follow_ups(current_user)
        waiting = waiting_questions()
    return render_template("site/index.html", user=current_user, follow_ups=follow_ups, waiting=waiting)


@bp.get("/tillganglighet")
def accessibility():
    return render_template("site/accessibility.html")


def _database_state() -> dict:
    try:
        db.session.execute(text("SELECT 1"))
        state = {"ok": True, "dialect": db.engine.dialect.name}
    except Exception as exc:  # noqa: BLE001 - health check reports any failure
        state = {"ok": False, "error": type(exc).__name__}
    # The check only reads: end its transaction (a failed one too) so the request holds nothing.
    db.session.rollback()
    return state


@bp.get("/healthz")
def healthz():
    """`{"status": ...}` for anyone (a load balancer); the database type, the index's state and
    the version only with `?detail`, for the monitoring system or a logged-in member of staff."""
    from supportline.kb.index_sync import sync_index, sync_state
    from supportline.kb.search_index import index_status
    from supportline.observability.metrics import monitoring_allowed

    detail = "detail" in request.args
    if detail and not (monitoring_allowed() or current_user.is_authenticated):
        from supportline.site.errors import render_error

        return render_error(403, "Detaljerna kräver metrics-token (SUPPORTLINE_METRICS_TOKEN) eller inloggning.")

    database = _database_state()
    if database["ok"]:
        sync_index()
    index = index_status(current_app)
    index.update(sync_state(current_app).as_dict())
    # A readable index that cannot take the latest changes still answers, but out of date.
    index_ok = index.get("ok") and not (index["sync_error"] and index["lag"])
    status = "ok" if database["ok"] and index_ok else ("degraded" if database["ok"] else "down")
    body = {"status": status}
    if detail:
        body.update(database=database, index=index, version=current_app.config.get("VERSION"))
    return jsonify(body), (200 if database["ok"] else 503)
