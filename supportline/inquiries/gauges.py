"""The inquiries' figure for /metrics, read at every scrape (no inquiry is read)."""

from __future__ import annotations

from supportline.inquiries.queries import count_due_follow_ups
from supportline.observability.metrics import GaugeMetricFamily


def inquiry_gauges(_app):
    yield GaugeMetricFamily("supportline_follow_ups_due", "Open inquiries whose follow-up date is today or past",
                            value=count_due_follow_ups())
