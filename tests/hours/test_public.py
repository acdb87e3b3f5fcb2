"""The public site shows the opening hours from /admin/oppettider, and only once an admin has
confirmed them; the cached public pages follow a change."""

from __future__ import annotations

import datetime as dt

from flask import render_template_string

from supportline.dates import today_local
from supportline.extensions import db
from supportline.hours import service

PUBLISHED = {0: (540, 720), 2: (540, 720), 4: (540, 720)}
MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
          "november", "december")


def _footer(client, path="/tillganglighet") -> str:
    html = client.get(path).get_data(as_text=True)
    return html[html.index('<footer'):]


def test_unconfirmed_hours_are_not_shown_as_fact(app, client):
    with app.app_context():
        service.set_weekly_hours(None, PUBLISHED, confirmed=False)
    footer = _footer(client)
    assert "telefonnummer och öppettider finns på" in footer and "kl. 9–12" not in footer


def test_confirmed_hours_and_a_coming_closed_day_show_in_the_footer(app, client):
    closed = today_local() + dt.timedelta(days=10)
    far = today_local() + dt.timedelta(days=200)
    with app.app_context():
        service.set_weekly_hours(None, PUBLISHED, confirmed=True)
        service.add_change(None, closed, None, "personaldag")
        service.add_change(None, far, None, "långt fram")
    footer = _footer(client)
    assert (f"telefonnummer finns på <a href=\"https://www.nck.uu.se/\" rel=\"noopener noreferrer\">NCK:s "
            f"webbplats</a>; öppet måndag, onsdag och fredag kl. 9–12 ({closed.day} {MONTHS[closed.month - 1]}: "
            "stängt, personaldag).") in footer
    assert "långt fram" not in footer


def test_a_changed_week_changes_the_cached_public_page(app, client):
    with app.app_context():
        service.set_weekly_hours(None, PUBLISHED, confirmed=True)
    first = client.get("/kunskap/")
    assert "måndag, onsdag och fredag kl. 9–12" in first.get_data(as_text=True)
    assert client.get("/kunskap/", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    with app.app_context():
        service.set_weekly_hours(None, {1: (480, 960)}, confirmed=True)
    again = client.get("/kunskap/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and "tisdag kl. 8–16" in again.get_data(as_text=True)


def test_the_week_partial_shows_this_week_with_its_changes(app):
    today = today_local()
    monday = today - dt.timedelta(days=today.weekday())
    wednesday = monday + dt.timedelta(days=2)
    with app.app_context():
        service.set_weekly_hours(None, PUBLISHED, confirmed=False)
    with app.test_request_context("/fraga"):
        assert render_template_string('{% include "site/_opening_hours.html" %}').strip() == ""
    with app.app_context():
        service.set_weekly_hours(None, PUBLISHED, confirmed=True)
        service.add_change(None, wednesday, (600, 660), "utbildning")
        db.session.remove()
    with app.test_request_context("/fraga"):
        html = render_template_string('{% include "site/_opening_hours.html" %}')
    assert "Måndag, onsdag och fredag kl. 9–12 (svensk tid)." in html
    assert (f'<th scope="row">Onsdag {wednesday.day}/{wednesday.month}</th><td>kl. 10–11 (utbildning)</td>'
            in html)
    tuesday = monday + dt.timedelta(days=1)
    assert f'<th scope="row">Tisdag {tuesday.day}/{tuesday.month}</th><td>stängt</td>' in html


def test_the_old_hours_settings_are_not_read_and_admin_says_so(app, client, login_as, monkeypatch):
    with app.app_context():
        service.set_weekly_hours(None, PUBLISHED, confirmed=False)
    monkeypatch.setitem(app.config, "SUPPORTLINE_LINE_CONTACT", {"hours": "vardagar kl. 8–17", "phone": None})
    assert "vardagar kl. 8–17" not in _footer(client)
    login_as("admin")
    html = client.get("/admin/").get_data(as_text=True)
    assert ("SUPPORTLINE_LINE_HOURS läses inte längre: stödtelefonens öppettider och ändrade dagar sätts och "
            "bekräftas under Administration, Öppettider (/admin/oppettider).") in html


def test_the_process_keeps_the_public_hours_and_forgets_them_on_a_change(app, client):
    """Another process's change (here: written around the service) shows after the seconds kept;
    a change through the service in this process shows at once."""
    from sqlalchemy import update

    from supportline.extensions import db
    from supportline.hours.models import WeeklyHours
    from supportline.hours.service import set_weekly_hours
    from supportline.transactions import write_transaction

    with app.app_context():
        set_weekly_hours(None, {0: (540, 720)}, confirmed=True)
    assert "måndag kl. 9–12" in client.get("/kunskap/").get_data(as_text=True)
    with app.app_context(), write_transaction():
        db.session.execute(update(WeeklyHours).values(opens=600))  # as another host would
    assert "måndag kl. 9–12" in client.get("/kunskap/").get_data(as_text=True)  # kept
    kept_at, today, hours = app.extensions["_public_hours"]
    app.extensions["_public_hours"] = (kept_at - 31, today, hours)  # the 30 seconds have passed
    assert "måndag kl. 10–12" in client.get("/kunskap/").get_data(as_text=True)
    with app.app_context():
        set_weekly_hours(None, {2: (780, 900)}, confirmed=True)
    assert "onsdag kl. 13–15" in client.get("/kunskap/").get_data(as_text=True)  # at once
