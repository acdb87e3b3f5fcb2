import uuid

from supportline.auth.service import create_user
from tests.browser.conftest import assert_accessible, shows
from tests.conftest import PASSWORD


def _admin(live_app):
    with live_app.app_context():
        return create_user(None, f"admin-{uuid.uuid4().hex[:8]}@test.invalid", "admin", PASSWORD).email


def test_login_page_is_accessible_and_works_with_the_keyboard(page, live_server, live_app):
    email = _admin(live_app)
    page.goto(live_server + "/login")
    assert_accessible(page)
    # focus starts in the e-mail field; the whole login is done from the keyboard
    assert page.evaluate("document.activeElement.id") == "email"
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(live_server + "/")
    shows(page, "h1", "Välkommen")
    assert_accessible(page)


def test_failed_login_is_announced_and_accessible(page, live_server):
    page.goto(live_server + "/login")
    page.fill("#email", "nobody@test.invalid")
    page.fill("#password", "fel-losenord-helt-klart")
    page.click("button[type=submit]")
    alert = page.locator("[role=alert]")
    assert "Fel e-postadress eller lösenord" in alert.inner_text()
    assert page.input_value("#email") == "nobody@test.invalid"
    assert_accessible(page)


def test_admin_page_creates_an_account_and_is_accessible(page, live_server, live_app):
    email = _admin(live_app)
    page.goto(live_server + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server + "/")
    page.click("text=Administration")
    shows(page, "h1", "Administration", exact=True)
    assert_accessible(page)
    page.fill("#email", "ny-i-webblasaren@test.invalid")
    page.fill("#name", "Ny Person")
    page.select_option("#role", "coordinator")
    page.fill("#password", "kort")
    page.click("text=Skapa konto")
    shows(page, ".field-error", "minst 12 tecken")
    assert page.input_value("#email") == "ny-i-webblasaren@test.invalid"
    assert_accessible(page)  # the page with errors must be accessible too
    page.fill("#password", "ett-riktigt-bra-losenord")
    page.click("text=Skapa konto")
    shows(page, "[role=status]", "Kontot ny-i-webblasaren@test.invalid är skapat.")
    assert page.get_by_role("cell", name="ny-i-webblasaren@test.invalid", exact=True).count() == 1


def test_public_pages_are_accessible(page, live_server):
    for path in ["/tillganglighet", "/finns-inte"]:
        page.goto(live_server + path)
        assert_accessible(page)
