from sqlalchemy import select

from supportline.extensions import db
from supportline.kb.models import Article
from tests.conftest import csrf_from

FORM = {
    "title": "Ny artikel om förskolan", "slug": "ny-artikel-forskolan",
    "summary": "Förskolan ska anmäla oro direkt.", "topics": ["report_of_concern"], "audiences": ["preschool"],
    "visibility": "public", "sources": "Skolverket | Förskolans ansvar | 2024 | https://www.skolverket.se/",
    "reviewed_on": "2026-11-01", "reviewed_by": "Redaktionen", "body": "## Gör så här\n\nAnmäl oro samma dag.",
    "note": "",
}


def _token(client, path="/kunskap/redaktor/ny"):
    return csrf_from(client.get(path).get_data(as_text=True))


def test_editor_creates_publishes_and_the_public_finds_it(app, client, login_as):
    login_as("editor")
    response = client.post("/kunskap/redaktor/ny", data={**FORM, "csrf_token": _token(client)})
    assert response.status_code == 302
    with app.app_context():
        row = db.session.scalar(select(Article).where(Article.slug == "ny-artikel-forskolan"))
        assert row.status == "draft" and row.sources[0]["year"] == 2024
    anonymous = app.test_client()
    assert anonymous.get("/kunskap/ny-artikel-forskolan").status_code == 404
    token = _token(client, f"/kunskap/redaktor/{row.id}")
    asked = client.post(f"/kunskap/redaktor/{row.id}/status", data={"csrf_token": token, "status": "published"})
    # Publishing asks first: nothing is public until the editor confirms.
    assert asked.status_code == 200 and "Ja, publicera" in asked.get_data(as_text=True)
    assert anonymous.get("/kunskap/ny-artikel-forskolan").status_code == 404
    client.post(f"/kunskap/redaktor/{row.id}/status",
                data={"csrf_token": token, "status": "published", "bekraftat": "ja"})
    assert anonymous.get("/kunskap/ny-artikel-forskolan").status_code == 200
    assert anonymous.get("/api/v1/search?q=förskolan").json["hits"][0]["slug"] == "ny-artikel-forskolan"


def test_invalid_article_comes_back_with_everything_typed(client, login_as):
    login_as("editor")
    data = {**FORM, "csrf_token": _token(client), "sources": "bara en rad utan delar", "slug": "Ogiltig Adress"}
    response = client.post("/kunskap/redaktor/ny", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Källorna kunde inte läsas" in html
    assert "Ny artikel om förskolan" in html and "Anmäl oro samma dag." in html and "bara en rad utan delar" in html


def test_article_without_sources_is_refused(client, login_as):
    login_as("editor")
    response = client.post("/kunskap/redaktor/ny", data={**FORM, "csrf_token": _token(client), "sources": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "minst en källa krävs" in html and "(sources)" not in html


def test_concurrent_edit_shows_both_versions(app, client, login_as, create_user):
    from supportline.kb import service

    login_as("editor")
    client.post("/kunskap/redaktor/ny", data={**FORM, "csrf_token": _token(client)})
    with app.app_context():
        row = db.session.scalar(select(Article).where(Article.slug == "ny-artikel-forskolan"))
        row_id, version = row.id, row.version
        doc = service.to_doc(row)
        doc.body = "## Gör så här\n\nEn annan redaktörs text."
        service.save_article(create_user("editor"), doc, article_id=row_id)
    response = client.post(f"/kunskap/redaktor/{row_id}", data={
        **FORM, "csrf_token": _token(client), "version": str(version), "body": "## Gör så här\n\nMin egen text."})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "En annan redaktörs text." in html and "Min egen text." in html


def test_preview_is_sanitised(client, login_as):
    login_as("editor")
    response = client.post("/kunskap/redaktor/forhandsgranska", data={"body": "# Rubrik\n\n<script>x()</script>"},
                           headers={"X-CSRFToken": _token(client)})
    assert "<h1" in response.json["html"] and "<script" not in response.json["html"]


def _two_versions(app, client) -> int:
    """An article saved twice, the second time with the title "Ändrad rubrik"; returns its id."""
    client.post("/kunskap/redaktor/ny", data={**FORM, "csrf_token": _token(client)})
    with app.app_context():
        row_id = db.session.scalar(select(Article.id).where(Article.slug == "ny-artikel-forskolan"))
    client.post(f"/kunskap/redaktor/{row_id}", data={**FORM, "csrf_token": _token(client), "version": "1",
                                                      "title": "Ändrad rubrik"})
    return row_id


def test_history_shows_diff_and_restores(app, client, login_as):
    login_as("editor")
    row_id = _two_versions(app, client)
    html = client.get(f"/kunskap/redaktor/{row_id}/historik").get_data(as_text=True)
    assert "<ins>+ title: Ändrad rubrik</ins>" in html
    client.post(f"/kunskap/redaktor/{row_id}/historik/1/aterstall", data={"csrf_token": _token(client)})
    with app.app_context():
        assert db.session.get(Article, row_id).title == FORM["title"]


def test_review_list_page(client, login_as, imported):
    login_as("editor")
    response = client.get("/kunskap/redaktor/granskning")
    assert response.status_code == 200


def test_restoring_over_a_published_article_asks_first(app, client, login_as):
    login_as("editor")
    row_id = _two_versions(app, client)
    client.post(f"/kunskap/redaktor/{row_id}/status",
                data={"csrf_token": _token(client), "status": "published", "bekraftat": "ja"})
    asked = client.post(f"/kunskap/redaktor/{row_id}/historik/1/aterstall", data={"csrf_token": _token(client)})
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Ja, återställ version 1" in html and "Avbryt" in html
    with app.app_context():
        assert db.session.get(Article, row_id).title == "Ändrad rubrik"
    client.post(f"/kunskap/redaktor/{row_id}/historik/1/aterstall",
                data={"csrf_token": _token(client), "bekraftat": "ja"})
    with app.app_context():
        assert db.session.get(Article, row_id).title == FORM["title"]


def test_history_times_are_swedish_time(app, client, login_as):
    import datetime as dt

    from supportline.kb.models import ArticleRevision

    login_as("editor")
    client.post("/kunskap/redaktor/ny", data={**FORM, "csrf_token": _token(client)})
    with app.app_context():
        revision = db.session.scalar(select(ArticleRevision))
        # 23:30 UTC in winter is 00:30 the next day in Stockholm.
        revision.created_at = dt.datetime(2026, 1, 14, 23, 30, tzinfo=dt.UTC)
        db.session.commit()
        row_id = revision.article_id
    html = client.get(f"/kunskap/redaktor/{row_id}/historik").get_data(as_text=True)
    assert "2026-01-15 00:30" in html and "UTC" not in html
