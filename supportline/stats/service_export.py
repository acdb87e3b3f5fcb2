"""An export is data leaving the system: built, suppressed and audited in one place, for
the download button and the command line alike."""

from __future__ import annotations

from supportline.audit import service as audit
from supportline.extensions import db
from supportline.stats import export
from supportline.stats.service import Filters, Report, build_report
from supportline.transactions import begin_write


def export_report(actor, filters: Filters, fmt: str) -> tuple[Report, bytes]:
    report = build_report(filters)
    data = export.render(report, fmt)
    begin_write()
    audit.record("stats.export", actor, object_type="statistics",
                 detail={"format": fmt, **filters.query_args()})
    db.session.commit()
    return report, data
