"""The privacy guard's warning in Chromium: a date-shaped number with a wrong check digit
("ser ut som ett personnummer") is saved only after the handler confirms it, or is removed."""

import re

from tests.browser.conftest import assert_accessible, shows
from tests.browser.test_inquiry_form import _login


def _fill_call(page, summary: str) -> None:
    page.select_option("#caller_sector", "school")
    page.select_option("#municipality_code", "1480")
    page.select_option("#persons-0-age_group", "13-15")
    page.select_option("#persons-0-gender", "girl_woman")
    page.check("text=Kontroll och begränsningar")
    page.fill("#summary", summary)


def test_a_possible_personnummer_must_be_confirmed(page, live_server, live_app):
    _login(page, live_server, live_app)
    page.goto(live_server + "/arenden/nytt")
    _fill_call(page, "Skolan har ärendenummer 201001012384 i sitt system.")
    page.click("text=Spara ärendet")
    shows(page, "#summary-error", "ser ut som ett personnummer")
    shows(page, ".privacy-alert", "inte sparat")
    assert page.input_value("#summary") == "Skolan har ärendenummer 201001012384 i sitt system."
    assert_accessible(page)
    page.check("text=201001012384 är inte ett personnummer: spara det ändå")
    page.click("text=Spara ärendet")
    # the saved case's own page (the refused save stayed on /arenden/nytt, which "/arenden/*" matches)
    page.wait_for_url(re.compile(re.escape(live_server) + r"/arenden/\d+$"))
    shows(page, "[role=status]", "är sparat")
    shows(page, "main", "201001012384")

    # On the timeline the same: warned, and "Ersätt med [borttaget]" removes it.
    page.select_option("#kind", "note")
    page.fill("#text", "Mamman uppgav 201001012384.")
    page.get_by_role("button", name="Lägg till", exact=True).click()
    shows(page, "#text-error", "ser ut som ett personnummer")
    assert_accessible(page)
    page.click("button[name=redact][value=text]")
    assert page.input_value("#text") == "Mamman uppgav [borttaget]."


def test_a_valid_personnummer_cannot_be_confirmed_away(page, live_server, live_app):
    _login(page, live_server, live_app)
    page.goto(live_server + "/arenden/nytt")
    _fill_call(page, "Eleven har nummer 201001012382.")
    page.click("text=Spara ärendet")
    shows(page, "#summary-error", "personnummer får inte sparas")
    assert page.locator("input[name=confirmed_numbers]").count() == 0
