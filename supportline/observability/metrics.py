"""Prometheus metrics at /metrics.

Counters and histograms are kept per process; under gunicorn, gunicorn.conf.py points
PROMETHEUS_MULTIPROC_DIR at a directory the workers share, and a scrape adds them up. The
figures that live in the database (export batches, due follow-ups) and the index's state are
read at scrape time, so every worker and every host reports the same.

/metrics is for the monitoring system, not the public: with SUPPORTLINE_METRICS_TOKEN set it
asks for that bearer token; without, it answers only on the loopback interface.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

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


__all__ = ["GaugeMetricFamily", "register_gauges", "timed_search"]

GaugeSource = Callable[[Flask], Iterable[Metric]]
_GAUGES: dict[str, GaugeSource] = {}


def register_gauges(name: str, source: GaugeSource) -> None:
    """An area's figures that live in the database or on disk, read at every scrape.

    Each area registers its own in its init_app, so this module imports none of them (they
    import its timer). Registering a name again replaces it: tests build many apps."""
    _GAUGES[name] = source


class DatabaseCollector:
    """Gauges the areas registered, read from the database and the index when /metrics is scraped."""

    def __init__(self, app):
        self.app = app

    def describe(self):
        return []  # no collection when registering: the database may not be there yet

    def collect(self):
        for source in list(_GAUGES.values()):
            yield from source(self.app)


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
