"""An export is data leaving the system: built, suppressed and audited in one place, for
the download button and the command line alike."""

from __future__ import annotations

from supportline.audit import service as audit
from supportline.stats import export
from supportline.stats.service import Filters, Report, build_report
from supportline.transactions import write_transaction


def export_report(actor, filters: Filters, fmt: str) -> tuple[Report, bytes]:
    report = build_report(filters)
    data = export.render(report, fmt)
    with write_transaction():
        audit.record("stats.export", actor, object_type="statistics",
                     detail={"format": fmt, **filters.query_args()})
    return report, data


def report_pdf(actor, filters: Filters) -> tuple[Report, bytes]:
    """The printable report as PDF: suppressed like the exports, audited like them."""
    from supportline.stats import printable
    from supportline.stats.cache import remember
    from supportline.stats.pdf import render_pdf

    def make():
        report, snapshot = printable.report_for(filters)
        return report, snapshot, render_pdf(printable.context(report, snapshot))

    # Drawing the PDF takes WeasyPrint a second or more: the same figures give the same file.
    report, snapshot, data = remember("pdf", (filters,), make)
    with write_transaction():
        audit.record("stats.report_pdf", actor, object_type="statistics",
                     detail={"snapshot": snapshot.id if snapshot else None, **filters.query_args()})
    return report, data
