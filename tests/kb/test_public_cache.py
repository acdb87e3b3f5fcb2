"""Public guidance for anonymous readers: no cookie, cacheable by a proxy, 304 on a matching ETag;
staff and anything carrying a session stay private. The feedback form works without a session."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from supportline.extensions import db
from supportline.kb.models import ArticleFeedback
from tests.conftest import SAME_ORIGIN, feedback_token_from, post_feedback

PUBLIC = [
    "/kunskap/",
    "/kunskap/utreseforbud-kort",
    "/kunskap/sok?q=utreseförbud",
    "/api/v1/search?q=utreseförbud",
    "/api/v1/articles/utreseforbud-kort",
]


def feedback_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ArticleFeedback))


@pytest.mark.usefixtures("imported")
@pytest.mark.parametrize("path", PUBLIC)
def test_an_anonymous_reader_gets_a_cacheable_page_and_no_cookie(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "public, max-age=60, stale-while-revalidate=300"
    assert response.headers["Vary"] == "Cookie, Authorization"
    etag = response.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")  # strong

    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"].startswith("public")
    assert "Set-Cookie" not in again.headers
    assert client.get(path, headers={"If-None-Match": '"something-else"'}).status_code == 200
    # A copy gzipped by the proxy carries the weak form of the same tag.
    assert client.get(path, headers={"If-None-Match": f'"x", W/{etag}'}).status_code == 304


@pytest.mark.usefixtures("imported")
def test_the_etag_follows_what_the_page_shows(app, client, login_as):
    from supportline.kb.service import get_article, save_article, set_status, to_doc

    path = "/kunskap/orosanmalan-i-skolan"
    first = client.get(path)
    assert client.get(path).headers["ETag"] == first.headers["ETag"]  # the same page, the same tag
    editor = login_as("editor")
    with app.app_context():
        row = get_article("orosanmalan-i-skolan")
        doc = to_doc(row)
        doc.title = "Orosanmälan i skolan – ny rubrik"
        save_article(editor, doc, article_id=row.id)
    reader = app.test_client()
    changed = reader.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and "Orosanmälan i skolan – ny rubrik" in changed.get_data(as_text=True)
    with app.app_context():
        set_status(editor, get_article("orosanmalan-i-skolan"), "archived")
    assert reader.get(path, headers={"If-None-Match": changed.headers["ETag"]}).status_code == 404


@pytest.mark.usefixtures("imported")
@pytest.mark.parametrize("path", PUBLIC)
def test_staff_and_any_session_get_private_pages(app, client, login_as, path):
    login_as("handler")
    staff = client.get(path)
    assert staff.status_code == 200
    assert staff.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in staff.headers
    # A session cookie that names no live session still says "not for a shared cache".
    stranger = app.test_client()
    stranger.set_cookie("supportline_session", "anything", domain="localhost")
    assert stranger.get(path).headers["Cache-Control"] == "private, no-store"
    bearer = app.test_client().get(path, headers={"Authorization": "Bearer not-a-token"})
    assert bearer.headers["Cache-Control"] == "private, no-store"


@pytest.mark.usefixtures("imported")
def test_internal_articles_never_reach_a_shared_cache(client, login_as):
    login_as("handler")
    response = client.get("/kunskap/intern-rutin")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"


@pytest.mark.usefixtures("imported")
def test_other_pages_keep_no_store(client):
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    assert client.get("/kunskap/redaktor/").headers["Cache-Control"] == "no-store"


def test_the_rules_cover_the_resource_centre_directory_by_path():
    from supportline.kb.caching import public_path

    assert public_path("/kunskap/resurscentrum") and public_path("/kunskap/resurscentrum/gavleborg")
    assert not public_path("/kunskap/redaktor/1") and not public_path("/arenden")


# --- "Var detta till hjälp?" without a session ---------------------------------------------------

@pytest.mark.usefixtures("imported")
def test_feedback_needs_no_cookie_and_the_thanks_shows_where_the_form_was(app, client):
    response = post_feedback(client, "utreseforbud-kort", helpful="ja", comment="Tydlig text")
    assert response.status_code == 302 and "Set-Cookie" not in response.headers
    assert response.headers["Location"].endswith("/kunskap/utreseforbud-kort?tack=1#aterkoppling")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    section = page.split('id="aterkoppling-sektion"', 1)[1].split("</section>", 1)[0]
    assert "Tack för ditt svar!" in section and "<form" not in section
    assert client.get_cookie("supportline_session") is None
    assert feedback_count(app) == 1


@pytest.mark.usefixtures("imported")
@pytest.mark.parametrize("headers", [
    {"Origin": "https://angripare.example"},
    {"Referer": "https://angripare.example/sida"},
    {},  # neither: not a post from one of our pages either
], ids=["foreign-origin", "foreign-referer", "no-origin"])
def test_a_cross_site_feedback_post_is_refused_and_the_text_kept(app, client, headers):
    response = post_feedback(client, "utreseforbud-kort", headers=headers, helpful="nej", comment="Min kommentar")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "togs inte emot" in html and "Min kommentar" in html
    assert feedback_count(app) == 0


@pytest.mark.usefixtures("imported")
def test_a_same_site_referer_is_enough_when_the_browser_sends_no_origin(app, client):
    response = post_feedback(client, "utreseforbud-kort", headers={"Referer": "http://localhost/kunskap/x"},
                             helpful="ja")
    assert response.status_code == 302 and feedback_count(app) == 1


@pytest.mark.usefixtures("imported")
def test_a_forged_or_old_form_token_is_refused(app, client, monkeypatch):
    from supportline.kb import caching

    forged = post_feedback(client, "utreseforbud-kort", token="fel", helpful="ja")
    assert forged.status_code == 400
    other_article = feedback_token_from(client.get("/kunskap/orosanmalan-i-skolan").get_data(as_text=True))
    assert post_feedback(client, "utreseforbud-kort", token=other_article, helpful="ja").status_code == 400
    with app.test_request_context():
        old = caching.feedback_token("utreseforbud-kort", now=time.time() - 25 * 3600)
        recent = caching.feedback_token("utreseforbud-kort", now=time.time() - 23 * 3600)
    response = post_feedback(client, "utreseforbud-kort", token=old, helpful="nej", comment="Skriven i går")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "öppen länge" in html and "Skriven i går" in html
    # The page offers a fresh token, so sending again works.
    assert post_feedback(client, "utreseforbud-kort", token=feedback_token_from(html), helpful="nej",
                         headers=SAME_ORIGIN).status_code == 302
    assert post_feedback(client, "utreseforbud-kort", token=recent, helpful="ja").status_code == 302
    assert feedback_count(app) == 2


@pytest.mark.usefixtures("imported")
def test_the_start_page_says_reading_sets_no_cookie(client):
    assert "sätter ingen kaka" in client.get("/kunskap/").get_data(as_text=True)


@pytest.mark.usefixtures("imported")
def test_views_are_written_together_not_one_transaction_per_read(app, client, monkeypatch):
    from supportline.kb.models import Article
    from supportline.kb.service import write_views

    def views() -> int:
        with app.app_context():
            return db.session.scalar(select(Article.views).where(Article.slug == "utreseforbud-kort"))

    client.get("/kunskap/utreseforbud-kort")
    assert views() == 1  # the tests write at once (SUPPORTLINE_VIEW_FLUSH_SECONDS=0)
    monkeypatch.setitem(app.config, "SUPPORTLINE_VIEW_FLUSH_SECONDS", 3600)
    with app.app_context():
        write_views()  # starts the hour
    for _ in range(3):
        client.get("/kunskap/utreseforbud-kort")
    assert views() == 1
    with app.app_context():
        write_views()
    assert views() == 4


@pytest.mark.usefixtures("imported")
def test_a_repeated_anonymous_read_is_served_from_the_kept_copy_and_still_counted(app, client, login_as):
    from flask import template_rendered

    from supportline.kb.models import Article
    from supportline.kb.service import get_article, save_article, to_doc

    rendered = []

    def record(sender, template, context, **extra):
        rendered.append(template.name)

    path = "/kunskap/utreseforbud-kort"
    with template_rendered.connected_to(record, app):
        first = client.get(path)
        second = client.get(path)
        assert rendered == ["kb/article.html"]  # once: the second read is the kept copy
        assert second.data == first.data and second.headers["ETag"] == first.headers["ETag"]
        assert second.headers["Cache-Control"].startswith("public") and "Set-Cookie" not in second.headers
        with app.app_context():
            assert db.session.scalar(select(Article.views).where(Article.slug == "utreseforbud-kort")) == 2
            row = get_article("utreseforbud-kort")
            doc = to_doc(row)
            doc.summary = "En ny sammanfattning."
            save_article(None, doc, article_id=row.id)
        assert "En ny sammanfattning." in client.get(path).get_data(as_text=True)
        assert rendered == ["kb/article.html"] * 2
        staff = app.test_client()
        staff.set_cookie("supportline_session", "x", domain="localhost")
        staff.get(path)
        assert rendered == ["kb/article.html"] * 3  # never the anonymous copy
