"""Structured logs: one JSON object per line, each with the request's id.

A log line never carries case text or personal data: a request is logged by its route
pattern ("/arenden/<int:inquiry_id>"), never by its path's values or its query string (a
search for a name would otherwise land in the log), and exceptions by class and traceback
only (SQL parameters are hidden by the engine's hide_parameters).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time
import uuid

from flask import g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
# An id from a proxy or a load balancer is kept only if it cannot forge a log line.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")
_STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def current_request_id() -> str | None:
    if has_request_context():
        return getattr(g, "request_id", None)
    return None


class JsonFormatter(logging.Formatter):
    """{"ts", "level", "logger", "message", "request_id", ...extra fields, "exc_type", "exc"}."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRIBUTES and key != "request_id" and not key.startswith("_"):
                entry[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            entry["exc_type"] = record.exc_info[0].__name__
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)-5.5s [%(name)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = current_request_id()
        return f"{line} request_id={request_id}" if request_id else line


def formatter_for(name: str) -> logging.Formatter:
    return JsonFormatter() if name == "json" else TextFormatter()


_HANDLER_MARK = "_supportline_handler"


def configure_logging(format_name: str, level: str) -> None:
    """One handler on the root logger (stderr), so the app's, SQLAlchemy's, APScheduler's and
    gunicorn's own lines come out alike. Idempotent: an app made twice does not log twice."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, _HANDLER_MARK, False)), None)
    if handler is None:
        handler = logging.StreamHandler()
        setattr(handler, _HANDLER_MARK, True)
        root.addHandler(handler)
    handler.setFormatter(formatter_for(format_name))
    root.setLevel(level)


request_log = logging.getLogger("supportline.request")


def _route() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else "<unmatched>"


def init_app(app) -> None:
    configure_logging(app.config["SUPPORTLINE_LOG_FORMAT"], app.config["SUPPORTLINE_LOG_LEVEL"])
    # Flask's own handler would print every line a second time, unformatted.
    app.logger.handlers.clear()
    app.logger.propagate = True

    @app.before_request
    def assign_request_id():
        given = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = given if _SAFE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response):
        response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
        started = g.get("request_started")
        duration_ms = round((time.perf_counter() - started) * 1000, 2) if started else None
        request_log.info("request", extra={"method": request.method, "route": _route(),
                                           "status": response.status_code, "duration_ms": duration_ms})
        return response
