"""The account page and the two-factor pages (enrolment with the QR code, the recovery codes, the
code step of the login) pass axe-core, with and without errors, and work from the keyboard alone."""

from __future__ import annotations

import time
import uuid

import pyotp
from playwright.sync_api import expect

from supportline.auth.service import create_user
from tests.browser.conftest import PAGE_TIMEOUT_MS, assert_accessible, shows
from tests.conftest import PASSWORD


def _user(live_app, role="handler") -> str:
    with live_app.app_context():
        return create_user(None, f"{role}-{uuid.uuid4().hex[:8]}@test.invalid", role, PASSWORD).email


def _focused(page) -> dict:
    return page.evaluate("""() => {
        const el = document.activeElement;
        const style = getComputedStyle(el);
        return {tag: el.tagName.toLowerCase(), id: el.id, text: (el.innerText || el.value || '').trim(),
                outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2};
    }""")


def tab_to(page, text: str, limit: int = 40) -> dict:
    """Press Tab until the link or button with this text has the focus; it must show that it has."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = _focused(page)
        if focused["text"] == text:
            assert focused["outline"], f"no visible focus on {text!r}"
            return focused
    raise AssertionError(f"{text!r} cannot be reached with Tab")


def wait_for_focus(page, field_id: str) -> None:
    # Chromium moves the focus to an autofocus field shortly after the page has loaded.
    page.wait_for_function("id => document.activeElement && document.activeElement.id === id", arg=field_id)


def login_with_keyboard(page, live_server, email):
    page.goto(live_server + "/login")
    wait_for_focus(page, "email")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")


def tab_to_field(page, field_id: str, limit: int = 40) -> None:
    for _ in range(limit):
        if _focused(page)["id"] == field_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{field_id} cannot be reached with Tab")


def enter_code(page, code: str):
    """Type a code into the focused code field and send it."""
    wait_for_focus(page, "code")
    page.keyboard.press("Control+A")
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def enrol_from_the_enrolment_page(page) -> tuple[pyotp.TOTP, list[str]]:
    shows(page, "h1", "Aktivera tvåstegsverifiering", exact=True)
    assert_accessible(page)
    qr = page.locator("img.qr-code")
    assert "QR-kod" in qr.get_attribute("alt") and qr.evaluate("img => img.naturalWidth") > 0
    totp = pyotp.TOTP(page.inner_text("code.mfa-secret").replace(" ", ""))
    # The page opens at the top, so a screen reader reads the steps and the key first;
    # the code field follows them in the tab order.
    assert page.get_attribute("#code", "autofocus") is None
    tab_to_field(page, "code")
    # a wrong code is announced on the field, which then has the focus
    enter_code(page, "000000" if totp.now() != "000000" else "111111")
    error = page.locator("#code-error")
    assert error.inner_text().strip()
    assert page.get_attribute("#code", "aria-invalid") == "true"
    assert "code-error" in page.get_attribute("#code", "aria-describedby")
    assert_accessible(page)
    enter_code(page, totp.now())
    page.wait_for_selector("ul.recovery-codes")
    shows(page, "h1", "Tvåstegsverifiering är aktiverad", exact=True)
    codes = [c.strip() for c in page.locator("ul.recovery-codes code").all_inner_texts()]
    assert len(codes) == 10
    assert_accessible(page)
    return totp, codes


def test_account_page_and_enrolment_with_the_keyboard(page, live_server, live_app):
    email = _user(live_app)
    login_with_keyboard(page, live_server, email)
    page.wait_for_url(live_server + "/")
    # the name in the header leads to the account page
    tab_to(page, page.inner_text(".who a"))
    page.keyboard.press("Enter")
    page.wait_for_url(live_server + "/konto")
    assert page.inner_text("h1") == "Mitt konto" and "Inte aktiverad" in page.inner_text("main")
    assert_accessible(page)
    tab_to(page, "Aktivera tvåstegsverifiering")
    page.keyboard.press("Enter")
    page.wait_for_url(live_server + "/konto/tvastegs")
    enrol_from_the_enrolment_page(page)
    tab_to(page, "Jag har sparat koderna, fortsätt")
    page.keyboard.press("Enter")
    page.wait_for_url(live_server + "/konto")
    shows(page, "main", "Aktiverad")
    assert_accessible(page)
    # the status page, and new recovery codes from it
    tab_to(page, "Reservkoder")
    page.keyboard.press("Enter")
    page.wait_for_url(live_server + "/konto/tvastegs")
    shows(page, "main", "10 oanvända reservkoder")
    assert_accessible(page)
    tab_to(page, "Skapa nya reservkoder")
    page.keyboard.press("Enter")
    page.wait_for_selector("ul.recovery-codes")
    shows(page, "h1", "Nya reservkoder", exact=True)
    shows(page, "main", "tidigare reservkoderna fungerar inte längre")
    assert_accessible(page)


def test_login_code_step_is_accessible_and_works_with_the_keyboard(page, live_server, live_app):
    email = _user(live_app)
    login_with_keyboard(page, live_server, email)
    page.wait_for_url(live_server + "/")
    page.goto(live_server + "/konto/tvastegs")
    totp, _codes = enrol_from_the_enrolment_page(page)
    page.click("text=Logga ut")
    page.wait_for_url(live_server + "/login")

    login_with_keyboard(page, live_server, email)
    page.wait_for_url(live_server + "/login/kod")
    shows(page, "h1", "Ange din kod", exact=True)
    assert_accessible(page)
    enter_code(page, "12345")
    shows(page, "#code-error", "Koden stämmer inte")
    assert page.get_attribute("#code", "aria-invalid") == "true"
    assert_accessible(page)
    # the code of the next time step: the enrolment used this one, and a code counts once
    enter_code(page, totp.at(time.time() + 30))
    page.wait_for_url(live_server + "/")
    shows(page, "h1", "Välkommen")


def test_recovery_code_logs_in_at_the_code_step(page, live_server, live_app):
    email = _user(live_app)
    login_with_keyboard(page, live_server, email)
    page.wait_for_url(live_server + "/")
    page.goto(live_server + "/konto/tvastegs")
    _totp, codes = enrol_from_the_enrolment_page(page)
    page.click("text=Logga ut")
    login_with_keyboard(page, live_server, email)
    page.wait_for_url(live_server + "/login/kod")
    enter_code(page, codes[0])
    page.wait_for_url(live_server + "/")


def test_required_enrolment_during_login(page, live_server, live_app, monkeypatch):
    email = _user(live_app, role="coordinator")
    monkeypatch.setitem(live_app.config, "SUPPORTLINE_REQUIRE_MFA", True)
    login_with_keyboard(page, live_server, email)
    page.wait_for_url(live_server + "/konto/tvastegs")
    shows(page, "[role=status]", "måste ha tvåstegsverifiering")
    enrol_from_the_enrolment_page(page)
    tab_to(page, "Jag har sparat koderna, fortsätt")
    page.keyboard.press("Enter")
    page.wait_for_url(live_server + "/")
    shows(page, "h1", "Välkommen")


def test_password_page_and_logging_out_everywhere(page, live_server, live_app):
    email = _user(live_app)
    login_with_keyboard(page, live_server, email)
    page.wait_for_url(live_server + "/")
    page.goto(live_server + "/konto")
    tab_to(page, "Byt lösenord")
    page.keyboard.press("Enter")
    page.wait_for_url(live_server + "/konto/losenord")
    assert_accessible(page)
    page.click("main button[type=submit]")  # nothing filled in
    # The refused form comes back at the same address: wait for the answer, not for a URL.
    expect(page.locator(".field-error").first).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    assert_accessible(page)
    page.goto(live_server + "/konto")
    tab_to(page, "Logga ut överallt")
    page.keyboard.press("Enter")
    page.wait_for_url(live_server + "/login")
    shows(page, "[role=status]", "utloggad på alla enheter")
    assert_accessible(page)
