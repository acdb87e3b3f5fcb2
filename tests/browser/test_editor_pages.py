"""The article editor and the resource-centre form in a real browser: checkboxes beside their
labels, and a confirmation step before publishing."""

import uuid

from supportline.auth.service import create_user
from tests.browser.conftest import assert_accessible, shows
from tests.conftest import PASSWORD


def _login(page, live_server, live_app, role):
    email = f"{role}-{uuid.uuid4().hex[:8]}@test.invalid"
    with live_app.app_context():
        create_user(None, email, role, PASSWORD)
    page.goto(live_server + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server + "/")


def fill_article(page, slug: str, title: str, body: str) -> None:
    """Fill in the new-article form with everything a valid article needs."""
    page.fill("#title", title)
    page.fill("#slug", slug)
    page.fill("#summary", "En kort sammanfattning som besvarar frågan.")
    page.check("input[name=topics][value=method]")
    page.check("input[name=audiences][value=school]")
    page.fill("#sources", "Skolverket | Stödmaterial | 2024 | https://www.skolverket.se/")
    page.fill("#body", body)


def _beside_its_label(page, selector: str) -> None:
    box = page.locator(selector).bounding_box()
    input_id = page.locator(selector).get_attribute("id")
    label = page.locator(f"label[for='{input_id}']").bounding_box()
    assert box["width"] < 40, f"{selector} is {box['width']} px wide"
    assert label["x"] >= box["x"] + box["width"], f"the label of {selector} is not to its right"
    middle = box["y"] + box["height"] / 2
    assert label["y"] <= middle <= label["y"] + label["height"], f"the label of {selector} is not on its line"


def test_editor_checkboxes_sit_beside_their_labels(page, live_server, live_app):
    _login(page, live_server, live_app, "editor")
    page.goto(live_server + "/kunskap/redaktor/ny")
    _beside_its_label(page, "input[name=topics][value=method]")
    _beside_its_label(page, "input[name=audiences][value=school]")
    _beside_its_label(page, "input[name=visibility][value=internal]")


def test_resource_centre_checkbox_sits_beside_its_label(page, live_server, live_app):
    _login(page, live_server, live_app, "coordinator")
    page.goto(live_server + "/admin/resurscentrum/")
    _beside_its_label(page, "#needs_verification")


def test_publishing_asks_for_confirmation(page, live_server, live_app):
    _login(page, live_server, live_app, "editor")
    page.goto(live_server + "/kunskap/redaktor/ny")
    slug = f"bekraftas-{uuid.uuid4().hex[:6]}"
    fill_article(page, slug, "Artikel som publiceras efter en fråga", "## Rubrik\n\nText.")
    page.click("button:text('Spara')")
    page.click("button:text('Publicera')")
    shows(page, "h1", "Publicera ”Artikel som publiceras efter en fråga”?", exact=True)
    assert_accessible(page)
    assert page.evaluate("document.activeElement.textContent") == "Ja, publicera"
    page.click("text=Avbryt")
    shows(page, "main", "Status: Utkast")
    page.click("button:text('Publicera')")
    page.wait_for_selector("#bekrafta")
    page.keyboard.press("Enter")  # the confirming button has the focus
    shows(page, "[role=status]", "publicerad")
    response = page.goto(live_server + f"/kunskap/{slug}")
    assert response.status == 200


def test_restoring_over_a_published_article_asks_and_history_is_swedish_time(page, live_server, live_app):
    _login(page, live_server, live_app, "editor")
    page.goto(live_server + "/kunskap/redaktor/ny")
    fill_article(page, f"historik-{uuid.uuid4().hex[:6]}", "Första rubriken", "## Rubrik\n\nText.")
    page.click("button:text('Spara')")
    page.fill("#title", "Andra rubriken")
    page.click("button:text('Spara')")
    page.click("button:text('Publicera')")
    page.click("button:text('Ja, publicera')")
    page.click("text=Historik")
    assert "UTC" not in page.inner_text("table")
    assert_accessible(page)
    page.click("button:text('Återställ version 1')")
    shows(page, "h1", "Återställa version 1 av ”Andra rubriken”?", exact=True)
    assert_accessible(page)
    page.click("button:text('Ja, återställ version 1')")
    shows(page, "[role=status]", "Version 1 är återställd")
    assert page.input_value("#title") == "Första rubriken"
