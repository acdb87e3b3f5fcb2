"""Guidance in the inquiry form: suggestions while typing, links on the timeline, counts for staff."""

from sqlalchemy import select

from supportline.auth.models import User
from supportline.extensions import db
from supportline.inquiries.models import TimelineEntry
from tests.conftest import csrf_from
from tests.inquiries.conftest import valid_payload


def test_suggestions_for_a_question_being_typed(client, imported, login_as):
    login_as("handler")
    token = csrf_from(client.get("/arenden/nytt").get_data(as_text=True))
    response = client.post("/kunskap/forslag", data={"q": "eleven ska föras utomlands i sommar"},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert response.json["hits"][0]["slug"] == "utreseforbud-kort"
    # staff see internal articles among the suggestions
    response = client.post("/kunskap/forslag", data={"q": "återuppringning"}, headers={"X-CSRFToken": token})
    assert [h["slug"] for h in response.json["hits"]] == ["intern-rutin"]


def test_suggestions_are_for_staff_only(client, imported):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/kunskap/forslag", data={"q": "utomlands"}, headers={"X-CSRFToken": token})
    assert response.status_code == 302


def test_linking_articles_when_saving_puts_them_on_the_timeline(app, client, imported, login_as):
    from supportline.inquiries.service import create_inquiry

    handler = login_as("handler")
    with app.app_context():
        inquiry = create_inquiry(db.session.get(User, handler.id),
                                 valid_payload(linked_articles=["utreseforbud-kort", "orosanmalan-i-skolan"]))
        entries = db.session.scalars(select(TimelineEntry).where(TimelineEntry.inquiry_id == inquiry.id,
                                                                 TimelineEntry.kind == "article_link")).all()
        assert sorted(e.detail["slug"] for e in entries) == ["orosanmalan-i-skolan", "utreseforbud-kort"]
        assert {e.text for e in entries} == {"Utreseförbud i korthet", "Orosanmälan i skolan"}
        inquiry_id = inquiry.id
    page = client.get(f"/arenden/{inquiry_id}").get_data(as_text=True)
    assert '<a href="/kunskap/utreseforbud-kort">Utreseförbud i korthet</a>' in page
    article = client.get("/kunskap/utreseforbud-kort").get_data(as_text=True)
    assert "Länkad i ärenden: 1 gång" in article


def test_an_unknown_article_is_refused_on_the_field(app, imported, create_user):
    import pytest

    from supportline.inquiries.service import InquiryInvalid, create_inquiry

    handler = create_user("handler")
    with app.app_context(), pytest.raises(InquiryInvalid) as info:
        create_inquiry(db.session.get(User, handler.id), valid_payload(linked_articles=["finns-inte"]))
    assert "ingen publicerad artikel" in info.value.errors["linked_articles"]


def test_linking_from_the_timeline_form_by_address(app, client, imported, login_as):
    from supportline.inquiries.service import add_entry, create_inquiry

    handler = login_as("handler")
    with app.app_context():
        actor = db.session.get(User, handler.id)
        inquiry = create_inquiry(actor, valid_payload())
        entry = add_entry(actor, inquiry.id, "article_link", "/kunskap/orosanmalan-i-skolan")
        assert entry.detail == {"slug": "orosanmalan-i-skolan"} and entry.text == "Orosanmälan i skolan"


def test_the_link_count_is_counted_in_the_database_per_article(app, client, imported, login_as):
    """The staff article page counts its links with one indexed query: it no longer reads every
    link of every inquiry (their JSON) to count one article's in Python."""
    from sqlalchemy import event

    from supportline.inquiries.service import add_entry, create_inquiry

    handler = login_as("handler")
    with app.app_context():
        actor = db.session.get(User, handler.id)
        for slugs in (["utreseforbud-kort"], ["utreseforbud-kort", "orosanmalan-i-skolan"], []):
            inquiry = create_inquiry(actor, valid_payload(linked_articles=slugs))
        add_entry(actor, inquiry.id, "article_link", "/kunskap/utreseforbud-kort")
        statements: list[str] = []

        def keep(_conn, _cursor, statement, *_args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", keep)
        try:
            article = client.get("/kunskap/utreseforbud-kort").get_data(as_text=True)
        finally:
            event.remove(db.engine, "before_cursor_execute", keep)
    assert "Länkad i ärenden: 3 gånger" in article
    assert "Länkad i ärenden: 1 gång" in client.get("/kunskap/orosanmalan-i-skolan").get_data(as_text=True)
    assert not [s for s in statements if "inquiry_timeline.detail" in s]
