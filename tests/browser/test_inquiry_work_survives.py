"""A call is never lost, doubled or overwritten: the inquiry form as handlers really use it in
Chromium (Enter in a field, Back after saving, two tabs on one case, a session that expires
mid-call), axe-core on the pages these leave behind."""

import datetime as dt
import re

from playwright.sync_api import expect
from sqlalchemy import func, select, update

from supportline.auth.models import User, UserSession
from supportline.db import utcnow
from supportline.extensions import db
from supportline.inquiries.models import Inquiry
from tests.browser.conftest import assert_accessible, shows
from tests.browser.test_inquiry_form import _login, _sign_in


def _inquiries(live_app) -> int:
    with live_app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Inquiry))
        db.session.rollback()
        return count


def _start_call(page, live_server, live_app, summary: str) -> int:
    """Log in, open a new form and fill in a call; returns how many inquiries there were."""
    page.email = _login(page, live_server, live_app)
    response = page.goto(live_server + "/arenden/nytt")
    assert response.headers["cache-control"] == "no-store"  # Back fetches the form again, never a copy
    page.select_option("#caller_sector", "school")
    page.fill("#caller_role", "Skolkurator")
    page.fill("#summary", summary)
    return _inquiries(live_app)


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
    shows(page, "label[for=persons-2-gender]", "Kön, person 3", exact=True)
    page.select_option("#persons-2-age_group", "13-15")
    page.select_option("#persons-2-gender", "boy_man")
    assert_accessible(page)
    with page.expect_navigation():
        page.click("text=Spara ärendet")
    shows(page, "[role=status]", "är sparat")
    shows(page, "main", "Pojke/man, 13–15 år")


def test_back_after_save_and_saving_again_stores_one_case(page, live_server, live_app):
    before = _start_call(page, live_server, live_app, "Förskolan är orolig för en flicka som ska resa bort.")
    with page.expect_navigation():
        page.click("text=Spara ärendet")
    case_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    assert _inquiries(live_app) == before + 1

    page.go_back()
    page.wait_for_selector("#inquiry-form")
    assert page.input_value("#summary") == "Förskolan är orolig för en flicka som ska resa bort."
    with page.expect_navigation():
        page.click("text=Spara ärendet")
    assert _inquiries(live_app) == before + 1
    assert page.url.endswith(f"/arenden/{case_id}")
    shows(page, "main", f"Samtalet är redan sparat som ärende {case_id}")
    assert_accessible(page)


def test_double_click_on_save_stores_one_case(page, live_server, live_app):
    before = _start_call(page, live_server, live_app, "Dubbelklick på spara.")
    page.dblclick("text=Spara ärendet")
    # The browser may abort the first post for the second (same form, same token), and a wait
    # for a navigation fails when the navigation it follows is the aborted one: poll the address
    # until it is the case the saves end on.
    expect(page).to_have_url(re.compile(re.escape(live_server) + r"/arenden/\d+$"))
    page.wait_for_load_state()
    assert _inquiries(live_app) == before + 1


def _idle_for(live_app, email: str, seconds: int) -> None:
    """The server's view of the session: its last request was `seconds` ago."""
    # One statement, so SQLite takes the write lock at once and waits its busy timeout for the
    # server's draft saves; a read followed by a write in one transaction fails at once instead.
    with live_app.app_context():
        user_id = select(User.id).where(User.email == email).scalar_subquery()
        db.session.execute(update(UserSession).where(UserSession.user_id == user_id)
                           .values(last_seen_at=utcnow() - dt.timedelta(seconds=seconds)))
        db.session.commit()


def _last_seen_ago(live_app, email: str) -> float:
    with live_app.app_context():
        seen = db.session.scalar(select(func.max(UserSession.last_seen_at)).join(User)
                                 .where(User.email == email))
        db.session.rollback()
        return (utcnow() - seen).total_seconds()


def test_a_session_that_expires_mid_call_loses_nothing(page, live_server, live_app, monkeypatch):
    monkeypatch.setitem(live_app.config, "SESSION_IDLE_MINUTES", 1)  # SUPPORTLINE_SESSION_IDLE_MINUTES=1
    page.clock.install()
    before = _start_call(page, live_server, live_app, "Socialsekreteraren beskriver hot från pappan.")
    page.clock.run_for(5_000)
    page.wait_for_function("document.getElementById('draft-status').textContent.includes('Utkast sparat')")

    # left untouched: a warning before the session runs out; "Fortsätt arbeta" keeps it alive
    page.clock.run_for(32_000)
    warning = page.locator("#session-warning")
    assert warning.is_visible()
    assert "Inloggningen går ut" in warning.inner_text()
    assert_accessible(page)
    _idle_for(live_app, page.email, 50)
    page.get_by_role("button", name="Fortsätt arbeta").click()
    page.wait_for_function("document.getElementById('session-warning').hidden")
    assert _last_seen_ago(live_app, page.email) < 10

    # lunch: the session expires on the server; what is typed after that is kept in the browser
    _idle_for(live_app, page.email, 120)
    page.fill("#advice", "Råd efter att inloggningen gått ut: gör en riskbedömning.")
    page.clock.run_for(5_000)
    page.wait_for_function("document.getElementById('session-warning').innerText.includes('har gått ut')")
    assert "Försöker igen" not in page.inner_text("#draft-status")
    page.fill("#caller_organisation", "Socialtjänsten i Umeå")
    page.click("text=Spara ärendet")
    page.wait_for_timeout(500)
    assert page.url == live_server + "/arenden/nytt", "Save left the form for the login page"
    assert page.evaluate("document.activeElement.closest('#session-warning') !== null")
    assert _inquiries(live_app) == before
    assert_accessible(page)

    # log in again: the form comes back with everything typed, ready to save
    page.get_by_role("link", name="Logga in igen").click()
    _sign_in(page, page.email)
    page.wait_for_url(live_server + "/arenden/nytt")
    shows(page, "main", "återställt")
    assert page.input_value("#summary") == "Socialsekreteraren beskriver hot från pappan."
    assert page.input_value("#advice") == "Råd efter att inloggningen gått ut: gör en riskbedömning."
    assert page.input_value("#caller_organisation") == "Socialtjänsten i Umeå"
    with page.expect_navigation():
        page.click("text=Spara ärendet")
    shows(page, "[role=status]", "är sparat")
    shows(page, "main", "gör en riskbedömning")
    assert _inquiries(live_app) == before + 1


def test_two_handlers_on_one_case_merge_and_only_a_real_conflict_is_asked(page, live_server, live_app):
    from supportline.auth.service import create_user
    from supportline.inquiries.service import create_inquiry, update_inquiry
    from tests.conftest import PASSWORD
    from tests.inquiries.conftest import valid_payload

    email = _login(page, live_server, live_app)
    with live_app.app_context():
        me = db.session.scalar(select(User).where(User.email == email))
        colleague_id = create_user(None, f"kollega-{email}", "handler", PASSWORD, "Karin Kollega").id
        case_id = create_inquiry(me, valid_payload(summary="Ursprunglig sammanfattning.", advice="Ursprungligt råd.",
                                                   exposure_types=["abroad", "forced_marriage"])).id
    page.goto(f"{live_server}/arenden/{case_id}/andra")
    # the colleague saves first, in another tab on another desk
    with live_app.app_context():
        update_inquiry(db.session.get(User, colleague_id), case_id,
                       {"summary": "Kollegans sammanfattning.", "advice": "Kollegans råd."}, expected_version=1)
    page.fill("#summary", "Min sammanfattning.")
    page.fill("#caller_role", "Kurator")
    with page.expect_navigation():
        page.click("text=Spara ärendet")

    # only the field both changed is asked about, with who changed it; the heading has focus
    assert page.evaluate("document.activeElement.id") == "conflict-heading"
    table = page.inner_text(".compare tbody")
    assert "Sammanfattning av frågan" in table and "Karin Kollega" in table
    assert "Utsatthet" not in table and "Råd som gavs" not in table  # same set; only the colleague's
    assert page.input_value("#advice") == "Kollegans råd."
    assert page.input_value("#caller_role") == "Kurator"
    assert_accessible(page)
    page.set_viewport_size({"width": 375, "height": 740})  # a phone: the comparison scrolls, not the page
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    with page.expect_navigation():
        page.click("text=Spara ärendet")
    shows(page, "#conflict-error", "Välj vilken version som ska gälla för Sammanfattning av frågan")
    page.check("#merge-summary-mine")
    with page.expect_navigation():
        page.click("text=Spara ärendet")
    main = page.inner_text("main")
    assert "Min sammanfattning." in main and "Kollegans råd." in main and "Kurator" in main
    with live_app.app_context():
        saved = db.session.get(Inquiry, case_id)
        assert (saved.summary, saved.advice, saved.caller_role) == ("Min sammanfattning.", "Kollegans råd.", "Kurator")
        assert saved.codes_of("exposure_types") == ["abroad", "forced_marriage"]


def test_a_form_left_untouched_over_lunch_says_the_login_ran_out(page, live_server, live_app, monkeypatch):
    monkeypatch.setitem(live_app.config, "SESSION_IDLE_MINUTES", 1)
    page.clock.install()
    _start_call(page, live_server, live_app, "Frågan skrevs före lunch.")
    page.clock.run_for(5_000)
    page.wait_for_function("document.getElementById('draft-status').textContent.includes('Utkast sparat')")
    _idle_for(live_app, page.email, 3600)
    page.clock.run_for(65_000)
    page.wait_for_function("document.getElementById('session-warning').innerText.includes('har gått ut')")
    assert page.get_by_role("link", name="Logga in igen").is_visible()
    assert not page.get_by_role("button", name="Fortsätt arbeta").is_visible()
    assert _last_seen_ago(live_app, page.email) > 3000  # asking did not bring the login back


def test_an_edit_typed_after_the_login_ran_out_is_saved_after_logging_in(page, live_server, live_app):
    from supportline.inquiries.service import create_inquiry
    from tests.inquiries.conftest import valid_payload

    email = _login(page, live_server, live_app)
    with live_app.app_context():
        me = db.session.scalar(select(User).where(User.email == email))
        case_id = create_inquiry(me, valid_payload(summary="Före lunch.")).id
    page.goto(f"{live_server}/arenden/{case_id}/andra")
    _idle_for(live_app, email, 3600)
    page.fill("#summary", "Efter lunch, med allt som sades.")
    page.click("text=Lägg till en person")
    page.select_option("#persons-2-age_group", "6-12")
    page.click("text=Spara ärendet")
    page.get_by_role("link", name="Logga in igen").click()
    _sign_in(page, email)
    page.wait_for_url(f"{live_server}/arenden/{case_id}/andra")
    assert page.input_value("#summary") == "Efter lunch, med allt som sades."
    assert page.input_value("#persons-2-age_group") == "6-12"
    with page.expect_navigation():
        page.click("text=Spara ärendet")
    shows(page, "[role=status]", "Ändringarna är sparade.")
    with live_app.app_context():
        saved = db.session.get(Inquiry, case_id)
        assert saved.summary == "Efter lunch, med allt som sades." and len(saved.exposed_persons) == 2


def test_text_kept_after_the_login_ran_out_is_not_shown_to_someone_else(page, live_server, live_app):
    email = _login(page, live_server, live_app)
    page.goto(live_server + "/arenden/nytt")
    _idle_for(live_app, email, 3600)
    page.fill("#summary", "Det första samtalets text.")
    page.click("text=Spara ärendet")
    page.get_by_role("link", name="Logga in igen").click()
    # a colleague logs in at the same computer, in the same tab
    from supportline.auth.service import create_user
    from tests.conftest import PASSWORD

    with live_app.app_context():
        other = create_user(None, f"annan-{email}", "handler", PASSWORD, "Annan Handläggare").email
    _sign_in(page, other)
    page.wait_for_url(live_server + "/arenden/nytt")
    assert page.input_value("#summary") == ""
    assert "återställt" not in page.inner_text("main")
