"""/admin/oppettider: admins set the week and the changed days; everyone else is turned away;
bad input comes back in Swedish with what was typed."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from supportline.audit.models import AuditEvent
from supportline.extensions import db
from supportline.hours import service
from tests.conftest import csrf_from

PAGE = "/admin/oppettider/"
# The published week as the form sends it: Monday, Wednesday and Friday 09–12.
WEEK = {"day0_opens": "09:00", "day0_closes": "12:00", "day2_opens": "9", "day2_closes": "12",
        "day4_opens": "09.00", "day4_closes": "12:00"}


def _token(client):
    return csrf_from(client.get(PAGE).get_data(as_text=True))


@pytest.mark.parametrize("role", ["handler", "editor", "coordinator"])
def test_only_admins_reach_the_page(client, login_as, role):
    login_as(role)
    assert client.get(PAGE).status_code == 403
    assert client.post("/admin/oppettider/vecka", data=WEEK).status_code in (400, 403)


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_week_is_saved_shown_and_audited(app, client, login_as):
    admin = login_as("admin")
    response = client.post("/admin/oppettider/vecka", data={**WEEK, "confirmed": "y", "csrf_token": _token(client)})
    assert response.status_code == 302
    html = client.get(PAGE).get_data(as_text=True)
    assert "Veckans öppettider är sparade." in html
    assert "Nu: måndag, onsdag och fredag kl. 9–12." in html
    assert 'id="day2_opens" maxlength="5" name="day2_opens" size="6" type="text" value="09:00"' in html
    assert "Att verifiera" not in html
    with app.app_context():
        assert service.is_confirmed() is True
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "hours.weekly_set"))
        assert event.user_id == admin.id


def test_without_the_confirmation_the_page_says_the_hours_are_unverified(client, login_as):
    login_as("admin")
    client.post("/admin/oppettider/vecka", data={**WEEK, "csrf_token": _token(client)})
    html = client.get(PAGE).get_data(as_text=True)
    assert "De visas inte för allmänheten förrän de är markerade som bekräftade." in html
    assert "Att verifiera:" in html


def test_bad_times_come_back_on_the_field_with_what_was_typed(app, client, login_as):
    login_as("admin")
    client.post("/admin/oppettider/vecka", data={**WEEK, "csrf_token": _token(client)})
    bad = {**WEEK, "day0_closes": "08:00", "day2_opens": "nio", "day4_closes": "", "day5_opens": "25:00",
           "day5_closes": "26"}
    response = client.post("/admin/oppettider/vecka", data={**bad, "csrf_token": _token(client)})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.count("Stängningstiden måste vara senare än öppningstiden.") == 1
    assert html.count("Skriv tiden som tt:mm, t.ex. 09:00 eller 16:30.") == 3
    assert "Fyll i både när dagen öppnar och när den stänger" in html
    assert 'value="nio"' in html and 'aria-invalid="true"' in html
    empty = {f"day{d}_{end}": "" for d in range(7) for end in ("opens", "closes")}
    response = client.post("/admin/oppettider/vecka", data={**empty, "csrf_token": _token(client)})
    assert response.status_code == 422
    assert "Minst en dag i veckan måste ha öppet" in response.get_data(as_text=True)
    with app.app_context():
        assert service.weekly_text() == "måndag, onsdag och fredag kl. 9–12"


def test_a_post_without_the_csrf_token_changes_nothing(app, client, login_as):
    login_as("admin")
    client.post("/admin/oppettider/vecka", data={**WEEK, "csrf_token": _token(client)})
    response = client.post("/admin/oppettider/vecka", data={"day1_opens": "08:00", "day1_closes": "16:00"})
    assert response.status_code == 400
    with app.app_context():
        assert service.weekly_text() == "måndag, onsdag och fredag kl. 9–12"


def test_changed_days_are_added_listed_and_removed(app, client, login_as, monkeypatch):
    login_as("admin")
    client.post("/admin/oppettider/vecka", data={**WEEK, "confirmed": "y", "csrf_token": _token(client)})
    year = dt.date.today().year + 1
    response = client.post("/admin/oppettider/andrade-dagar", data={
        "day": f"{year}-12-24", "opens": "", "closes": "", "note": "julafton", "csrf_token": _token(client)})
    assert response.status_code == 302
    response = client.post("/admin/oppettider/andrade-dagar", data={
        "day": f"{year}-12-23", "opens": "09:00", "closes": "10:30", "note": "lilla julafton",
        "csrf_token": _token(client)})
    html = client.get(PAGE).get_data(as_text=True)
    assert f"<td>{year}-12-23</td>" in html and "09:00–10:30" in html and "lilla julafton" in html
    assert f"<td>{year}-12-24</td>" in html and "julafton" in html
    with app.app_context():
        christmas_eve = next(c for c in service.all_changes() if c.day == dt.date(year, 12, 24))
        assert christmas_eve.closed
    response = client.post(f"/admin/oppettider/andrade-dagar/{christmas_eve.id}/ta-bort",
                           data={"csrf_token": _token(client)})
    assert response.status_code == 302
    html = client.get(PAGE).get_data(as_text=True)
    assert "Den ändrade dagen är borttagen" in html and f"<td>{year}-12-24</td>" not in html
    assert client.post(f"/admin/oppettider/andrade-dagar/{christmas_eve.id}/ta-bort",
                       data={"csrf_token": _token(client)}).status_code == 404
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("hours.change%"))
                                     .order_by(AuditEvent.id)).all()
    assert actions == ["hours.change_add", "hours.change_add", "hours.change_remove"]


def test_a_bad_changed_day_comes_back_with_swedish_messages(client, login_as):
    login_as("admin")
    client.post("/admin/oppettider/vecka", data={**WEEK, "csrf_token": _token(client)})
    response = client.post("/admin/oppettider/andrade-dagar", data={
        "day": "24 december", "opens": "10:00", "closes": "", "note": "personaldag", "csrf_token": _token(client)})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Välj ett datum (ÅÅÅÅ-MM-DD)." in html and "Fyll i både när dagen öppnar" in html
    assert 'value="personaldag"' in html and 'value="24 december"' in html
    day = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    client.post("/admin/oppettider/andrade-dagar", data={"day": day, "note": "stängt", "csrf_token": _token(client)})
    response = client.post("/admin/oppettider/andrade-dagar", data={
        "day": day, "note": "igen", "csrf_token": _token(client)})
    assert response.status_code == 422
    assert "har redan ändrade tider; ta bort den raden först." in response.get_data(as_text=True)
    response = client.post("/admin/oppettider/andrade-dagar", data={
        "day": day, "note": "", "csrf_token": _token(client)})
    assert "Skriv en kort anteckning" in response.get_data(as_text=True)
