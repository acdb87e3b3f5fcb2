"""A written question over its life: the notice e-mail, the handover package, retention."""

from __future__ import annotations

import datetime as dt
import json
import re

from sqlalchemy import func, select

from supportline.auth.models import User
from supportline.db import utcnow
from supportline.extensions import db
from supportline.handover.importer import _inquiry
from supportline.handover.verify import verify_package
from supportline.inquiries.models import Inquiry
from supportline.questions import service
from supportline.questions.models import QuestionLink, WebQuestion
from tests.handover.test_package import _export, _plain_members
from tests.questions.conftest import QUESTION, ask, code_of

ANSWER = "Gör en orosanmälan i dag och be socialtjänsten pröva ett utreseförbud."


def _question(app) -> WebQuestion:
    return db.session.scalar(select(WebQuestion))


def _reply(app, handler, text=ANSWER):
    with app.app_context():
        inquiry_id = _question(app).inquiry_id
        service.reply(db.session.get(User, handler.id), inquiry_id, text)
        return inquiry_id


def test_one_notice_without_content_carries_a_new_link_that_opens_the_question(app, client, create_user,
                                                                               smtp_server):
    controller, inbox = smtp_server
    app.config.update(SUPPORTLINE_SMTP_HOST="127.0.0.1", SUPPORTLINE_SMTP_PORT=controller.port,
                      SUPPORTLINE_SMTP_STARTTLS=False)
    try:
        form = client.get("/fraga").get_data(as_text=True)
        assert 'type="email"' in form
        code = code_of(ask(client, email="larare@skola.example"))
        _reply(app, create_user("handler"))
    finally:
        app.config.update(SUPPORTLINE_SMTP_HOST=None)
    [message] = inbox.messages
    assert message.rcpt_tos == ["larare@skola.example"]
    text = message.content.decode("utf-8", "replace")
    assert "orosanm" not in text and "bortgift" not in text and "elev" not in text.lower()
    [link] = re.findall(r"/fraga/([A-Za-z0-9_-]{32,})", text)
    assert link != code
    assert "Svar från stödtelefonen" in client.get(f"/fraga/{link}").get_data(as_text=True)
    assert ANSWER in client.get(f"/fraga/{code}").get_data(as_text=True)


def test_without_smtp_the_form_asks_for_no_address(client):
    assert 'type="email"' not in client.get("/fraga").get_data(as_text=True)


def test_expired_links_and_the_address_go_with_retention_the_question_stays(app, client, create_user):
    from supportline.retention import service as retention

    app.config.update(SUPPORTLINE_SMTP_HOST="127.0.0.1")  # so the address is taken; no reply is sent here
    try:
        code = code_of(ask(client, email="larare@skola.example"))
    finally:
        app.config.update(SUPPORTLINE_SMTP_HOST=None)
    _reply(app, create_user("handler"))
    later = utcnow() + dt.timedelta(days=31)
    with app.app_context():
        assert retention.plan(later).counts["question_links_removed"] == 1
        assert retention.run(now=later, trigger="test").counts["question_links_removed"] == 1
        question = _question(app)
        assert question.notify_email is None
        assert db.session.scalar(select(func.count()).select_from(QuestionLink)) == 0
        assert db.session.get(Inquiry, question.inquiry_id).summary == QUESTION
    assert client.get(f"/fraga/{code}").status_code == 404


def test_an_anonymised_question_opens_no_more(app, client, create_user):
    from supportline.retention.service import anonymise
    from supportline.transactions import write_transaction

    code = code_of(ask(client))
    with app.app_context(), write_transaction():
        anonymise(db.session.get(Inquiry, _question(app).inquiry_id), utcnow())
    assert client.get(f"/fraga/{code}").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(QuestionLink)) == 0


def test_the_package_carries_the_question_its_answer_and_the_follow_up_and_the_importer_reads_them(
        app, client, create_user, out_dir):
    code = code_of(ask(client))
    handler = create_user("handler")
    _reply(app, handler)
    with app.app_context():
        service.ask_again(_question(app).id, "Behöver vi kontakta polisen också, före resan?")
    name, _sha, _seq = _export(app, out_dir, recipient=None, plaintext=True)
    report = verify_package(out_dir / name)  # every record against the schema
    assert report.ok, report.text()
    assert report.checked_records >= 1
    files = _plain_members(out_dir / name)
    [record] = [json.loads(line) for line in files["inquiries.jsonl"].splitlines()]
    assert record["channel"] == "web" and record["created_by"] is None
    assert [e["kind"] for e in record["timeline"]] == ["reply", "question"]
    assert record["timeline"][0]["user"] == handler.id and record["timeline"][1]["user"] is None
    assert code not in files["inquiries.jsonl"].decode()
    assert "Svar till frågeställaren" in files["contacts.csv"].decode()
    inquiry = _inquiry(record)
    assert (inquiry.channel, inquiry.created_by_id) == ("web", None)
    assert [(e.kind, e.text) for e in inquiry.timeline][0] == ("reply", ANSWER)
