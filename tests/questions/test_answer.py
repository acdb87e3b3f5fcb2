"""The handlers' side of a written question: the start page, the answer, templates, the API."""

from __future__ import annotations

import jsonschema
import pytest
from sqlalchemy import select

from supportline.audit.models import AuditEvent
from supportline.audit.review import action_label
from supportline.extensions import db
from supportline.inquiries.canonical import schema
from supportline.inquiries.models import Inquiry, TimelineEntry
from supportline.questions.models import AnswerTemplate, WebQuestion
from tests.conftest import csrf_from
from tests.questions.conftest import PERSONNUMMER, QUESTION, ask, code_of

ANSWER = ("Gör en orosanmälan till socialtjänsten i dag, innan sommarlovet. Socialtjänsten kan ansöka om "
          "utreseförbud. Prata inte med föräldrarna om anmälan först.")


def _inquiry_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(WebQuestion.inquiry_id).order_by(WebQuestion.id.desc()))


def _answer(client, inquiry_id, text=ANSWER, articles="", action=None, template=""):
    page = client.get(f"/arenden/{inquiry_id}").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "text": text, "articles": articles, "template": template}
    if action:
        data["action"] = action
    return client.post(f"/arenden/{inquiry_id}/svar", data=data)


def test_a_waiting_question_is_on_the_start_page_oldest_first_and_in_the_channel_filter(app, client, login_as):
    first = code_of(ask(client, question="Hur gör vi en riskbedömning när eleven är rädd för sin bror?"))
    code_of(ask(client, question="Vilka regler gäller för utreseförbud när barnet redan är utomlands?"))
    assert first
    login_as("handler")
    html = client.get("/").get_data(as_text=True)
    section = html[html.index("Skriftliga frågor att besvara"):]
    assert section.index("riskbedömning") < section.index("utreseförbud")
    assert "i öppettid" in section and "Svar senast" in section
    assert "Skola" in section or "skola" in section.lower()
    listed = client.get("/arenden?channel=web").get_data(as_text=True)
    assert "riskbedömning" in listed and "utreseförbud" in listed


def test_a_handler_answers_with_a_linked_article_and_the_asker_reads_it(app, client, login_as, imported):
    code = code_of(ask(client))
    inquiry_id = _inquiry_id(app)
    login_as("handler")
    case = client.get(f"/arenden/{inquiry_id}").get_data(as_text=True)
    assert "Svar till frågeställaren" in case and "Frågeställaren väntar på svar" in case
    response = _answer(client, inquiry_id, articles="orosanmalan-i-skolan")
    assert response.status_code == 302
    with app.app_context():
        entry = db.session.scalar(select(TimelineEntry).where(TimelineEntry.kind == "reply"))
        assert entry.text == ANSWER
        assert entry.detail == {"articles": [{"slug": "orosanmalan-i-skolan", "title": "Orosanmälan i skolan"}]}
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "inquiry.reply"))
        assert event.object_id == str(inquiry_id) and action_label("inquiry.reply") != "inquiry.reply"
    assert "Skriftliga frågor att besvara" in client.get("/").get_data(as_text=True)
    assert "Inga skriftliga frågor väntar" in client.get("/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})
    client.delete_cookie("supportline_session")
    page = client.get(f"/fraga/{code}")
    html = page.get_data(as_text=True)
    assert ANSWER in html and "Besvarad" in html
    assert 'href="/kunskap/orosanmalan-i-skolan"' in html and "Länken gäller till och med" in html


@pytest.mark.parametrize("text, articles, message", [
    (PERSONNUMMER, "", "personnummer"),
    (ANSWER, "intern-rutin", "publicerade artiklarna som alla kan läsa"),
    ("", "", "Skriv svaret"),
])
def test_an_answer_with_personal_data_an_internal_article_or_no_text_is_refused(app, client, login_as, imported,
                                                                                  text, articles, message):
    code_of(ask(client))
    inquiry_id = _inquiry_id(app)
    login_as("handler")
    response = _answer(client, inquiry_id, text=text, articles=articles)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and (not text or text in html)
    with app.app_context():
        assert db.session.scalar(select(TimelineEntry).where(TimelineEntry.kind == "reply")) is None


def test_a_template_is_inserted_after_what_is_typed_with_its_articles(app, client, login_as, create_user, auth,
                                                                      imported):
    from supportline.auth.models import User
    from supportline.questions.answer_templates import save_template

    editor = create_user("editor")
    with app.app_context():
        save_template(db.session.get(User, editor.id), "Orosanmälan från skolan",
                      "Skolan ska anmäla oro till socialtjänsten direkt.", ["orosanmalan-i-skolan"])
        template_id = db.session.scalar(select(AnswerTemplate.id))
    code_of(ask(client))
    inquiry_id = _inquiry_id(app)
    login_as("handler")
    response = _answer(client, inquiry_id, text="Hej!", action="insert_template", template=str(template_id))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Hej!\n\nSkolan ska anmäla oro till socialtjänsten direkt." in html
    assert "orosanmalan-i-skolan</textarea>" in html
    with app.app_context():
        assert db.session.scalar(select(TimelineEntry).where(TimelineEntry.kind == "reply")) is None


def test_editors_keep_answer_templates(app, client, login_as, imported):
    login_as("editor")
    page = client.get("/kunskap/redaktor/svarsmallar/ny")
    assert page.status_code == 200
    csrf = csrf_from(page.get_data(as_text=True))
    refused = client.post("/kunskap/redaktor/svarsmallar/ny", data={
        "csrf_token": csrf, "title": "Mall", "body": PERSONNUMMER, "articles": "finns-inte"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "personnummer" in html and "finns-inte" in html
    saved = client.post("/kunskap/redaktor/svarsmallar/ny", data={
        "csrf_token": csrf, "title": "Utreseförbud", "body": "Socialtjänsten kan ansöka om utreseförbud.",
        "articles": "utreseforbud-kort"})
    assert saved.status_code == 302
    with app.app_context():
        row = db.session.scalar(select(AnswerTemplate))
        template_id = row.id
        assert row.article_slugs == ["utreseforbud-kort"] and row.status == "active"
    listing = client.get("/kunskap/redaktor/svarsmallar/").get_data(as_text=True)
    assert "Utreseförbud" in listing and "I bruk" in listing
    edited = client.post(f"/kunskap/redaktor/svarsmallar/{template_id}", data={
        "csrf_token": csrf, "title": "Utreseförbud (LVU 31 a §)", "body": "Socialtjänsten ansöker.", "articles": ""})
    assert edited.status_code == 302
    archived = client.post(f"/kunskap/redaktor/svarsmallar/{template_id}/status",
                           data={"csrf_token": csrf, "status": "archived"})
    assert archived.status_code == 302
    with app.app_context():
        row = db.session.get(AnswerTemplate, template_id)
        assert (row.title, row.status, row.version) == ("Utreseförbud (LVU 31 a §)", "archived", 3)
        actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "answer_template")))
        assert actions == ["answer_template.create", "answer_template.update", "answer_template.archive"]


@pytest.mark.parametrize("role", ["handler", "coordinator"])
def test_only_editors_reach_the_templates(app, client, login_as, create_user, role):
    from supportline.auth.models import User
    from supportline.questions.answer_templates import save_template

    editor = create_user("editor")
    with app.app_context():
        template_id = save_template(db.session.get(User, editor.id), "Mall", "En allmän text.", []).id
    login_as(role)
    token = csrf_from(client.get("/").get_data(as_text=True))
    assert client.get("/kunskap/redaktor/svarsmallar/").status_code == 403
    assert client.get(f"/kunskap/redaktor/svarsmallar/{template_id}").status_code == 403
    assert client.post(f"/kunskap/redaktor/svarsmallar/{template_id}/status",
                       data={"csrf_token": token, "status": "archived"}).status_code == 403
    with app.app_context():
        assert db.session.get(AnswerTemplate, template_id).status == "active"


@pytest.mark.parametrize("role", [None, "editor", "coordinator"])
def test_only_handlers_answer(app, client, login_as, role):
    code_of(ask(client))
    inquiry_id = _inquiry_id(app)
    if role:
        login_as(role)
    token = csrf_from(client.get("/").get_data(as_text=True)) if role else ""
    response = client.post(f"/arenden/{inquiry_id}/svar", data={"csrf_token": token, "text": ANSWER})
    # Without a login there is no session and so no valid CSRF token: refused before the role.
    assert response.status_code == (403 if role else 400)
    with app.app_context():
        assert db.session.scalar(select(TimelineEntry).where(TimelineEntry.kind == "reply")) is None


def test_the_api_answers_a_written_question_and_the_record_carries_it(app, client, token, imported):
    code_of(ask(client))
    inquiry_id = _inquiry_id(app)
    headers = {"Authorization": f"Bearer {token()}"}
    response = client.post(f"/api/v1/inquiries/{inquiry_id}/replies", headers=headers,
                           json={"text": ANSWER, "articles": ["utreseforbud-kort"]})
    assert response.status_code == 201, response.get_json()
    record = response.get_json()
    jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker()).validate(record)
    assert record["channel"] == "web" and record["created_by"] is None and record["summary"] == QUESTION
    assert record["timeline"][-1]["kind"] == "reply" and record["timeline"][-1]["text"] == ANSWER
    assert record["timeline"][-1]["detail"]["articles"][0]["slug"] == "utreseforbud-kort"
    refused = client.post(f"/api/v1/inquiries/{inquiry_id}/replies", headers=headers, json={"text": PERSONNUMMER})
    assert refused.status_code == 422 and "personnummer" in refused.get_json()["errors"]["text"]
    assert client.post("/api/v1/inquiries/999999999/replies", headers=headers, json={"text": ANSWER}).status_code == 404
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "post" in spec["paths"]["/api/v1/inquiries/{inquiry_id}/replies"]


def test_a_phone_inquiry_gets_no_answer_to_an_asker(app, client, token, create_user, make_inquiry):
    inquiry_id = make_inquiry(create_user("handler"))
    response = client.post(f"/api/v1/inquiries/{inquiry_id}/replies", json={"text": ANSWER},
                           headers={"Authorization": f"Bearer {token()}"})
    assert response.status_code == 422 and "skriftlig fråga" in response.get_json()["errors"]["text"]
    with app.app_context():
        assert db.session.get(Inquiry, inquiry_id).timeline == []


def test_a_week_without_opening_hours_still_lists_the_questions(app, client, login_as):
    """The admin page requires an open day, but an emptied table must not take the start page down."""
    from sqlalchemy import delete

    from supportline.hours.models import WeeklyHours

    with app.app_context():
        db.session.execute(delete(WeeklyHours))
        db.session.commit()
    code_of(ask(client))
    login_as("handler")
    response = client.get("/")
    assert response.status_code == 200
    assert "inget svarsmål kan räknas" in response.get_data(as_text=True)


def test_the_access_review_counts_the_answering_handler_as_the_questions_own(app, client, login_as, create_user):
    import datetime as dt

    from supportline.auth.models import User
    from supportline.dates import LOCAL_TZ
    from supportline.inquiries.service import get_inquiry
    from supportline.questions import service

    answering = create_user("handler", name="Ada Svarar")
    curious = create_user("handler", name="Bo Nyfiken")
    code_of(ask(client))
    inquiry_id = _inquiry_id(app)
    with app.app_context():
        for user in (answering, curious):
            get_inquiry(db.session.get(User, user.id), inquiry_id)
        service.reply(db.session.get(User, answering.id), inquiry_id, ANSWER)
    login_as("coordinator")
    month = dt.datetime.now(LOCAL_TZ).strftime("%Y-%m")
    page = client.get(f"/admin/logg/granskning?manad={month}").get_data(as_text=True)
    assert "Bo Nyfiken (handläggare): 1 ärende" in page and "Ada Svarar" not in page


def test_the_demo_templates_link_the_shipped_guidance_and_are_made_once(app):
    from pathlib import Path

    from supportline.kb.service import import_directory
    from supportline.questions.answer_templates import DEMO_TEMPLATES, seed_answer_templates

    with app.app_context():
        import_directory(None, Path(__file__).resolve().parents[2] / "knowledge" / "content")
        assert seed_answer_templates() == len(DEMO_TEMPLATES)
        assert seed_answer_templates() == 0
        rows = db.session.scalars(select(AnswerTemplate).order_by(AnswerTemplate.id)).all()
        assert [r.article_slugs for r in rows] == [slugs for _title, _body, slugs in DEMO_TEMPLATES]
