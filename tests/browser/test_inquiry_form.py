"""A whole call logged through the real form in Chromium: timer, draft recovery, privacy
guard, save, the case page and the follow-up on the start page; axe-core on every page."""

import uuid

import pytest

from supportline.auth.service import create_user
from supportline.inquiries.service import today_local
from tests.browser.conftest import assert_accessible, shows
from tests.conftest import PASSWORD


def _login(page, live_server, live_app) -> str:
    with live_app.app_context():
        email = create_user(None, f"handl-{uuid.uuid4().hex[:8]}@test.invalid", "handler", PASSWORD,
                            "Hedda Handläggare").email
    page.goto(live_server + "/login")
    _sign_in(page, email)
    page.wait_for_url(live_server + "/")
    return email


def _sign_in(page, email: str) -> None:
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")


@pytest.mark.slow
def test_logging_a_whole_call(page, live_server, live_app):
    # The page's timers (call timer, draft saves every 4 s) on a clock the test moves: no real waiting.
    page.clock.install()
    _login(page, live_server, live_app)
    page.click("nav >> text=Ärenden")
    shows(page, "h1", "Ärenden", exact=True)
    assert_accessible(page)

    page.goto(live_server + "/arenden/nytt")
    assert_accessible(page)
    assert page.evaluate("document.activeElement.id") == "channel"
    first = page.inner_text("#call-timer")
    page.clock.run_for(1_000)
    # the timer shows whole seconds: its next tick (the wait fails after the page's timeout)
    page.wait_for_function("(first) => document.getElementById('call-timer').innerText !== first", arg=first)
    assert page.inner_text("#call-timer") != first  # the call timer runs

    page.select_option("#caller_sector", "school")
    page.fill("#caller_role", "Skolkurator")
    page.fill("#caller_organisation", "Östra gymnasiet")
    page.select_option("#municipality_code", "1480")
    assert page.input_value("#county_code") == "14"  # county filled from the municipality
    page.select_option("#persons-0-age_group", "16-17")
    page.select_option("#persons-0-gender", "girl_woman")
    page.check("#perpetrator_relations-0")  # parent
    page.check("text=Tvångsäktenskap")
    page.check("text=Risk- och skyddsbedömning")
    page.fill("#summary", "Eleven berättar att hon ska giftas bort i sommar.")
    page.clock.run_for(4_000)
    page.wait_for_function("document.getElementById('draft-status').textContent.includes('Utkast sparat')",
                           timeout=10_000)

    # a crash: the page is gone; reopening offers the draft back
    page.goto(live_server + "/arenden/nytt")
    shows(page, ".draft-offer", "osparat utkast")
    assert_accessible(page)
    page.click("text=Återställ utkastet")
    assert page.input_value("#summary") == "Eleven berättar att hon ska giftas bort i sommar."
    assert page.input_value("#caller_organisation") == "Östra gymnasiet"
    assert page.is_checked("text=Tvångsäktenskap")

    # the privacy guard: a personnummer is refused, marked and replaced in one click
    page.fill("#summary", "Eleven 20121212-1212 berättar att hon ska giftas bort i sommar.")
    page.fill("#advice", "Gör en orosanmälan i dag och en riskbedömning.")
    page.fill("#follow_up_on", today_local().isoformat())
    # (Spara first asks whether the login is alive, so the page changes a moment after the click)
    with page.expect_navigation():
        page.click("text=Spara ärendet")
    shows(page, "#summary-error", "personnummer får inte sparas")
    assert page.get_attribute("#summary", "aria-invalid") == "true"
    assert_accessible(page)
    with page.expect_navigation():
        page.click("button[name=redact][value=summary]")
    assert page.input_value("#summary") == "Eleven [borttaget] berättar att hon ska giftas bort i sommar."
    with page.expect_navigation():
        page.click("text=Spara ärendet")
    shows(page, "[role=status]", "är sparat")
    shows(page, "main", "Göteborg, Västra Götalands län")
    assert_accessible(page)

    # a note on the timeline
    page.select_option("#kind", "note")
    page.fill("#text", "Ring upp kuratorn på fredag.")
    with page.expect_navigation():
        page.get_by_role("button", name="Lägg till", exact=True).click()
    shows(page, "#tidslinje", "Ring upp kuratorn på fredag.")

    # the follow-up shows on the start page
    page.click("nav >> text=Start")
    followups = page.inner_text(".followups")
    assert "följs upp i dag" in followups and "giftas bort" in followups
    assert_accessible(page)
