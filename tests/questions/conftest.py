from __future__ import annotations

import re

import pytest

from tests.conftest import SAME_ORIGIN
from tests.handover.conftest import out_dir  # noqa: F401 - fixtures used by these tests
from tests.inquiries.conftest import make_inquiry, token  # noqa: F401
from tests.inquiries.test_reminder_mail import smtp_server  # noqa: F401
from tests.kb.conftest import articles_dir, imported  # noqa: F401

FORM_TOKEN_RE = re.compile(r'name="form_token" type="hidden" value="([^"]+)"')
QUESTION = ("En elev i åk 8 berättar att familjen ska resa till hemlandet i sommar och att hon är rädd att bli "
            "bortgift. Vad ska skolan göra nu?")
PERSONNUMMER = "Eleven har personnummer 121212-1212 och går i åk 8."


def form_token(html: str) -> str:
    match = FORM_TOKEN_RE.search(html)
    assert match, "page has no form token"
    return match.group(1)


def ask(client, question=QUESTION, sector="school", county="03", headers=SAME_ORIGIN, **extra):
    """Send a written question as a browser does: the form's token from /fraga, then the post."""
    signed = form_token(client.get("/fraga").get_data(as_text=True))
    data = {"form_token": signed, "question": question, "sector": sector, "county": county, "email": "",
            "website": "", **extra}
    return client.post("/fraga", data=data, headers=headers)


def code_of(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    location = response.headers["Location"]
    match = re.search(r"/fraga/([^?#]+)", location)
    assert match, location
    return match.group(1)


PUBLISHED_WEEK = {0: (540, 720), 2: (540, 720), 4: (540, 720)}  # Mon, Wed, Fri 09–12


@pytest.fixture(autouse=True)
def opening_hours(app):
    """The line's published week (the tests empty every table, the migration's seed too)."""
    from supportline.hours import service as hours

    with app.app_context():
        hours.set_weekly_hours(None, PUBLISHED_WEEK, confirmed=True)


@pytest.fixture
def asked(client):
    """A question sent through the form; returns the pickup link's code."""
    return code_of(ask(client))
