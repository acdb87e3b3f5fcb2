"""Retention on the sending side: nothing handed over goes before NCK's receipt for the final
package; after it (and the configured days) call-back details go first, then the case text, and
the statistics stay exactly as they were."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from supportline.audit.models import AuditEvent
from supportline.db import utcnow
from supportline.extensions import db
from supportline.handover import lifecycle, service
from supportline.handover.receipt import build_receipt
from supportline.handover.verify import verify_package
from supportline.inquiries.models import Inquiry
from supportline.retention import service as retention
from supportline.stats.service import Filters, build_report
from tests.handover.test_job import _configure

CALLBACK = {"callback_name": "Kim Kurator", "callback_phone": "070-123 45 67", "callback_email": "kim@skola.se"}
DAY = dt.timedelta(days=1)


@pytest.fixture
def sending(app, out_dir, age_key):
    _configure(app, out_dir, age_key["recipient"], handover_at="2026-07-01T00:00:00+02:00")
    app.config["SUPPORTLINE_HANDOVER_RETENTION_DAYS"] = 30
    yield
    _configure(app, Path(app.instance_path) / "handover", None)


def _statistics(now: dt.datetime):
    """The statistics page's own figures for every period the inquiries fall in."""
    report = build_report(Filters(dt.date(2020, 1, 1), dt.date(2027, 12, 31)), now=now)
    return dataclasses.replace(report, generated_at=None)


def _inquiry(inquiry_id: int) -> Inquiry:
    return db.session.get(Inquiry, inquiry_id)


def test_retention_waits_for_the_receipt_then_removes_what_was_handed_over(app, sending, out_dir, age_key,
                                                                          handler, make_inquiry):
    variants = [dict(status="open", channel="phone", caller_sector="school", exposure_types=["forced_marriage"]),
                dict(status="closed", channel="email", caller_sector="health", exposure_types=["fgm"],
                     exposed_persons=[{"age_group": "6-12", "gender": "girl_woman"},
                                      {"age_group": "0-5", "gender": "boy_man"}]),
                dict(status="awaiting", channel="chat", caller_sector="police", urgency="acute")]
    ids = [make_inquiry(handler, **CALLBACK, **fields) for fields in variants]
    with app.app_context():
        [final] = service.run_due(utcnow())
        assert final.slot == "final"
        written = utcnow()

        # no receipt yet: nothing that was handed over is removed, however long after
        for later in (written + 31 * DAY, written + 150 * DAY):
            assert retention.plan(later).handed_over_due is None
            done = retention.run(now=later, trigger="test")
            assert done.handed_over_callbacks == [] and done.handed_over_text == []
        db.session.expire_all()
        assert all(_inquiry(i).callback_phone == "070-123 45 67" and _inquiry(i).summary for i in ids)

        report = verify_package(out_dir / final.file_name, age_key["identity_file"])
        lifecycle.confirm_receipt(None, build_receipt(report, "NCK, Anna Andersson"), at=written)
        before = _statistics(written)

        # the receipt is there, the days are not over yet
        early = retention.run(now=written + 29 * DAY, trigger="test")
        assert early.handed_over_due == written + 30 * DAY
        assert early.handed_over_callbacks == [] and early.handed_over_text == []
        assert retention.plan(written + 31 * DAY).handed_over_callbacks  # the dry run lists them

        done = retention.run(now=written + 31 * DAY, trigger="test")
        assert {c.id for c in done.handed_over_callbacks} == set(ids)
        assert {c.id for c in done.handed_over_text} == set(ids)
        db.session.expire_all()
        for inquiry_id in ids:
            inquiry = _inquiry(inquiry_id)
            assert (inquiry.callback_name, inquiry.callback_phone, inquiry.callback_email) == (None, None, None)
            assert inquiry.summary == "" and inquiry.advice == "" and inquiry.anonymised_at is not None
        assert _statistics(written) == before
        assert before.total == 3 and before.persons == 4

        # call-back details first, then the case text
        actions = list(db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.action.like("retention.handover_%")).order_by(AuditEvent.id)))
        assert actions == ["retention.handover_callback"] * 3 + ["retention.handover_anonymise"] * 3

        again = retention.run(now=written + 32 * DAY, trigger="test")
        assert again.handed_over_callbacks == [] and again.handed_over_text == []


def test_an_inquiry_changed_after_the_final_package_is_left_to_the_ordinary_rules(app, sending, out_dir, age_key,
                                                                                 handler, make_inquiry):
    kept, changed = (make_inquiry(handler, **CALLBACK) for _ in range(2))
    with app.app_context():
        [final] = service.run_due(utcnow() - DAY)  # written a day ago
        db.session.execute(db.update(Inquiry).where(Inquiry.id == kept).values(updated_at=utcnow() - 2 * DAY))
        db.session.commit()
        report = verify_package(out_dir / final.file_name, age_key["identity_file"])
        lifecycle.confirm_receipt(None, build_receipt(report, "NCK"), at=utcnow())
        done = retention.run(now=utcnow() + 31 * DAY, trigger="test")
        assert [c.id for c in done.handed_over_text] == [kept]
        db.session.expire_all()
        assert _inquiry(changed).summary and _inquiry(changed).callback_phone
