"""The professional's side of a written question: /fraga and the pickup page."""

from __future__ import annotations

import hashlib
import html

import pytest
from sqlalchemy import func, select

from supportline.audit.models import AuditEvent
from supportline.extensions import db
from supportline.inquiries.models import Inquiry
from supportline.questions.models import QuestionLink, WebQuestion
from tests.conftest import SAME_ORIGIN
from tests.questions.conftest import PERSONNUMMER, QUESTION, ask, code_of, form_token


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_the_form_sets_no_cookie_and_says_what_not_to_write(client):
    response = client.get("/fraga")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    html = response.get_data(as_text=True)
    assert "Ställ en fråga till stödtelefonen" in html
    assert "inga namn, inget personnummer" in html.lower() or "Skriv inga namn" in html
    assert 'for="question"' in html and 'for="sector"' in html and 'for="county"' in html
    assert response.headers["Cache-Control"] == "private, no-store"


def test_a_question_becomes_an_open_web_inquiry_and_the_code_is_kept_only_as_a_hash(app, client):
    response = ask(client)
    code = code_of(response)
    assert len(code) >= 32  # 192 random bits in base64url
    assert "Set-Cookie" not in response.headers
    with app.app_context():
        inquiry = db.session.scalar(select(Inquiry))
        assert (inquiry.channel, inquiry.status, inquiry.caller_sector, inquiry.county_code) == (
            "web", "open", "school", "03")
        assert inquiry.summary == QUESTION and inquiry.created_by_id is None
        link = db.session.scalar(select(QuestionLink))
        assert link.code_hash == hashlib.sha256(code.encode()).hexdigest() and code not in link.code_hash
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "question.create"))
        assert event.object_id == str(inquiry.id) and event.remote_addr is None
    page = client.get(f"/fraga/{code}?ny=1")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Spara den här länken" in html and "Väntar på svar" in html
    assert QUESTION in html
    assert page.headers["Cache-Control"] == "private, no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "noindex" in page.headers["X-Robots-Tag"] and 'name="robots" content="noindex' in html
    assert "Set-Cookie" not in page.headers


@pytest.mark.parametrize("text, words", [
    (PERSONNUMMER, "personnummer"),
    ("Mamman nås på anna.andersson@example.se om ni vill veta mer om flickan.", "e-postadress"),
    ("Ring mig på 070-123 45 67 om flickan som ska resa i sommar.", "telefonnummer"),
])
def test_personal_data_is_refused_on_the_field_kept_in_the_form_and_nothing_stored(app, client, text, words):
    response = ask(client, question=text)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert words in html and 'aria-invalid="true"' in html
    assert text.split("@")[0][:20] in html  # the text is kept in the field
    assert _count(app, Inquiry) == 0 and _count(app, WebQuestion) == 0
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert not any(a.startswith("question") for a in actions)


def test_missing_fields_get_swedish_messages(client):
    response = ask(client, question="", sector="", county="")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Skriv din fråga" in html and "Välj var du arbetar" in html and "Välj vilket län" in html


def test_too_long_a_question_is_refused_with_its_length(app, client):
    response = ask(client, question="Hur gör vi? " * 400)
    assert response.status_code == 422 and "högst 4000 tecken" in response.get_data(as_text=True)
    assert _count(app, Inquiry) == 0


def test_a_post_from_another_site_or_with_an_old_token_or_a_filled_honeypot_stores_nothing(app, client):
    assert ask(client, headers={"Origin": "https://evil.example"}).status_code == 403
    assert ask(client, headers={}).status_code == 403
    token = form_token(client.get("/fraga").get_data(as_text=True))
    stale = client.post("/fraga", data={"form_token": token[:-2] + "xx", "question": QUESTION, "sector": "school",
                                        "county": "03"}, headers=SAME_ORIGIN)
    assert stale.status_code == 400 and QUESTION in stale.get_data(as_text=True)
    bot = ask(client, website="https://spam.example")
    assert bot.status_code == 400
    assert _count(app, Inquiry) == 0


def test_a_wrong_or_expired_link_is_the_same_404_as_one_never_issued(app, client, asked):
    never = client.get("/fraga/" + "A" * 32)
    wrong = client.get(f"/fraga/{asked[:-1]}{'B' if asked[-1] != 'B' else 'C'}")
    assert never.status_code == wrong.status_code == 404
    assert never.get_data() == wrong.get_data()
    with app.app_context():
        question = db.session.scalar(select(WebQuestion))
        import datetime as dt

        from supportline.db import utcnow

        question.waiting_since = None
        question.last_answer_at = utcnow() - dt.timedelta(days=31)
        db.session.commit()
    expired = client.get(f"/fraga/{asked}")
    assert expired.status_code == 404 and expired.get_data() == never.get_data()
    assert expired.headers["Cache-Control"] == "private, no-store"


def test_guessing_links_is_rate_limited_and_then_a_real_link_looks_the_same(app, client, asked):
    app.config.update(SUPPORTLINE_RATELIMIT_ENABLED=True, SUPPORTLINE_RATELIMIT_PICKUP_MISSES="3 per hour")
    try:
        for n in range(3):
            assert client.get(f"/fraga/gissning{n:030d}").status_code == 404
        assert client.get("/fraga/gissning-till").status_code == 429
        blocked = client.get(f"/fraga/{asked}")
        assert blocked.status_code == 429 and "Retry-After" in blocked.headers
    finally:
        app.config.update(SUPPORTLINE_RATELIMIT_ENABLED=False)


def test_questions_are_rate_limited_per_address(app, client):
    app.config.update(SUPPORTLINE_RATELIMIT_ENABLED=True, SUPPORTLINE_RATELIMIT_QUESTIONS="2 per hour")
    try:
        assert ask(client).status_code == 303
        assert ask(client).status_code == 303
        assert ask(client).status_code == 429
    finally:
        app.config.update(SUPPORTLINE_RATELIMIT_ENABLED=False)
    assert _count(app, Inquiry) == 2


def test_a_follow_up_on_the_pickup_page_reopens_the_case(app, client, asked):
    page = client.get(f"/fraga/{asked}").get_data(as_text=True)
    follow = "Tack! Vi gjorde en orosanmälan. Behöver vi också kontakta polisen före resan?"
    response = client.post(f"/fraga/{asked}", data={"form_token": form_token(page), "text": follow, "website": ""},
                           headers=SAME_ORIGIN)
    assert response.status_code == 303
    html = client.get(f"/fraga/{asked}").get_data(as_text=True)
    assert follow in html and "Din följdfråga" in html
    refused = client.post(f"/fraga/{asked}", data={"form_token": form_token(page), "text": PERSONNUMMER},
                          headers=SAME_ORIGIN)
    assert refused.status_code == 422 and "personnummer" in refused.get_data(as_text=True)
    with app.app_context():
        inquiry = db.session.scalar(select(Inquiry))
        assert [e.kind for e in inquiry.timeline] == ["question"]
        assert PERSONNUMMER not in inquiry.timeline[0].text


def test_the_knowledge_base_links_to_the_form(client, imported):
    for path in ("/kunskap/", "/kunskap/orosanmalan-i-skolan", "/kunskap/sok?q=xyzzyqq"):
        assert 'href="/fraga"' in client.get(path).get_data(as_text=True), path


def test_the_follow_up_form_under_no_referrer_is_taken_but_not_from_another_site(app, client, asked):
    page = client.get(f"/fraga/{asked}").get_data(as_text=True)
    data = {"form_token": form_token(page), "text": "Ska vi kontakta polisen före resan, eller räcker anmälan?"}
    foreign = client.post(f"/fraga/{asked}", data=data, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403 and data["text"] in foreign.get_data(as_text=True)
    # What a browser sends from a page with Referrer-Policy: no-referrer.
    assert client.post(f"/fraga/{asked}", data=data, headers={"Origin": "null"}).status_code == 303
    assert client.get("/fraga").headers["Referrer-Policy"] != "no-referrer"  # the form needs its Origin


def test_an_installation_that_handed_the_line_over_takes_no_questions(app, client):
    from unittest import mock

    closed = "Stödtelefonen drivs sedan 2026-07-01 av NCK."
    token = form_token(client.get("/fraga").get_data(as_text=True))
    with mock.patch("supportline.questions.service.intake_closed_message", return_value=closed):
        page = client.get("/fraga").get_data(as_text=True)
        assert closed in page and 'name="question"' not in page
        response = client.post("/fraga", data={"form_token": token, "question": QUESTION, "sector": "school",
                                               "county": "03"}, headers=SAME_ORIGIN)
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and closed in page
    assert _count(app, Inquiry) == 0
    # nothing stored, and nothing lost: what was typed comes back to be copied
    assert f'readonly rows="8">{html.escape(QUESTION, quote=False)}</textarea>' in page
