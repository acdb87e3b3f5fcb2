"""Retention (gallring): what goes when, that statistics do not change, the dry run, the audit
trail and the search."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from supportline.audit.models import AuditEvent
from supportline.auth.models import User
from supportline.extensions import db
from supportline.inquiries.models import ExposedPerson, Inquiry, InquiryCode, InquiryDraft, TimelineEntry
from supportline.retention import service
from tests.privacy.conftest import UTC, ago

CALLBACK = {"callback_name": "Kim Kurator", "callback_phone": "070-123 45 67", "callback_email": "kim@skola.se"}
PERIOD = (dt.datetime(2022, 1, 1, tzinfo=UTC), dt.datetime(2023, 1, 1, tzinfo=UTC))


def statistics(start: dt.datetime, end: dt.datetime) -> dict:
    """Per-code counts for inquiries received in the period: everything the statistics are made of."""
    in_period = (Inquiry.received_at >= start) & (Inquiry.received_at < end)
    out = {}
    for column in (Inquiry.channel, Inquiry.caller_type, Inquiry.caller_sector, Inquiry.county_code,
                   Inquiry.municipality_code, Inquiry.urgency, Inquiry.status):
        out[column.key] = sorted(db.session.execute(
            select(column, func.count()).where(in_period).group_by(column)).all(), key=repr)
    out["codes"] = sorted(db.session.execute(
        select(InquiryCode.kind, InquiryCode.code, func.count()).join(Inquiry).where(in_period)
        .group_by(InquiryCode.kind, InquiryCode.code)).all())
    out["persons"] = sorted(db.session.execute(
        select(ExposedPerson.age_group, ExposedPerson.gender, func.count()).join(Inquiry).where(in_period)
        .group_by(ExposedPerson.age_group, ExposedPerson.gender)).all())
    out["received"] = sorted(r.received_at.isoformat() for r in db.session.execute(
        select(Inquiry.received_at).where(in_period)))
    out["duration"] = db.session.scalar(select(func.sum(Inquiry.duration_seconds)).where(in_period))
    out["total"] = db.session.scalar(select(func.count()).select_from(Inquiry).where(in_period))
    return out


def _add_note(app, user, inquiry_id, text):
    from supportline.inquiries.service import add_entry

    with app.app_context():
        add_entry(db.session.get(User, user.id), inquiry_id, "note", text)


def test_statistics_for_a_past_period_are_identical_after_anonymisation(app, handler, make_inquiry, backdate):
    variants = [
        dict(channel="phone", caller_sector="school", municipality_code="0580", urgency="high",
             exposure_types=["forced_marriage"], question_topics=["risk_assessment"], duration_seconds=600),
        dict(channel="email", caller_sector="health", municipality_code="1280", urgency="normal",
             exposure_types=["fgm", "control"], question_topics=["health_care"], referrals=["barnahus"],
             exposed_persons=[{"age_group": "6-12", "gender": "girl_woman"},
                              {"age_group": "0-5", "gender": "boy_man"}]),
        dict(channel="chat", caller_sector="police", municipality_code="0180", urgency="acute",
             perpetrator_relations=["sibling", "parent"], question_topics=["police_report"], duration_seconds=120),
    ]
    ids = []
    for i, fields in enumerate(variants * 2):
        status = "closed" if i % 2 == 0 else "open"
        ids.append(make_inquiry(handler, status=status, **CALLBACK, **fields))
        backdate(ids[-1], updated=dt.datetime(2023, 3, 1, tzinfo=UTC),
                 received=dt.datetime(2022, 2 + i, 3, 10, tzinfo=UTC))
    _add_note(app, handler, ids[0], "Ringde tillbaka, skolan har gjort en orosanmälan.")
    backdate(ids[0], updated=dt.datetime(2023, 3, 1, tzinfo=UTC))
    with app.app_context():
        before = statistics(*PERIOD)
        done = service.run(trigger="test")
        after = statistics(*PERIOD)
        assert {c.id for c in done.anonymise} == {ids[0], ids[2], ids[4]}
        assert {c.id for c in done.callbacks} == {ids[1], ids[3], ids[5]}
        assert after == before
        assert before["total"] == 6 and before["codes"]
        closed = db.session.get(Inquiry, ids[0])
        assert closed.anonymised_at is not None
        assert (closed.summary, closed.advice, closed.caller_role, closed.caller_organisation) == ("", "", "", "")
        assert (closed.callback_name, closed.callback_phone, closed.callback_email) == (None, None, None)
        assert closed.organisation_key is None and closed.callback_phone_key is None
        assert all(e.text == "" for e in closed.timeline if e.kind != "article_link")
        assert closed.codes_of("exposure_types") == ["forced_marriage"]
        still_open = db.session.get(Inquiry, ids[1])
        assert still_open.anonymised_at is None and still_open.summary  # open: text stays
        assert still_open.callback_phone is None  # but the call-back details went after 6 months


def test_what_is_kept_and_when(app, handler, make_inquiry, backdate):
    old_closed = make_inquiry(handler, status="closed", **CALLBACK)
    backdate(old_closed, updated=ago(days=2 * 366))
    recent_closed = make_inquiry(handler, status="closed", **CALLBACK)
    backdate(recent_closed, updated=ago(days=700))  # 23 months: not yet
    open_stale = make_inquiry(handler, status="open", **CALLBACK)
    backdate(open_stale, updated=ago(days=190))
    open_fresh = make_inquiry(handler, status="awaiting", **CALLBACK)
    backdate(open_fresh, updated=ago(days=170))
    with app.app_context():
        planned = service.plan()
        assert [c.id for c in planned.anonymise] == [old_closed]
        assert {c.id for c in planned.callbacks} == {recent_closed, open_stale}
        service.run(trigger="test")
        assert db.session.get(Inquiry, recent_closed).summary  # kept for now...
        assert db.session.get(Inquiry, recent_closed).callback_email is None  # ...without the call-back
        assert db.session.get(Inquiry, open_fresh).callback_email == "kim@skola.se"
        # a second run finds nothing more to do
        again = service.run(trigger="test")
        assert again.counts == {"anonymised": 0, "callbacks_removed": 0, "drafts": 0}


def test_configurable_periods(app, handler, make_inquiry, backdate):
    inquiry_id = make_inquiry(handler, status="closed", **CALLBACK)
    backdate(inquiry_id, updated=ago(days=100))
    app.config.update(SUPPORTLINE_RETENTION_MONTHS=3, SUPPORTLINE_CALLBACK_RETENTION_MONTHS=1)
    try:
        with app.app_context():
            assert [c.id for c in service.plan().anonymise] == [inquiry_id]
    finally:
        app.config.update(SUPPORTLINE_RETENTION_MONTHS=24, SUPPORTLINE_CALLBACK_RETENTION_MONTHS=6)


def test_periods_from_the_environment(monkeypatch, tmp_path):
    from supportline import create_app
    from supportline.config import ConfigError

    monkeypatch.setenv("SUPPORTLINE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SUPPORTLINE_RETENTION_MONTHS", "36")
    monkeypatch.setenv("SUPPORTLINE_CALLBACK_RETENTION_MONTHS", "3")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})
    assert (app.config["SUPPORTLINE_RETENTION_MONTHS"], app.config["SUPPORTLINE_CALLBACK_RETENTION_MONTHS"]) == (36, 3)
    monkeypatch.setenv("SUPPORTLINE_RETENTION_MONTHS", "två år")
    with pytest.raises(ConfigError, match="SUPPORTLINE_RETENTION_MONTHS"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})


@pytest.mark.parametrize("moment,months,expected", [
    ("2026-08-31T12:00", 6, "2026-02-28T12:00"),
    ("2026-03-15T00:00", 24, "2024-03-15T00:00"),
    ("2026-01-10T08:00", 1, "2025-12-10T08:00"),
    ("2028-02-29T08:00", 12, "2027-02-28T08:00"),
])
def test_months_before(moment, months, expected):
    assert service.months_before(dt.datetime.fromisoformat(moment), months) == dt.datetime.fromisoformat(expected)


def test_dry_run_lists_what_would_go_and_changes_nothing(app, runner, handler, make_inquiry, backdate):
    gone = make_inquiry(handler, status="closed", **CALLBACK)
    backdate(gone, updated=ago(days=800))
    callback = make_inquiry(handler, status="open", **CALLBACK)
    backdate(callback, updated=ago(days=200))
    result = runner.invoke(args=["retention", "run", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"avidentifiera  ärende {gone} " in result.output
    assert f"kontaktuppgifter  ärende {callback} " in result.output
    assert "1 ärende skulle avidentifieras, kontaktuppgifter skulle tas bort från 1 ärende " in result.output
    assert "Torrkörning" in result.output
    with app.app_context():
        assert db.session.get(Inquiry, gone).summary
        assert db.session.get(Inquiry, callback).callback_phone
        assert not db.session.scalar(select(func.count()).select_from(AuditEvent)
                                     .where(AuditEvent.action.like("retention.%")))


def test_the_real_run_is_audited(app, runner, handler, make_inquiry, backdate):
    gone = make_inquiry(handler, status="closed", **CALLBACK)
    backdate(gone, updated=ago(days=800))
    result = runner.invoke(args=["retention", "run"])
    assert result.exit_code == 0, result.output
    assert "Avidentifierade: 1 ärende;" in result.output
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("retention.%"))
                                    .order_by(AuditEvent.id)).all()
        assert [(e.action, e.object_id) for e in events] == [("retention.anonymise", str(gone)),
                                                              ("retention.run", None)]
        assert events[0].actor == "retention:cli"
        fields = json.loads(events[0].detail)["fields"]
        assert {"summary", "advice", "callback_phone", "caller_organisation"} <= set(fields)
        summary = json.loads(events[1].detail)
        assert summary["anonymised"] == 1 and summary["retention_months"] == 24
        # the audit log names fields, never their content
        assert "Kim" not in events[0].detail and "tvångsgifte" not in events[0].detail


def test_anonymised_text_is_gone_from_the_search(app, handler, make_inquiry, backdate):
    from supportline.inquiries.search import Filters, search_inquiries

    inquiry_id = make_inquiry(handler, status="closed", summary="Flickan riskerar könsstympning under resan.",
                              caller_organisation="Björkskolan")
    backdate(inquiry_id, updated=ago(days=800))
    with app.app_context():
        actor = db.session.get(User, handler.id)
        for q in ("könsstympning", "Björkskolan"):
            assert [r.id for r in search_inquiries(actor, Filters(q=q), audit=False).items] == [inquiry_id]
        service.run(trigger="test")
        for q in ("könsstympning", "Björkskolan", "resan"):
            assert search_inquiries(actor, Filters(q=q), audit=False).total == 0


def test_an_edit_form_opened_before_cannot_write_the_text_back(app, handler, make_inquiry, backdate):
    from supportline.inquiries.service import InquiryAnonymised, update_inquiry

    inquiry_id = make_inquiry(handler, status="closed")
    backdate(inquiry_id, updated=ago(days=800))
    with app.app_context():
        version = db.session.get(Inquiry, inquiry_id).version
        service.run(trigger="test")
        # refused as anonymised, not as stale: the conflict page would offer to save anyway
        with pytest.raises(InquiryAnonymised):
            update_inquiry(db.session.get(User, handler.id), inquiry_id, {"summary": "gammal text"},
                           expected_version=version)


def test_drafts_go_with_the_inquiry_and_when_stale(app, handler, make_inquiry, backdate):
    from supportline.inquiries.service import save_draft

    inquiry_id = make_inquiry(handler, status="closed")
    backdate(inquiry_id, updated=ago(days=800))
    with app.app_context():
        actor = db.session.get(User, handler.id)
        save_draft(actor, f"inquiry-{inquiry_id}", {"summary": "ändring på gång"})
        save_draft(actor, "new", {"callback_phone": "070-765 43 21"})
        db.session.execute(InquiryDraft.__table__.update().where(InquiryDraft.key == "new")
                           .values(updated_at=ago(days=365)))
        db.session.commit()
        done = service.run(trigger="test")
        assert done.drafts == 1
        assert db.session.scalar(select(func.count()).select_from(InquiryDraft)) == 0


def test_timeline_keeps_linked_guidance_titles_only(app, handler, make_inquiry, backdate):
    inquiry_id = make_inquiry(handler, status="closed")
    _add_note(app, handler, inquiry_id, "Anteckning om samtalet.")
    backdate(inquiry_id, updated=ago(days=800))
    with app.app_context():
        db.session.add(TimelineEntry(inquiry_id=inquiry_id, kind="article_link", text="Riskbedömning",
                                     detail={"slug": "riskbedomning"}))
        db.session.commit()
        service.run(trigger="test")
        texts = {e.kind: e.text for e in db.session.scalars(
            select(TimelineEntry).where(TimelineEntry.inquiry_id == inquiry_id))}
        assert texts["note"] == "" and texts["article_link"] == "Riskbedömning"


def test_the_clock_runs_retention_daily():
    from supportline.clock.jobs import JOBS

    job = next(j for j in JOBS if j.id == "retention")
    assert job.trigger == "cron" and job.trigger_args == {"hour": 2, "minute": 30}
