"""The knowledge search index's figures for /metrics: this host's index and how far behind
the database it is, read at every scrape."""

from __future__ import annotations

import datetime as dt

from supportline.kb.index_sync import sync_state
from supportline.kb.search_index import index_status
from supportline.observability.metrics import GaugeMetricFamily


def index_gauges(app):
    index = index_status(app)
    state = sync_state(app)
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
