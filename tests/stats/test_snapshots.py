"""Quarterly snapshots: frozen once the quarter has ended, unchanged by later edits and
anonymisation, a re-run that shows the difference, the clock job, the command, the pages."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from supportline.audit.models import AuditEvent
from supportline.auth.models import User
from supportline.extensions import db
from supportline.inquiries.models import Inquiry
from supportline.stats import printable, service, snapshots
from supportline.stats.models import StatisticsSnapshot
from supportline.swedish import tal
from tests.conftest import csrf_from
from tests.stats.conftest import Q1_2025


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(StatisticsSnapshot))


def _move_stockholm_to_gotland(app, user) -> None:
    """A handler edits an inquiry of the frozen quarter through the ordinary service."""
    from supportline.inquiries.writes import update_inquiry

    with app.app_context():
        inquiry_id = db.session.scalars(select(Inquiry.id).where(
            Inquiry.county_code == "01", Inquiry.received_at >= service.local_midnight_utc(dt.date(2025, 2, 1)),
            Inquiry.received_at < service.local_midnight_utc(dt.date(2025, 3, 1))).order_by(Inquiry.id)).first()
        update_inquiry(db.session.get(User, user.id), inquiry_id, {"county_code": "09"}, expected_version=None)


def test_a_frozen_quarter_does_not_change_when_inquiries_do(app, seeded):
    with app.app_context():
        first = snapshots.make_snapshot(None, 2025, 1, trigger="cli")
        assert first.created and first.snapshot.version == 1 and first.snapshot.total == 22
        frozen = first.snapshot.data
        again = snapshots.make_snapshot(None, 2025, 1, trigger="cli")
        assert not again.created and again.snapshot.id == first.snapshot.id
    _move_stockholm_to_gotland(app, seeded)
    with app.app_context():
        from supportline.retention.service import anonymise
        from supportline.transactions import write_transaction

        with write_transaction():
            for inquiry in db.session.scalars(select(Inquiry).where(Inquiry.county_code == "21")).all():
                anonymise(inquiry, dt.datetime.now(dt.UTC))
        live = service.build_report(service.Filters(dt.date(2025, 1, 1), dt.date(2025, 3, 31)))
        live_county = {r.code: r.count for r in live.table("county").rows}
        published = snapshots.published(2025, 1)
        frozen_county = next(t for t in published.data["tables"] if t["key"] == "county")
        county = {r["code"]: r["count"] for r in frozen_county["rows"]}
        assert published.data == frozen  # not a figure moved
        assert (county["01"], county["09"]) == (live_county["01"] + 1, live_county["09"] - 1)
        # the printable report of the quarter is the published one
        report, snapshot = printable.report_for(service.Filters(dt.date(2025, 1, 1), dt.date(2025, 3, 31)))
        assert snapshot.id == published.id and report.table("county").rows[0].count == county["01"]
        # a re-run stores the next version with the difference, and only once
        rerun = snapshots.make_snapshot(None, 2025, 1, trigger="cli", rerun=True)
        assert rerun.created and rerun.snapshot.version == 2
        moved = {(c.table, c.row): (c.before, c.after) for c in rerun.changes}
        assert moved[("Ärenden per län", "Stockholms län")] == (county["01"], live_county["01"])
        assert moved[("Ärenden per län", "Gotlands län")] == (county["09"], live_county["09"])
        assert not snapshots.make_snapshot(None, 2025, 1, trigger="cli", rerun=True).created
        assert snapshots.published(2025, 1).data == frozen
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "stats.snapshot")).all()
        assert len(events) == 2


def test_an_unfinished_quarter_is_not_frozen(app, seeded):
    with app.app_context():
        try:
            snapshots.make_snapshot(None, 2025, 2, trigger="cli", today=dt.date(2025, 6, 30))
        except snapshots.SnapshotError as exc:
            assert "har inte tagit slut" in str(exc)
        else:
            raise AssertionError("an unfinished quarter was frozen")
    assert _count(app) == 0


def test_the_clock_job_freezes_the_last_quarter_once(app, seeded):
    from supportline.clock.jobs import JOBS

    job = next(j for j in JOBS if j.id == "statistics-snapshot")
    assert job.run_at_start
    with app.app_context():
        made = snapshots.freeze_last_quarter(today=dt.date(2025, 4, 2))
        assert made.created and made.snapshot.label == "2025 kvartal 1" and made.snapshot.trigger == "clock"
        assert not snapshots.freeze_last_quarter(today=dt.date(2025, 5, 20)).created
    assert _count(app) == 1


def test_the_command_freezes_and_reports_the_difference(app, runner, seeded):
    result = runner.invoke(args=["stats", "snapshot", "--year", "2025", "--quarter", "1"])
    assert result.exit_code == 0, result.output
    assert "2025 kvartal 1: version 1 sparad (22 ärenden)" in result.output
    result = runner.invoke(args=["stats", "snapshot", "--year", "2025", "--quarter", "1", "--rerun"])
    assert "inga skillnader" in result.output
    _move_stockholm_to_gotland(app, seeded)
    result = runner.invoke(args=["stats", "snapshot", "--year", "2025", "--quarter", "1", "--rerun"])
    assert "version 2 sparad" in result.output and "Ärenden per län – Stockholms län: 12 → 11" in result.output
    bad = runner.invoke(args=["stats", "snapshot", "--year", "2099", "--quarter", "1"])
    assert bad.exit_code != 0 and "har inte tagit slut" in bad.output


def test_pages_list_show_and_compare(app, client, login_as, seeded):
    login_as("coordinator")
    page = client.get("/statistik/kvartal")
    assert "Inget kvartal är fryst än." in page.get_data(as_text=True)
    made = client.post("/statistik/kvartal", data={"ar": "2025", "kvartal": "1",
                                                   "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert made.status_code == 302
    _move_stockholm_to_gotland(app, seeded)
    html = client.get(made.headers["Location"] + "?jamfor=nu").get_data(as_text=True)
    assert "2025 kvartal 1, version 1" in html and "Det här är den publicerade versionen." in html
    assert "<th scope=\"row\">Stockholms län</th><td class=\"num\">12</td><td class=\"num\">11</td>" in html
    refused = client.post("/statistik/kvartal", data={"ar": "2025", "kvartal": "1"})
    assert refused.status_code == 400  # no CSRF token
    assert client.get("/statistik/kvartal/999999").status_code == 404


@pytest.mark.slow
def test_pdf_report_carries_the_figures_method_and_caveats(app, client, login_as, seeded):
    login_as("coordinator")
    response = client.get("/statistik/rapport.pdf", query_string=Q1_2025)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "stodtelefonen-statistik-2025-01-01-2025-03-31.pdf" in response.headers["Content-Disposition"]
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    with app.app_context():
        report = service.build_report(service.parse_filters(Q1_2025))
        county = {r.code: r for r in report.table("county").rows}
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "stats.report_pdf")).one()
    assert f"Antal ärenden {report.total}" in text
    stockholm = county["01"]
    share = tal(round(100 * stockholm.count / report.total, 1))
    assert f"Stockholms län {stockholm.count} {share} {tal(stockholm.rate)} Nej" in text
    assert "Gotlands län <5 – –" in text  # suppressed as in the exports
    assert "Metod" in text and "mäter inte hur vanligt" in text and "Röjandeskydd" in text
    assert '"format"' not in (event.detail or "") and event.object_type == "statistics"


def test_printable_page_shows_the_same_tables(client, login_as, seeded):
    login_as("coordinator")
    html = client.get("/statistik/rapport", query_string=Q1_2025).get_data(as_text=True)
    assert "<h2 id=\"r-method\">Metod</h2>" in html and "/statistik/static/report." in html
    assert "<th scope=\"row\">Gotlands län</th><td class=\"num\">&lt;5</td>" in html
    assert client.get("/statistik/rapport.pdf?period=custom&from=2025-03-01&to=2025-01-01").status_code == 400


@pytest.mark.parametrize("role,status", [("handler", 403), ("editor", 403), ("admin", 200)])
def test_report_and_snapshots_are_for_coordinators(app, client, login_as, seeded, role, status):
    with app.app_context():
        snapshot_id = snapshots.make_snapshot(None, 2025, 1, trigger="cli").snapshot.id
    login_as(role)
    assert client.get("/statistik/rapport.pdf", query_string=Q1_2025).status_code == status
    assert client.get(f"/statistik/kvartal/{snapshot_id}").status_code == status


def test_the_page_counts_anew_after_an_edit(app, client, login_as, seeded):
    """Figures kept between requests (stats/cache.py) never outlive a change to an inquiry."""
    login_as("coordinator")
    row = "<th scope=\"row\">{}</th><td class=\"num\">{}</td>"
    html = client.get("/statistik", query_string=Q1_2025).get_data(as_text=True)
    assert row.format("Stockholms län", 12) in html and row.format("Gotlands län", 3) in html
    _move_stockholm_to_gotland(app, seeded)
    html = client.get("/statistik", query_string=Q1_2025).get_data(as_text=True)
    assert row.format("Stockholms län", 11) in html and row.format("Gotlands län", 4) in html
    report = client.get("/statistik/rapport", query_string=Q1_2025).get_data(as_text=True)
    assert row.format("Stockholms län", 11) in report


def test_the_quarterly_summary_of_a_frozen_quarter_is_the_published_one(app, client, login_as, seeded):
    login_as("coordinator")
    with app.app_context():
        snapshots.make_snapshot(None, 2025, 1, trigger="cli")
    _move_stockholm_to_gotland(app, seeded)
    html = client.get("/statistik/kvartalsrapport?ar=2025&kvartal=1").get_data(as_text=True)
    assert "<th scope=\"row\">Stockholms län</th><td class=\"num\">12</td>" in html
    html = client.get("/statistik", query_string=Q1_2025).get_data(as_text=True)
    assert "<th scope=\"row\">Stockholms län</th><td class=\"num\">11</td>" in html  # the live page counts now
