"""What an operator sees: JSON logs with a request id, and Prometheus metrics at /metrics."""

from __future__ import annotations


def init_app(app) -> None:
    from supportline.observability import logs, metrics

    logs.init_app(app)
    metrics.init_app(app)
