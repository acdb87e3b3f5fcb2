"""After the final package: staff on the sending installation see why new calls are refused;
the public never sees a banner about the handover."""

from __future__ import annotations

import uuid

import pyrage
import pytest
from flask_migrate import upgrade

from supportline.auth.service import create_user
from supportline.db import utcnow
from supportline.extensions import db
from supportline.handover import service
from tests.browser.conftest import assert_accessible, serving, shows
from tests.conftest import PASSWORD, make_app

PUBLIC_PAGES = ["/kunskap", "/kunskap/sok?q=tvångsäktenskap", "/tillganglighet", "/login"]


@pytest.fixture(scope="module")
def sending_server(tmp_path_factory):
    """An installation of its own whose final package is written (the shared live app stays open)."""
    tmp = tmp_path_factory.mktemp("sending")
    app = make_app(f"sqlite:///{tmp / 'sending.db'}", tmp,
                   SUPPORTLINE_HANDOVER_RECIPIENT=str(pyrage.x25519.Identity.generate().to_public()))
    with app.app_context():
        upgrade()
        email = create_user(None, f"handler-{uuid.uuid4().hex[:8]}@test.invalid", "handler", PASSWORD).email
        [final] = service.run_due(utcnow())
        assert final.slot == "final"
    with serving(app) as url:
        yield url, email
    with app.app_context():
        db.engine.dispose()


def test_no_public_page_shows_the_handover_banner(page, sending_server):
    url, _email = sending_server
    for path in PUBLIC_PAGES:
        response = page.goto(url + path)
        assert response.status == 200, path
        assert page.locator(".banner").count() == 0, path
        assert "lämnats över" not in page.inner_text("body"), path


def test_staff_on_the_sending_side_see_why_new_calls_are_refused(page, sending_server):
    url, email = sending_server
    page.goto(url + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(url + "/")
    shows(page, ".banner", "Ärendena har lämnats över till NCK")
    assert_accessible(page)
    page.goto(url + "/arenden/nytt")
    shows(page, "main [role=alert]", "tar inte emot nya samtal eller skriftliga frågor")
    assert page.locator("#summary").count() == 0
    assert_accessible(page)
