"""Calls we did not answer: the import of the telephone system's call list and the figures,
against files counted by hand (tests/calls/data). For March 2026, with the line's hours
Monday, Wednesday and Friday 09–12 (end not included):

week 10 (2–8 March): answered 09:05 Mon, 09:30 Wed twice (two identical rows are two calls);
  missed 11:59 Mon, 12:00 Mon*, 10:00 Tue*, 08:59 Fri*, 10:00 Sun*          -> 3 answered, 5 missed, 4 outside
week 11 (9–15 March): answered 09:00 Mon; missed 00:30 Mon* (still 8 March in UTC), 11:30 Fri,
  23:30 Sat*                                                                 -> 1 answered, 3 missed, 2 outside
(* outside the opening hours; all outside calls were missed.) 1 April is outside the period.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from supportline.calls.models import CallRecord
from supportline.calls.parse import CallFileError, parse_calls
from supportline.calls.service import call_figures
from supportline.extensions import db
from supportline.hours.schedule import Change, Schedule
from supportline.hours.service import set_weekly_hours

DATA = Path(__file__).parent / "data"
MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
PUBLISHED = Schedule({0: (540, 720), 2: (540, 720), 4: (540, 720)})


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(CallRecord))


def test_import_counts_and_figures_match_the_hand_count(app, runner):
    result = runner.invoke(args=["calls", "import", str(DATA / "samtal-sv.csv")])
    assert result.exit_code == 0, result.output
    assert "Kolumnen Nummer innehåller uppringarens nummer och lästes inte in" in result.output
    assert "Kolumner som inte används: Kö." in result.output
    assert "13 samtal i filen: 13 nya, 0 fanns redan." in result.output
    with app.app_context():
        figures = call_figures(*MARCH, PUBLISHED)
    assert (figures.answered, figures.missed, figures.outside_hours, figures.missed_outside_hours) == (4, 8, 6, 6)
    assert [(w.label, w.first_day, w.answered, w.missed, w.outside_hours) for w in figures.weeks] == [
        ("2026 v. 10", dt.date(2026, 3, 2), 3, 5, 4), ("2026 v. 11", dt.date(2026, 3, 9), 1, 3, 2)]
    with app.app_context():
        # waiting and talking time as seconds, whatever the notation in the file
        first = db.session.scalars(select(CallRecord).order_by(CallRecord.started_at)).first()
        assert (first.wait_seconds, first.duration_seconds, first.answered) == (45, 750, True)
        # no caller's number anywhere in the table
        dump = " ".join(str(v) for row in db.session.execute(text("SELECT * FROM call_records")) for v in row)
        assert not [n for n in ("0701234567", "0702222222", "0705555555", "0701212121") if n in dump]


def test_reimport_adds_nothing(app, runner):
    runner.invoke(args=["calls", "import", str(DATA / "samtal-sv.csv")])
    again = runner.invoke(args=["calls", "import", str(DATA / "samtal-sv.csv")])
    assert again.exit_code == 0 and "13 samtal i filen: 0 nya, 13 fanns redan." in again.output
    assert _count(app) == 13


def test_english_comma_export_with_call_ids(app, runner):
    result = runner.invoke(args=["calls", "import", str(DATA / "calls-en.csv")])
    assert result.exit_code == 0, result.output
    assert "Kolumnen Caller ID innehåller uppringarens nummer" in result.output
    assert "3 samtal i filen: 3 nya" in result.output
    with app.app_context():
        figures = call_figures(*MARCH, PUBLISHED)
        keys = sorted(db.session.scalars(select(CallRecord.record_key)))
    assert (figures.answered, figures.missed, figures.outside_hours) == (1, 2, 1)
    assert keys == ["id:c-1", "id:c-2", "id:c-3"]
    assert "0 nya, 3 fanns redan" in runner.invoke(args=["calls", "import", str(DATA / "calls-en.csv")]).output


def test_a_malformed_file_names_the_line_and_imports_nothing(app, runner):
    result = runner.invoke(args=["calls", "import", str(DATA / "samtal-fel.csv")])
    assert result.exit_code == 1
    assert "samtal-fel.csv: Rad 4: tiden ”2026-02-30 10:00” finns inte i kalendern. Inget lästes in." in result.output
    assert _count(app) == 0


@pytest.mark.parametrize(("content", "message"), [
    (b"Tidpunkt;Status\n2026-03-02 09:05;kanske\n", "Rad 2: ”kanske” säger inte om samtalet besvarades."),
    (b"Tidpunkt;Status;V\xe4ntetid\n2026-03-02 09:05;Besvarat;0:45\n", "Rad 1: filen är inte UTF-8."),
    (b"Status;V\xc3\xa4ntetid\nBesvarat;3\n", "Rad 1: kolumnen med samtalets tid saknas"),
    (b"Tidpunkt;Samtalstid\n2026-03-02 09:05;3\n", "Rad 1: kolumnen som visar om samtalet besvarades saknas"),
    (b"Tidpunkt;Status;Samtalstid\n2026-03-02 09:05;Besvarat;3\n2026-03-02 09:06;Besvarat\n",
     "Rad 3: raden har 2 fält men rubrikraden har 3."),
    (b"Tidpunkt;Status;Samtalstid\n2026-03-02 09:05;Besvarat;3:75\n", "Rad 2: samtalstiden ”3:75” går inte att läsa"),
    (b"Tidpunkt;Status\n02/03/2026 09:05;Besvarat\n", "Rad 2: tiden ”02/03/2026 09:05” går inte att läsa."),
    (b"Call id,Time,Result\n7,2026-03-02 09:05,Answered\n7,2026-03-02 09:07,Missed\n",
     "Rad 3: samtals-id 7 förekommer redan tidigare i filen."),
])
def test_parse_errors_are_swedish_and_name_the_line(content, message):
    with pytest.raises(CallFileError) as caught:
        parse_calls(content)
    assert str(caught.value).startswith(message)


def test_variants_read_the_same():
    swedish = parse_calls("Datum;Tid;Besvarad;Kötid\n2026-03-02;9:05;ja;00:01:05\n".encode())
    english = parse_calls(b"Timestamp\tAnswered\tQueue time\n2026-03-02T08:05:00Z\tyes\t65\n")
    assert swedish.rows[0]["started_at"] == english.rows[0]["started_at"] == dt.datetime(2026, 3, 2, 8, 5,
                                                                                            tzinfo=dt.UTC)
    assert swedish.rows[0]["wait_seconds"] == english.rows[0]["wait_seconds"] == 65
    assert swedish.rows[0]["local_minute"] == 9 * 60 + 5 and swedish.rows[0]["local_weekday"] == 0


def test_opening_hours_and_changed_days_come_from_the_schedule(app, runner):
    runner.invoke(args=["calls", "import", str(DATA / "samtal-sv.csv")])
    weekdays = Schedule({day: (480, 1020) for day in range(5)})
    with app.app_context():
        assert call_figures(*MARCH, weekdays).outside_hours == 3  # Sunday 10:00, Monday 00:30, Saturday 23:30
        # Monday 2 March closed (its 09:05 and 11:59 calls come outside), Tuesday 3 March open
        # 09–12 (its 10:00 call comes inside): 6 + 2 - 1.
        changed = Schedule(PUBLISHED.weekly, {
            dt.date(2026, 3, 2): Change(dt.date(2026, 3, 2), None, "stängt"),
            dt.date(2026, 3, 3): Change(dt.date(2026, 3, 3), (540, 720), "extra öppet")})
        assert call_figures(*MARCH, changed).outside_hours == 7
        assert call_figures(*MARCH, Schedule()).outside_hours == 12  # never open: every call outside


def test_statistics_page_shows_calls_per_week(app, client, runner, login_as):
    runner.invoke(args=["calls", "import", str(DATA / "samtal-sv.csv")])
    with app.app_context():
        set_weekly_hours(None, PUBLISHED.weekly, confirmed=False)
    login_as("coordinator")
    html = client.get("/statistik?period=custom&from=2026-03-01&to=2026-03-31").get_data(as_text=True)
    section = html[html.index('id="h-calls"'):]
    assert "Öppettider: måndag, onsdag och fredag kl. 9–12, och på ändrade dagar" in section
    week = '<th scope="row">2026 v. 10 <span class="hint">(från 2026-03-02)</span></th><td class="num">3</td>'
    assert week in section
    assert "<dt>Besvarade</dt><dd>4 (33,3\u00a0%)</dd>" in section
    assert "<dt>Utanför öppettiderna</dt><dd>6</dd>" in section and 'id="chart-calls"' in section
    empty = client.get("/statistik?period=custom&from=2025-03-01&to=2025-03-31").get_data(as_text=True)
    assert "Inga samtal är inlästa för perioden." in empty
