"""Helpers for the attack tests: a second factor set up through the real pages, API tokens."""

from __future__ import annotations

import re

import pyotp
import pytest

from supportline.auth.models import User
from supportline.extensions import db
from tests.conftest import csrf_from

SECRET_RE = re.compile(r'<code class="mfa-secret">([A-Z2-7 ]+)</code>')
CODE_RE = re.compile(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>")


def secret_from(html: str) -> str:
    match = SECRET_RE.search(html)
    assert match, "enrolment page shows no secret"
    return match.group(1).replace(" ", "")


@pytest.fixture
def enrol(client):
    """Enrol the logged-in client's user; returns (secret, recovery codes)."""

    def do():
        page = client.get("/konto/tvastegs")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        secret = secret_from(html)
        done = client.post("/konto/tvastegs", data={"csrf_token": csrf_from(html), "code": pyotp.TOTP(secret).now()})
        assert done.status_code == 200, done.get_data(as_text=True)
        codes = CODE_RE.findall(done.get_data(as_text=True))
        assert len(codes) == 10
        return secret, codes

    return do


@pytest.fixture
def token_of(app):
    """token_of(user): a new API token of the user's."""
    from supportline.auth.service import issue_api_token

    def make(user):
        with app.app_context():
            return issue_api_token(None, db.session.get(User, user.id))

    return make
