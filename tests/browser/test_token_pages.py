"""The API token lists on /konto and on an account's admin page pass axe-core and are used from the
keyboard: each revoke button names its token to a screen reader."""

from __future__ import annotations

import uuid

from supportline.auth.models import User
from supportline.auth.service import create_user, issue_api_token
from supportline.extensions import db
from tests.browser.conftest import assert_accessible, shows
from tests.browser.test_account_pages import _focused, login_with_keyboard
from tests.conftest import PASSWORD


def tab_to(page, text: str, limit: int = 40) -> None:
    """Tab until the control whose text (the visible part and the part only screen readers get)
    reads `text` has the focus, which it must show."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = _focused(page)
        if " ".join(focused["text"].split()) == text:
            assert focused["outline"], f"no visible focus on {text!r}"
            return
    raise AssertionError(f"{text!r} cannot be reached with Tab")


def _user_with_tokens(live_app, role: str, names: list[str]) -> tuple[str, int]:
    with live_app.app_context():
        user = create_user(None, f"{role}-{uuid.uuid4().hex[:8]}@test.invalid", role, PASSWORD)
        for name in names:
            issue_api_token(None, db.session.get(User, user.id), name=name)
        return user.email, user.id


def test_own_tokens_are_listed_and_revoked_from_the_keyboard(page, live_server, live_app):
    email, _ = _user_with_tokens(live_app, "handler", ["Telefonisystemet", "Statistikexport"])
    login_with_keyboard(page, live_server, email)
    page.wait_for_url(live_server + "/")
    page.goto(live_server + "/konto")
    table = page.get_by_role("table", name="API-token")
    assert table.get_by_role("cell", name="Telefonisystemet", exact=True).count() == 1
    assert_accessible(page)
    tab_to(page, "Återkalla Telefonisystemet")
    page.keyboard.press("Enter")
    page.wait_for_selector("[role=status]")
    shows(page, "[role=status]", "API-token är återkallad")
    assert page.get_by_role("cell", name="Telefonisystemet", exact=True).count() == 0
    assert page.get_by_role("cell", name="Statistikexport", exact=True).count() == 1
    assert_accessible(page)


def test_admin_revokes_a_users_tokens_on_the_account_page(page, live_server, live_app):
    admin_email, _ = _user_with_tokens(live_app, "admin", [])
    email, user_id = _user_with_tokens(live_app, "handler", ["Telefonisystemet", "Rapportverktyget"])
    login_with_keyboard(page, live_server, admin_email)
    page.wait_for_url(live_server + "/")
    page.goto(live_server + "/admin/")
    page.get_by_role("link", name=email, exact=True).click()
    page.wait_for_url(live_server + f"/admin/anvandare/{user_id}")
    assert page.inner_text("h1") == email
    assert_accessible(page)
    tab_to(page, "Återkalla alla API-token för " + email)
    page.keyboard.press("Enter")
    page.wait_for_selector("[role=status]")
    shows(page, "[role=status]", "Alla API-token för")
    shows(page, "main", "Kontot har inga API-token som fungerar.")
    assert_accessible(page)
