"""Prometheus metrics at /metrics.

Counters and histograms are kept per process; under gunicorn, gunicorn.conf.py points
PROMETHEUS_MULTIPROC_DIR at a directory the workers share, and a scrape adds them up. The
figures that live in the database (export batches, due follow-ups) and the index's state are
read at scrape time, so every worker and every host reports the same.

/metrics is for the monitoring system, not the public: with SUPPORTLINE_METRICS_TOKEN set it
asks for that bearer token; without, it answers only on the loopback interface.
"""

from __future__ import annotations

import datetime as dt
import hmac
import os
import time
from contextlib import contextmanager

from flask import Blueprint, Response, abort, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from supportline.observability.logs import method_label, route_label

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter("supportline_http_requests", "HTTP requests answered, by route pattern and status",
                   ["method", "route", "status"])
LATENCY = Histogram("supportline_http_request_duration_seconds", "Time to answer a request, by route pattern",
                    ["method", "route"], buckets=LATENCY_BUCKETS)
SEARCH_LATENCY = Histogram("supportline_search_duration_seconds",
                           "Time spent searching: the knowledge base or the inquiries", ["kind"],
                           buckets=LATENCY_BUCKETS)


@contextmanager
def timed_search(kind: str):
    started = time.perf_counter()
    try:
        yield
    finally:
        SEARCH_LATENCY.labels(kind).observe(time.perf_counter() - started)


class DatabaseCollector:
    """Gauges read from the database and the index when /metrics is scraped."""

    def __init__(self, app):
        self.app = app

    def describe(self):
        return []  # no collection when registering: the database may not be there yet

    def collect(self):
        from sqlalchemy import func, select

        from supportline.extensions import db
        from supportline.handover.models import HandoverBatch
        from supportline.inquiries.service import count_due_follow_ups
        from supportline.kb.index_sync import sync_state
        from supportline.search_index import index_status

        batches = GaugeMetricFamily("supportline_handover_batches", "Handover batches in the ledger, by status",
                                    labels=["status"])
        for status, count in db.session.execute(
                select(HandoverBatch.status, func.count()).group_by(HandoverBatch.status)):
            batches.add_metric([status], count)
        yield batches
        last = db.session.scalar(select(func.max(HandoverBatch.finished_at)).where(HandoverBatch.status == "done"))
        if last is not None:
            yield GaugeMetricFamily("supportline_handover_last_done_timestamp_seconds",
                                    "When the last handover package was completed (Unix time)",
                                    value=last.timestamp())
        yield GaugeMetricFamily("supportline_follow_ups_due", "Open inquiries whose follow-up date is today or past",
                                value=count_due_follow_ups())
        index = index_status(self.app)
        state = sync_state(self.app)
        yield GaugeMetricFamily("supportline_index_documents", "Articles in this host's search index",
                                value=index.get("documents") or 0)
        yield GaugeMetricFamily("supportline_index_up", "1 when this host's search index can be read",
                                value=1 if index.get("ok") else 0)
        if index.get("built_at"):
            built = dt.datetime.fromisoformat(index["built_at"])
            yield GaugeMetricFamily("supportline_index_age_seconds", "Seconds since this host's index was built",
                                    value=(dt.datetime.now(dt.UTC) - built).total_seconds())
        if state.synced_at is not None:
            yield GaugeMetricFamily("supportline_index_synced_seconds_ago",
                                    "Seconds since this process last found its host's index up to date",
                                    value=(dt.datetime.now(dt.UTC) - state.synced_at).total_seconds())
        if state.lag is not None:
            yield GaugeMetricFamily("supportline_index_lag_changes", "Article changes this host's index is behind by",
                                    value=state.lag)


def _registry(app) -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_ProcessMetrics())
    registry.register(DatabaseCollector(app))
    return registry


class _ProcessMetrics:
    """This process's counters and histograms (the default registry) inside a scrape's registry."""

    def collect(self):
        yield from REGISTRY.collect()


def monitoring_allowed() -> bool:
    """The monitoring system: the bearer token when SUPPORTLINE_METRICS_TOKEN is set, else a
    request made on the host itself. Also opens /healthz?detail."""
    token = current_app.config.get("SUPPORTLINE_METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    # A request a reverse proxy on the same host passed on comes from loopback too: the
    # forwarding headers tell it from a scrape made on the host itself.
    forwarded = any(name in request.headers for name in ("X-Forwarded-For", "Forwarded", "X-Real-IP"))
    return request.remote_addr in {"127.0.0.1", "::1"} and not forwarded


bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def metrics():
    if not monitoring_allowed():
        abort(403)
    body = generate_latest(_registry(current_app))
    return Response(body, content_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


def init_app(app) -> None:
    app.register_blueprint(bp)

    @app.after_request
    def count_request(response):
        # Labels only from fixed sets (known methods, route patterns, the app's status codes):
        # a label from the request itself made a new series for every invented method.
        route, method = route_label(), method_label()
        if route != "/metrics":
            REQUESTS.labels(method, route, str(response.status_code)).inc()
            started = g.get("request_started")
            if started is not None:
                LATENCY.labels(method, route).observe(time.perf_counter() - started)
        return response
