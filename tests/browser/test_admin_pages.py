"""Account administration in Chromium: deactivating asks first, and a temporary password leads
its owner to the password page at the first login."""

import uuid

from supportline.auth.models import User
from supportline.extensions import db
from tests.browser.conftest import assert_accessible, shows
from tests.browser.test_editor_pages import _login


def test_deactivating_asks_and_cancelling_changes_nothing(page, live_server, live_app):
    _login(page, live_server, live_app, "admin")
    email = f"ska-bort-{uuid.uuid4().hex[:6]}@test.invalid"
    page.goto(live_server + "/admin/")
    page.fill("#email", email)
    page.fill("#name", "Ska Bort")
    page.select_option("#role", "handler")
    page.fill("#password", "ett-riktigt-bra-losenord")
    page.click("text=Skapa konto")
    page.get_by_role("button", name=f"Inaktivera {email}").click()
    shows(page, "h1", f"Inaktivera kontot {email}?", exact=True)
    assert page.evaluate("document.activeElement.textContent") == "Ja, inaktivera kontot"
    assert_accessible(page)
    page.click("text=Avbryt")
    page.get_by_role("button", name=f"Inaktivera {email}").click()
    page.wait_for_selector("#bekrafta")
    page.keyboard.press("Enter")
    shows(page, "[role=status]", f"{email} är inaktiverat")
    with live_app.app_context():
        assert not db.session.scalar(db.select(User).where(User.email == email)).active


def test_a_temporary_password_leads_to_the_password_page(page, live_server, live_app):
    _login(page, live_server, live_app, "admin")
    email = f"ny-{uuid.uuid4().hex[:6]}@test.invalid"
    page.goto(live_server + "/admin/")
    page.fill("#email", email)
    page.select_option("#role", "editor")
    page.fill("#password", "ett-tillfalligt-losenord")
    page.click("text=Skapa konto")
    shows(page, "[role=status]", "tillfälligt")
    page.click("text=Logga ut")
    page.fill("#email", email)
    page.fill("#password", "ett-tillfalligt-losenord")
    page.click("button[type=submit]")
    page.wait_for_url(live_server + "/konto/losenord")
    shows(page, "main", "tillfälligt")
    assert_accessible(page)
    page.goto(live_server + "/kunskap/redaktor/")
    assert page.url == live_server + "/konto/losenord"
    page.fill("#current_password", "ett-tillfalligt-losenord")
    page.fill("#new_password", "mitt-alldeles-egna-losenord")
    page.fill("#repeat_password", "mitt-alldeles-egna-losenord")
    page.click("button:text('Byt lösenord')")
    page.goto(live_server + "/kunskap/redaktor/")
    assert page.url == live_server + "/kunskap/redaktor/"
