"""The timeline's "Länk till vägledning" in Chromium: an article picker with search, used with the
keyboard alone; without JavaScript the text field takes the article's address."""

import uuid

import pytest

from supportline.auth.service import create_user
from supportline.inquiries.service import create_inquiry
from tests.browser.conftest import assert_accessible, shows
from tests.browser.test_inquiry_form import _login
from tests.browser.test_knowledge_pages import _seed
from tests.conftest import PASSWORD
from tests.inquiries.conftest import valid_payload


@pytest.fixture
def inquiry_id(live_app, tmp_path):
    _seed(live_app, tmp_path)
    with live_app.app_context():
        author = create_user(None, f"skrev-{uuid.uuid4().hex[:8]}@test.invalid", "handler", PASSWORD)
        return create_inquiry(author, valid_payload()).id


def test_picking_an_article_with_the_keyboard(page, live_server, live_app, inquiry_id):
    _login(page, live_server, live_app)
    page.goto(f"{live_server}/arenden/{inquiry_id}")
    assert page.locator(".article-picker").is_hidden()
    page.focus("#kind")
    page.select_option("#kind", "article_link")
    assert page.locator("#article-search").is_visible()
    page.focus("#article-search")
    page.keyboard.type("orosanmälan skolan")
    page.keyboard.press("Enter")  # searches; does not send the form
    page.wait_for_selector("#article-choices input[value=orosanmalan-i-skolan]")
    assert page.url.endswith(f"/arenden/{inquiry_id}")
    assert_accessible(page)
    page.keyboard.press("Tab")  # into the hits
    page.keyboard.press("Space")
    assert page.input_value("#text") == "orosanmalan-i-skolan"
    shows(page, "#article-choices-status", "Vald: Orosanmälan i skolan.")
    with page.expect_navigation():
        page.get_by_role("button", name="Lägg till", exact=True).click()
    shows(page, "#tidslinje", "Orosanmälan i skolan")


def test_without_javascript_the_address_field_still_links(browser, live_server, live_app, inquiry_id):
    context = browser.new_context(locale="sv-SE", java_script_enabled=False)
    page = context.new_page()
    try:
        _login(page, live_server, live_app)
        page.goto(f"{live_server}/arenden/{inquiry_id}")
        assert page.locator(".article-picker").is_hidden()
        page.select_option("#kind", "article_link")
        page.fill("#text", "orosanmalan-i-skolan")
        page.get_by_role("button", name="Lägg till", exact=True).click()
        page.wait_for_url("**#tidslinje")
        shows(page, "#tidslinje", "Orosanmälan i skolan")
    finally:
        context.close()
