"""A call is never lost, doubled or overwritten: the inquiry form as handlers really use it in
Chromium (Enter in a field, Back after saving, two tabs on one case, a session that expires
mid-call), axe-core on the pages these leave behind."""

from sqlalchemy import func, select

from supportline.extensions import db
from supportline.inquiries.models import Inquiry
from tests.browser.conftest import assert_accessible
from tests.browser.test_inquiry_form import _login


def _inquiries(live_app) -> int:
    with live_app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Inquiry))
        db.session.rollback()
        return count


def _fill_call(page, summary="Kuratorn undrar hur en riskbedömning görs."):
    page.select_option("#caller_sector", "school")
    page.fill("#caller_role", "Skolkurator")
    page.fill("#summary", summary)


def test_enter_in_a_field_adds_no_person_and_adding_one_keeps_the_page(page, live_server, live_app):
    _login(page, live_server, live_app)
    page.goto(live_server + "/arenden/nytt")
    page.evaluate("window.samePage = true")
    page.fill("#caller_organisation", "Östra gymnasiet")
    page.press("#caller_organisation", "Enter")
    page.wait_for_timeout(500)
    assert page.evaluate("window.samePage === true"), "Enter reloaded the form"
    assert page.locator(".person-row").count() == 2
    assert page.input_value("#caller_organisation") == "Östra gymnasiet"

    page.fill("#summary", "Frågan gäller syskon.")
    page.click("text=Lägg till en person")
    assert page.evaluate("window.samePage === true"), "adding a person reloaded the form"
    assert page.locator(".person-row").count() == 3
    assert page.evaluate("document.activeElement.id") == "persons-2-age_group"
    assert page.inner_text("label[for=persons-2-gender]") == "Kön, person 3"
    page.select_option("#persons-2-age_group", "13-15")
    page.select_option("#persons-2-gender", "boy_man")
    assert_accessible(page)
    with page.expect_navigation():
        page.click("text=Spara ärendet")
    assert "är sparat" in page.inner_text("[role=status]")
    assert "Pojke/man, 13–15 år" in page.inner_text("main")


def test_double_click_on_save_stores_one_case(page, live_server, live_app):
    _login(page, live_server, live_app)
    page.goto(live_server + "/arenden/nytt")
    _fill_call(page, "Dubbelklick på spara.")
    before = _inquiries(live_app)
    with page.expect_navigation():
        page.dblclick("text=Spara ärendet")
    page.wait_for_load_state()
    assert _inquiries(live_app) == before + 1
