"""Structured logs: one JSON object per line, each with the request's id.

A log line never carries case text or personal data: a request is logged by its route
pattern ("/arenden/<int:inquiry_id>"), never by its path's values or its query string (a
search for a name would otherwise land in the log), and exceptions by class and traceback
only, without their messages ("invalid literal for int() with base 10: '²'" carries what was
typed; SQL parameters are hidden by the engine's hide_parameters). An HTTP method the app
does not serve is logged and counted as "other", so invented methods make no new values.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time
import traceback
import uuid

from flask import g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
# An id from a proxy or a load balancer is kept only if it cannot forge a log line.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")
_STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_MAX_CHAIN = 5


def format_exception(exc_info) -> str:
    """The traceback (and the exceptions it was raised from) with each exception's class but
    not its message: messages quote the values that caused them, which came from a user."""
    parts: list[str] = []
    value, seen = exc_info[1], set()
    while value is not None and id(value) not in seen and len(parts) < _MAX_CHAIN:
        seen.add(id(value))
        kind = type(value)
        name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
        parts.append("Traceback (most recent call last):\n" + "".join(traceback.format_tb(value.__traceback__))
                     + f"{name} (message not logged)")
        value = value.__cause__ or (None if value.__suppress_context__ else value.__context__)
    return "\n\nwhile handling or caused by:\n\n".join(reversed(parts))


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

    def formatException(self, ei) -> str:  # noqa: N802 - logging's name
        return format_exception(ei)


class TextFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)-5.5s [%(name)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = current_request_id()
        return f"{line} request_id={request_id}" if request_id else line

    def formatException(self, ei) -> str:  # noqa: N802 - logging's name
        return format_exception(ei)


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
    # Alembic names each of its plugins at INFO as it is imported, which is when a migration first
    # runs (supportline/migrate.py): a line an operator has no use for, before every `db` command.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


request_log = logging.getLogger("supportline.request")


def route_label() -> str:
    """The route pattern, never the path's values."""
    rule = request.url_rule
    return rule.rule if rule is not None else "<unmatched>"


def method_label() -> str:
    """The HTTP method when the app knows it, else "other": anyone can invent a method."""
    return request.method if request.method in KNOWN_METHODS else "other"


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
        request_log.info("request", extra={"method": method_label(), "route": route_label(),
                                           "status": response.status_code, "duration_ms": duration_ms})
        return response
