"""The access review and data subject request pages pass axe-core, with and without errors."""

import uuid

from supportline.auth.service import create_user
from tests.browser.conftest import assert_accessible, shows
from tests.conftest import PASSWORD


def test_log_review_and_request_pages_are_accessible(page, live_server, live_app):
    with live_app.app_context():
        email = create_user(None, f"admin-{uuid.uuid4().hex[:8]}@test.invalid", "admin", PASSWORD).email
    page.goto(live_server + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server + "/")
    page.click("text=Loggkontroll")
    shows(page, "h1", "Logg över åtkomst och ändringar", exact=True)
    assert_accessible(page)
    page.fill("#f-inquiry", "abc")
    page.click("form.filters button[type=submit]")
    shows(page, ".field-error", "Ange ärendets nummer med siffror.")
    assert page.input_value("#f-inquiry") == "abc"
    assert_accessible(page)
    page.goto(live_server + "/admin/logg/granskning")
    assert_accessible(page)
    page.goto(live_server + "/admin/personuppgifter/")
    assert_accessible(page)
    page.fill("#email", "inte-en-adress")
    page.click("main form button[type=submit]")
    shows(page, ".field-error", "giltig e-postadress")
    assert_accessible(page)
    page.fill("#email", "kim@skola.se")
    page.click("main form button[type=submit]")
    shows(page, "[role=status]", "Inga ärenden eller utkast")
    assert_accessible(page)
