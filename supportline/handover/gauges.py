"""The handover's figures for /metrics: the export ledger, read at every scrape."""

from __future__ import annotations

from sqlalchemy import func, select

from supportline.extensions import db
from supportline.handover.models import HandoverBatch
from supportline.observability.metrics import GaugeMetricFamily


def handover_gauges(_app):
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
