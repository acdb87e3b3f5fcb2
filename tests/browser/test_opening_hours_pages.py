"""An admin keeps the line's opening hours in Chromium with the keyboard: a mistyped time comes
back on its field, the confirmed week shows in the public footer, a closed day is added and
removed; axe-core finds nothing on the page, with errors or without."""

from __future__ import annotations

import datetime as dt

from supportline.dates import today_local
from supportline.hours import service
from supportline.hours.schedule import date_text
from tests.browser.conftest import assert_accessible, shows
from tests.browser.test_editor_pages import _login

PUBLISHED = {0: (540, 720), 2: (540, 720), 4: (540, 720)}


def test_an_admin_sets_the_week_and_a_closed_day(page, live_server, live_app):
    with live_app.app_context():
        service.set_weekly_hours(None, PUBLISHED, confirmed=False)
    try:
        _login(page, live_server, live_app, "admin")
        page.goto(live_server + "/admin/")
        page.click("text=Stödtelefonens öppettider och ändrade dagar")
        shows(page, "h1", "Stödtelefonens öppettider", exact=True)
        shows(page, "main", "Att verifiera")
        assert_accessible(page)

        # Tuesday 13–15 as well, the closing time mistyped.
        page.get_by_role("group", name="Tisdag").get_by_label("Öppnar").fill("13:00")
        page.get_by_role("group", name="Tisdag").get_by_label("Stänger").fill("15.7")
        page.get_by_label("Öppettiderna är bekräftade med huvudmannen").check()
        page.get_by_role("button", name="Spara veckans öppettider").click()
        closes = page.get_by_role("group", name="Tisdag").get_by_label("Stänger")
        assert closes.get_attribute("aria-invalid") == "true"
        shows(page, "#day1_closes-error", "Skriv tiden som tt:mm")
        assert closes.input_value() == "15.7"
        assert page.get_by_role("group", name="Tisdag").get_by_label("Öppnar").input_value() == "13:00"
        assert_accessible(page)
        closes.fill("15:00")
        closes.press("Enter")
        shows(page, "[role=status]", "Veckans öppettider är sparade.")
        shows(page, "main", "Nu: måndag, onsdag och fredag kl. 9–12; tisdag kl. 13–15.")

        # A closed day ten days ahead, added and shown in the footer, then removed.
        day = today_local() + dt.timedelta(days=10)
        page.get_by_label("Datum").fill(day.isoformat())
        page.get_by_label("Anteckning som visas för besökarna").fill("personaldag")
        page.get_by_label("Anteckning som visas för besökarna").press("Enter")
        shows(page, "[role=status]", "är tillagd som ändrad dag")
        row = page.get_by_role("row", name=day.isoformat())
        assert "stängt" in row.inner_text() and "personaldag" in row.inner_text()
        assert_accessible(page)

        page.goto(live_server + "/kunskap/")
        footer = page.inner_text("footer .line-contact")
        assert "öppet måndag, onsdag och fredag kl. 9–12; tisdag kl. 13–15" in footer
        assert f"{date_text(day)}: stängt, personaldag" in footer

        page.goto(live_server + "/admin/oppettider/")
        page.get_by_role("button", name=f"Ta bort {day.isoformat()}").focus()
        page.keyboard.press("Enter")
        shows(page, "[role=status]", "Den ändrade dagen är borttagen")
        assert page.get_by_role("row", name=day.isoformat()).count() == 0
    finally:
        # Other browser tests expect the shipped state: hours not confirmed.
        with live_app.app_context():
            for change in service.all_changes():
                service.remove_change(None, change.id)
            service.set_weekly_hours(None, PUBLISHED, confirmed=False)
