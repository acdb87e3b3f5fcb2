"""Stored XSS: every OWASP cheat-sheet payload in every text field, rendered, is inert."""

from __future__ import annotations

import pytest

import knowledge
from supportline.auth.models import User
from supportline.extensions import db
from tests.conftest import csrf_from, post_feedback
from tests.security.livemarkup import live_markup
from tests.security.payloads import XSS_PAYLOADS


def test_there_are_at_least_thirty_payloads_and_the_checker_sees_each_one_raw():
    assert len(XSS_PAYLOADS) >= 30
    # Sanity check of the checker: unescaped, nearly every payload is live markup. (The Markdown ones
    # only become markup once rendered, and two are plain javascript: text.)
    raw_live = [p for p in XSS_PAYLOADS if live_markup(f"<html><body><p>{p}</p></body></html>")]
    assert len(raw_live) >= len(XSS_PAYLOADS) - 5


def _assert_inert(response, where):
    assert response.status_code == 200, (where, response.status_code)
    problems = live_markup(response.get_data(as_text=True))
    assert problems == [], (where, problems)


def _packed(limit: int) -> list[str]:
    """The payloads in as few strings of at most `limit` characters as possible, so every payload
    reaches every field without one inquiry per payload (the suite must stay fast)."""
    groups: list[str] = []
    for payload in XSS_PAYLOADS:
        payload = payload[:limit]
        if groups and len(groups[-1]) + 1 + len(payload) <= limit:
            groups[-1] += " " + payload
        else:
            groups.append(payload)
    return groups


def test_inquiry_text_fields_and_timeline_notes(app, client, login_as):
    from supportline.inquiries.service import InquiryInvalid, add_entry, create_inquiry
    from tests.inquiries.conftest import valid_payload

    user = login_as("handler")
    everything = "\n\n".join(XSS_PAYLOADS)
    ids = []
    with app.app_context():
        actor = db.session.get(User, user.id)
        for short in _packed(200):
            fields = {"caller_role": short, "caller_organisation": short, "callback_name": short,
                      "summary": everything, "advice": everything}
            try:
                inquiry = create_inquiry(actor, valid_payload(**fields))
            except InquiryInvalid as exc:  # pragma: no cover - the message says which field
                pytest.fail(f"refused: {exc}")
            ids.append(inquiry.id)
        add_entry(actor, ids[0], "note", everything)
    for inquiry_id in ids:
        _assert_inert(client.get(f"/arenden/{inquiry_id}"), (inquiry_id, "detail"))
        _assert_inert(client.get(f"/arenden/{inquiry_id}/andra"), (inquiry_id, "edit"))
    _assert_inert(client.get("/arenden"), "list")
    _assert_inert(client.get("/arenden", query_string={"q": "alert"}), "search")
    _assert_inert(client.get("/", query_string={}), "start page")
    for short in _packed(2000):
        _assert_inert(client.get("/arenden", query_string={"q": short}), "search box")


def test_knowledge_markdown_and_feedback_comments(app, client, login_as):
    from supportline.kb.service import get_article, record_feedback, save_article, set_status
    from tests.kb.conftest import article_text

    editor = login_as("editor")
    bodies = {
        "xss-block": "## Rubrik\n\n" + "\n\n".join(XSS_PAYLOADS) + "\n\nText efter med *betoning*.\n",
        "xss-inline": "## Rubrik\n\n" + "\n".join(f"- punkt {p} och *mer*" for p in XSS_PAYLOADS) + "\n",
    }
    rows = []
    with app.app_context():
        actor = db.session.get(User, editor.id)
        for slug, body in bodies.items():
            doc = knowledge.parse_article(article_text(slug=slug, title="Artikel om skydd", body=body,
                                                       summary="Sammanfattning"), f"{slug}.md")
            row = save_article(actor, doc)
            set_status(actor, row, "published")
            rows.append((row.id, row.slug))
        # Feedback comments through the service (the public form is rate limited per hour).
        target = get_article("xss-block")
        for payload in XSS_PAYLOADS:
            record_feedback(target, False, payload)
    token = csrf_from(client.get("/kunskap/xss-block").get_data(as_text=True))
    for article_id, slug in rows:
        _assert_inert(client.get(f"/kunskap/{slug}"), (slug, "article"))
        _assert_inert(client.get(f"/kunskap/redaktor/{article_id}"), (slug, "editor"))
        _assert_inert(client.get(f"/kunskap/redaktor/{article_id}/historik"), (slug, "history"))
    # And one comment through the public form, as a visitor would send it.
    response = post_feedback(client, "xss-inline", helpful="nej", comment=XSS_PAYLOADS[0])
    assert response.status_code == 302
    _assert_inert(client.get("/kunskap/xss-inline"), "article with comment")
    for payload in XSS_PAYLOADS:
        preview = client.post("/kunskap/redaktor/forhandsgranska", data={"csrf_token": token, "body": payload},
                              headers={"X-CSRFToken": token})
        assert preview.status_code == 200
        assert live_markup("<html><body>" + preview.get_json()["html"] + "</body></html>") == [], payload
    _assert_inert(client.get("/kunskap/sok", query_string={"q": "skydd"}), "search results")
    _assert_inert(client.get("/kunskap/redaktor/granskning"), "review list")
    _assert_inert(client.get("/kunskap/redaktor/"), "editor index")
