"""Written questions in /statistik and the export, against figures counted by hand.

Hours Monday, Wednesday and Friday 09–12 (November 2026 is winter time throughout; Mondays are
2, 9, 16, 23 and 30 November), target two whole opening days, "now" Sunday 6 December 12:00:

A Mon  2 Nov 08:00 school,          Stockholm  due Wed  4 12:00  reply Mon  2 10:30  1.5 h  in time
B Thu  5 Nov 14:00 school,          Stockholm  due Mon  9 12:00  reply Mon  9 11:00  5 h    in time
C Sat  7 Nov 20:00 social services, Uppsala    due Wed 11 12:00  reply Fri 13 09:30  6.5 h  late
D Wed 11 Nov 10:00 social services, Uppsala    due Mon 16 12:00  replies Wed 11 11:00 and Fri 13: the first, 1 h
E Mon 16 Nov 09:30 health care,     Stockholm  due Fri 20 12:00  no reply: overdue
F Fri  4 Dec 10:00 school,          Stockholm  due Wed  9 Dec    no reply: still within the target
A phone call with a reply entry and a written question in October are not counted.

-> 6 questions, 4 answered, 3 of 5 decided in time (60.0 %), 1 overdue, median of 1, 1.5, 5 and
6.5 h = 3 h 15 min; school 3, social services 2, health care 1; Stockholm 4, Uppsala 2.
"""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from sqlalchemy import insert

from supportline.extensions import db
from supportline.hours import service as hours
from supportline.inquiries.models import Inquiry, TimelineEntry
from supportline.stats import service
from tests.hours.test_schedule import local

PUBLISHED = {0: (540, 720), 2: (540, 720), 4: (540, 720)}
PERIOD = {"period": "custom", "from": "2026-11-01", "to": "2026-12-31"}
NOW = local(2026, 12, 6, 12)

QUESTIONS = [  # (received, channel, sector, county, replies)
    (local(2026, 11, 2, 8), "web", "school", "01", [local(2026, 11, 2, 10, 30)]),
    (local(2026, 11, 5, 14), "web", "school", "01", [local(2026, 11, 9, 11)]),
    (local(2026, 11, 7, 20), "web", "social_services", "03", [local(2026, 11, 13, 9, 30)]),
    (local(2026, 11, 11, 10), "web", "social_services", "03", [local(2026, 11, 13, 10), local(2026, 11, 11, 11)]),
    (local(2026, 11, 16, 9, 30), "web", "health", "01", []),
    (local(2026, 12, 4, 10), "web", "school", "01", []),
    (local(2026, 11, 3, 10), "phone", "school", "01", [local(2026, 11, 3, 11)]),
    (local(2026, 10, 30, 10), "web", "school", "01", [local(2026, 10, 30, 11)]),
]


@pytest.fixture
def written(app, create_user):
    user = create_user("handler")
    with app.app_context():
        hours.set_weekly_hours(None, PUBLISHED, confirmed=True)
        rows = [{"channel": channel, "received_at": at, "caller_type": "professional", "caller_sector": sector,
                 "caller_role": "", "caller_organisation": "", "county_code": county, "urgency": "normal",
                 "summary": "Hur gör vi en riskbedömning?", "advice": "", "status": "open",
                 "created_by_id": user.id, "version": 1, "created_at": at, "updated_at": at}
                for at, channel, sector, county, _replies in QUESTIONS]
        ids = db.session.scalars(insert(Inquiry).returning(Inquiry.id, sort_by_parameter_order=True), rows).all()
        entries = [{"inquiry_id": inquiry_id, "kind": "reply", "at": at, "user_id": user.id,
                    "text": "Svar till frågeställaren."}
                   for inquiry_id, (*_q, replies) in zip(ids, QUESTIONS, strict=True) for at in replies]
        db.session.execute(insert(TimelineEntry), entries)
        db.session.commit()
    return user


def _report(app):
    with app.app_context():
        return service.build_report(service.parse_filters(PERIOD), now=NOW)


def _counts(table):
    return {r.code: r.count for r in table.rows if r.count}


def test_written_questions_are_counted_by_hand(app, written):
    report = _report(app)
    w = report.written
    assert (w.questions, w.answered, w.within_target, w.overdue, w.decided) == (6, 4, 3, 1, 5)
    assert w.within_target_share == 60.0
    assert w.median_answer_seconds == 3 * 3600 + 15 * 60 and w.median_answer_text == "3 tim 15 min"
    assert _counts(report.table("written_sector")) == {"school": 3, "social_services": 2, "health": 1}
    assert _counts(report.table("written_county")) == {"01": 4, "03": 2}
    assert report.table("written_sector").total == 6
    # The channel table names the web form.
    assert _counts(report.table("channel")) == {"web": 6, "phone": 1}
    assert {r.code: r.label for r in report.table("channel").rows}["web"] == "Skriftlig fråga (webb)"


def test_a_closed_day_moves_the_target_and_the_answer_time(app, written):
    with app.app_context():
        hours.add_change(None, dt.date(2026, 11, 11), None, "personaldag")
    w = _report(app).written
    # C is now due Friday 13 at 12:00 and was answered at 09:30 (in time, 3.5 h); D came on the
    # closed day and was answered the same day (0 h).
    assert (w.within_target, w.overdue) == (4, 1)
    assert w.median_answer_seconds == int((1.5 + 3.5) / 2 * 3600)


def test_the_filters_apply(app, written):
    with app.app_context():
        report = service.build_report(service.parse_filters({**PERIOD, "county": "03"}), now=NOW)
    assert (report.written.questions, report.written.answered, report.written.within_target) == (2, 2, 1)


def test_the_page_shows_the_written_figures(app, client, login_as, written):
    login_as("coordinator")
    html = client.get("/statistik", query_string=PERIOD).get_data(as_text=True)
    section = html[html.index('id="h-written"'):]
    assert "<dt>Skriftliga frågor</dt><dd>" in section  # today's report: the real "now"
    assert "målet är svar inom 2\n    hela öppetdagar" in section
    assert "<dt>Svarstid, median (öppettid)</dt><dd>3 tim 15 min</dd>" in section
    assert '<h2 id="h-written_sector">Skriftliga frågor: verksamhet</h2>' in html
    assert '<th scope="row">Skola</th><td class="num">3</td>' in html[html.index('id="h-written_sector"'):]


def test_the_export_suppresses_the_small_written_figures(app, client, login_as, written):
    login_as("coordinator")
    response = client.get("/statistik/export", query_string={**PERIOD, "format": "xlsx"})
    wb = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    summary = {r[0]: r[1] for r in wb["Sammanfattning"].iter_rows(values_only=True) if len(r) > 1 and r[0]}
    assert summary["Skriftliga frågor"] == 6
    assert summary["Besvarade skriftliga frågor"] == "<5"
    assert summary["Andel besvarade inom svarstiden (2 öppetdagar), %"] == "–"  # 3 in time: would show
    assert summary["Svarstid för skriftliga frågor, median (öppettimmar)"] == "–"  # 4 answered
    sector = {r[0]: r[1] for r in wb["Skriftliga frågor, verksamhet"].iter_rows(values_only=True)
              if len(r) > 1 and r[0]}
    assert sector["Skola"] == "<5" and sector["Hälso- och sjukvård"] == "<5" and sector["Totalt"] == 6
    about = {r[0]: r[1] for r in wb["Om filen"].iter_rows(values_only=True) if len(r) > 1 and r[0]}
    assert "2 hela öppetdagar" in about["Skriftliga frågor"]


def test_enough_questions_show_their_share_and_median_in_the_export():
    from supportline.stats.export import written_rows
    from supportline.stats.written import WrittenFigures

    rows = dict(written_rows(WrittenFigures(questions=40, answered=30, within_target=24, overdue=5,
                                            median_answer_seconds=5 * 3600 + 30 * 60)))
    # numbers, not text: the XLSX writer gives them a number format (a Swedish Excel shows 68,6)
    assert rows["Andel besvarade inom svarstiden (2 öppetdagar), %"] == 68.6  # 24 of 35
    assert rows["Svarstid för skriftliga frågor, median (öppettimmar)"] == 5.5
    assert rows["Obesvarade skriftliga frågor efter svarstiden"] == 5
