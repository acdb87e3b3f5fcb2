"""Access review: the log cannot be changed, /admin/logg filters it, the monthly report, the CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from sqlalchemy import delete, func, select, text, update

from supportline.audit.guard import AuditLogIsAppendOnly
from supportline.audit.models import AuditEvent
from supportline.audit.service import record
from supportline.auth.models import User
from supportline.dates import LOCAL_TZ, today_local
from supportline.extensions import db
from tests.privacy.conftest import UTC


def _event(app, action="login", **kwargs) -> int:
    with app.app_context():
        event = record(action, **kwargs)
        db.session.commit()
        return event.id


def _read(app, user, inquiry_id):
    from supportline.inquiries.service import get_inquiry

    with app.app_context():
        get_inquiry(db.session.get(User, user.id), inquiry_id)


# --- append-only -----------------------------------------------------------------------------

def test_the_application_cannot_change_or_delete_an_event(app):
    event_id = _event(app, actor="someone@test.invalid")
    with app.app_context():
        event = db.session.get(AuditEvent, event_id)
        event.action = "nothing"
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.get(AuditEvent, event_id))
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        for stmt in (update(AuditEvent).values(action="x"), delete(AuditEvent),
                     AuditEvent.__table__.update().values(action="x"), AuditEvent.__table__.delete()):
            with pytest.raises(AuditLogIsAppendOnly):
                db.session.execute(stmt)
            db.session.rollback()
        assert db.session.get(AuditEvent, event_id).action == "login"


def test_postgresql_refuses_update_and_delete_at_the_database(app):
    if app.config["BACKEND"] != "postgresql":
        pytest.skip("the trigger is PostgreSQL's; SQLite relies on the application's guard")
    import sqlalchemy.exc

    event_id = _event(app, actor="someone@test.invalid")
    with app.app_context():
        for sql in ("UPDATE audit_events SET action = 'changed' WHERE id = :id",
                    "DELETE FROM audit_events WHERE id = :id"):
            with db.engine.connect() as conn, pytest.raises(sqlalchemy.exc.DBAPIError, match="append-only"):
                conn.execute(text(sql), {"id": event_id})
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT action FROM audit_events WHERE id = :id"), {"id": event_id}).scalar() \
                == "login"


def test_no_route_changes_the_log(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin/logg"):
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule.rule


# --- /admin/logg ---------------------------------------------------------------------------

def test_filter_by_user_inquiry_action_and_period(app, client, login_as, create_user, handler, make_inquiry):
    other = create_user("handler")
    mine = make_inquiry(handler)
    theirs = make_inquiry(other)
    _read(app, handler, mine)
    _read(app, other, theirs)
    _event(app, "login", actor="early@test.invalid")
    login_as("coordinator")

    page = client.get(f"/admin/logg/?user={handler.id}").get_data(as_text=True)
    assert f"Ärende {mine}" in page and f"Ärende {theirs}</a>" not in page

    page = client.get(f"/admin/logg/?inquiry={theirs}&action=inquiry.read").get_data(as_text=True)
    assert "1 händelse," in page and other.email in page

    page = client.get(f"/admin/logg/?inquiry={mine}").get_data(as_text=True)
    assert "Ärende skapat" in page and "Ärende öppnat" in page

    today = today_local()  # the day as the line counts days, in Stockholm
    page = client.get(f"/admin/logg/?date_from={today + dt.timedelta(days=1)}").get_data(as_text=True)
    assert "0 händelser." in page
    page = client.get(f"/admin/logg/?date_from={today - dt.timedelta(days=1)}&action=login").get_data(as_text=True)
    assert "early@test.invalid" in page


def test_looking_at_the_log_is_logged(app, client, login_as, handler, make_inquiry):
    inquiry_id = make_inquiry(handler)
    user = login_as("coordinator")
    assert client.get(f"/admin/logg/?inquiry={inquiry_id}").status_code == 200
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "audit.view"))
        assert event.user_id == user.id
        assert json.loads(event.detail)["filters"] == {"inquiry": inquiry_id}


def test_list_events_are_found_by_the_inquiries_they_showed(app, client, login_as):
    _event(app, "inquiry.list", object_type="inquiry", detail={"ids": [12, 123, 5], "filters": {"handler": 12}})
    _event(app, "inquiry.list", object_type="inquiry", detail={"ids": [1234]})
    login_as("admin")
    assert "1 händelse," in client.get("/admin/logg/?inquiry=123").get_data(as_text=True)
    assert "1 händelse," in client.get("/admin/logg/?inquiry=5").get_data(as_text=True)
    assert "1 händelse," in client.get("/admin/logg/?inquiry=12").get_data(as_text=True)
    assert "0 händelser." in client.get("/admin/logg/?inquiry=23").get_data(as_text=True)


def test_pagination(app, client, login_as):
    with app.app_context():
        for i in range(55):
            record("login", actor=f"user{i:02d}@test.invalid")
        db.session.commit()
    login_as("admin")
    first = client.get("/admin/logg/?action=login").get_data(as_text=True)
    assert "sida 1 av 2" in first and "Nästa sida" in first and "user54@" in first
    second = client.get("/admin/logg/?action=login&sida=2").get_data(as_text=True)
    assert "Föregående sida" in second and "user00@" in second and "user54@" not in second


def test_bad_filters_are_reported_on_the_field(client, login_as):
    login_as("coordinator")
    response = client.get("/admin/logg/?inquiry=abc&date_from=2026-13-01&action=x%27%20OR%201%3D1")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Ange ärendets nummer med siffror." in page
    assert "Ange datumet som ÅÅÅÅ-MM-DD." in page
    assert "Välj en händelse i listan." in page
    assert 'value="abc"' in page  # nothing typed is lost


# --- the monthly review ---------------------------------------------------------------------

def test_monthly_review_lists_inquiries_opened_without_a_reason(app, client, login_as, create_user, make_inquiry):
    from supportline.inquiries.service import update_inquiry

    creator = create_user("handler", name="Ada Skapare")
    curious = create_user("handler", name="Bo Nyfiken")
    assigned = create_user("handler", name="Cia Tilldelad")
    inquiry_id = make_inquiry(creator)
    with app.app_context():
        update_inquiry(db.session.get(User, creator.id), inquiry_id, {"assignee_id": assigned.id},
                       expected_version=None)
        update_inquiry(db.session.get(User, creator.id), inquiry_id, {"assignee_id": creator.id},
                       expected_version=None)  # reassigned back: Cia was still assigned once
    for user in (creator, curious, curious, assigned):
        _read(app, user, inquiry_id)
    login_as("coordinator")
    month = dt.datetime.now(LOCAL_TZ).strftime("%Y-%m")
    page = client.get(f"/admin/logg/granskning?manad={month}").get_data(as_text=True)
    assert "Bo Nyfiken (handläggare): 1 ärende" in page
    assert "1 användare, 1 öppnat ärende." in page
    assert f"Ärende {inquiry_id}</a>" in page
    assert "Ada Skapare" not in page and "Cia Tilldelad" not in page
    assert "<td>2</td>" in page  # Bo opened it twice


def test_monthly_review_of_a_quiet_month_and_a_bad_month(client, login_as):
    login_as("coordinator")
    assert "Ingen öppnade under månaden" in client.get("/admin/logg/granskning?manad=2019-04").get_data(as_text=True)
    response = client.get("/admin/logg/granskning?manad=april")
    assert response.status_code == 400
    assert "Ange månaden som ÅÅÅÅ-MM" in response.get_data(as_text=True)
    assert client.get("/admin/logg/granskning").status_code == 200  # defaults to last month


# --- CSV export ----------------------------------------------------------------------------

def test_export_writes_csv_for_the_period(app, runner, tmp_path):
    _event(app, "login.failed", actor="=HYPERLINK(\"http://evil\")", detail={"reason": "unknown"})
    _event(app, "login", actor="anna@test.invalid")
    out = tmp_path / "logg.csv"
    today = today_local()  # the day as the line counts days, in Stockholm
    result = runner.invoke(args=["audit", "export", "--from", str(today - dt.timedelta(days=1)),
                                 "--to", str(today + dt.timedelta(days=1)), "--out", str(out)])
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:5] == ["id", "tidpunkt_utc", "anvandar_id", "anvandare", "handelse"]
    assert [r[4] for r in rows[1:]] == ["login.failed", "login"]
    assert rows[1][3].startswith("'=")  # no formula when opened in a spreadsheet
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "audit.export"))
        assert json.loads(event.detail)["rows"] == 2

    empty = tmp_path / "tom.csv"
    result = runner.invoke(args=["audit", "export", "--from", "2015-01-01", "--to", "2015-01-31", "--out", str(empty)])
    assert result.exit_code == 0 and "0 händelser" in result.output
    assert len(empty.read_text(encoding="utf-8-sig").splitlines()) == 1


def test_export_refuses_a_reversed_period(runner, tmp_path):
    result = runner.invoke(args=["audit", "export", "--from", "2026-02-01", "--to", "2026-01-01",
                                 "--out", str(tmp_path / "x.csv")])
    assert result.exit_code != 0 and "slutdatumet" in result.output
    assert not (tmp_path / "x.csv").exists()


def test_export_boundaries_are_local_days(app, runner, tmp_path):
    from supportline.audit.review import period_bounds

    start, end = period_bounds(dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    assert start == dt.datetime(2025, 12, 31, 23, tzinfo=UTC) and end == dt.datetime(2026, 1, 31, 23, tzinfo=UTC)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0
