import pytest
from sqlalchemy import select

import knowledge
from supportline.extensions import db
from supportline.kb.models import Article, ArticleFeedback
from tests.conftest import feedback_token_from, post_feedback
from tests.kb.conftest import article_text


def test_public_start_page_lists_topics_and_articles(client, imported):
    html = client.get("/kunskap/").get_data(as_text=True)
    assert "Orosanmälan i skolan" in html and "Utreseförbud i korthet" in html
    assert "Intern rutin" not in html
    assert 'href="/kunskap/sok?topic=exit_ban"' in html
    # grouped by topic: the exit-ban group lists the exit-ban article
    group = html.split('id="amne-exit_ban"', 1)[1].split("</section>", 1)[0]
    assert "Utreseförbud i korthet" in group and "Orosanmälan i skolan" not in group


def test_search_page_shows_snippets_facets_and_pagination_state(client, imported):
    response = client.get("/kunskap/sok?q=tvångsgifta")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<mark>" in html
    assert '<a href="/kunskap/orosanmalan-i-skolan">Orosanmälan i skolan</a>' in html  # the hit opens its article
    assert "Avgränsa" in html and "Skolans ansvar" in html  # topic facet with its Swedish label


def test_search_page_filters_by_topic(client, imported):
    html = client.get("/kunskap/sok?q=&topic=exit_ban").get_data(as_text=True)
    assert "Utreseförbud i korthet" in html and "Orosanmälan i skolan" not in html


def test_spelling_suggestion(client, imported):
    html = client.get("/kunskap/sok?q=utresefrbud").get_data(as_text=True)
    assert "Visar resultat för <strong>utreseförbud</strong>" in html  # nothing for the typo itself
    html = client.get("/kunskap/sok?q=utresefrbud&exakt=1").get_data(as_text=True)
    assert "Menade du" in html


@pytest.mark.parametrize("query", ['"((', "title:x", "[a TO z]", "*", "??*", "AND", "\x00\x01", "a" * 5000,
                                   "o\u0308sterg\u00f6tland"])
def test_hostile_queries_never_fail(client, imported, query):
    response = client.get("/kunskap/sok", query_string={"q": query})
    assert response.status_code == 200


def test_invalid_utf8_in_the_query_never_fails(client, imported):
    # a lone surrogate as a browser would send it: bytes that are not valid UTF-8
    assert client.get("/kunskap/sok?q=%ED%A0%80").status_code == 200
    assert client.get("/api/v1/search?q=%ED%A0%80%FF").status_code == 200


def test_unknown_topic_gets_a_message_not_a_crash(client, imported):
    response = client.get("/kunskap/sok?q=skola&topic=finns_inte")
    assert response.status_code == 200
    assert "Det valda ämnet eller målgruppen finns inte" in response.get_data(as_text=True)


def test_article_page_shows_sources_review_date_and_related(client, imported):
    html = client.get("/kunskap/orosanmalan-i-skolan").get_data(as_text=True)
    assert "Socialstyrelsen" in html and "Anmäla oro för barn" in html
    assert "Senast granskad" in html and "2026-01-15" in html
    assert 'href="/kunskap/utreseforbud-kort"' in html
    assert "Var detta till hjälp?" in html


def test_a_link_to_an_article_follows_whether_that_article_is_published(client, app, imported, create_user):
    from knowledge.render import BROKEN_LINK_CLASS
    from supportline.kb import service

    broken = f'class="{BROKEN_LINK_CLASS}" href="/kunskap/utreseforbud-kort"'
    editor = create_user("editor")
    html = client.get("/kunskap/orosanmalan-i-skolan").get_data(as_text=True)
    assert 'href="/kunskap/utreseforbud-kort"' in html and broken not in html
    with app.app_context():
        target = db.session.scalar(select(Article).where(Article.slug == "utreseforbud-kort"))
        target_id = target.id
        service.set_status(editor, target, "archived")
    # the same article text, rendered before: now the link is marked as leading nowhere
    assert broken in client.get("/kunskap/orosanmalan-i-skolan").get_data(as_text=True)
    with app.app_context():
        service.set_status(editor, db.session.get(Article, target_id), "published")
    assert broken not in client.get("/kunskap/orosanmalan-i-skolan").get_data(as_text=True)


def test_internal_article_is_invisible_without_login(client, imported, login_as):
    assert client.get("/kunskap/intern-rutin").status_code == 404
    login_as("handler")
    assert client.get("/kunskap/intern-rutin").status_code == 200


def test_malicious_markdown_is_inert_on_the_page(app, client, imported, create_user):
    from supportline.kb import service

    editor = create_user("editor")
    with app.app_context():
        row = db.session.scalar(select(Article).where(Article.slug == "orosanmalan-i-skolan"))
        doc = service.to_doc(row)
        doc.body = ('<script>alert(1)</script>\n\n[klick](javascript:alert(1))\n\n<img src=x onerror="alert(1)">\n\n'
                    '<iframe src="https://evil.example"></iframe>\n\n[data](data:text/html;base64,PHNjcmlwdD4=)')
        service.save_article(editor, doc, article_id=row.id)
    html = client.get("/kunskap/orosanmalan-i-skolan").get_data(as_text=True)
    body = html.split('<div class="article-body">', 1)[1].split("</div>", 1)[0]
    # shown as text at most, never as markup
    for bad in ["<script", "<img", "<iframe", 'href="javascript:', 'href="data:']:
        assert bad not in body


def test_feedback_is_stored_without_personal_data(app, client, imported):
    response = post_feedback(client, "utreseforbud-kort", helpful="nej",
                             comment="Min elev 20121212-1212 behöver hjälp, ring 070-123 45 67")
    response = client.get(response.headers["Location"])
    assert response.status_code == 200
    assert "Tack för ditt svar" in response.get_data(as_text=True)
    with app.app_context():
        stored = db.session.scalar(select(ArticleFeedback.comment))
    assert "20121212-1212" not in stored and "070-123 45 67" not in stored and "[borttaget]" in stored


def test_feedback_needs_an_answer(client, imported):
    response = post_feedback(client, "utreseforbud-kort", comment="Bra text")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Svara ja eller nej." in html and "Bra text" in html


def test_feedback_flood_is_rate_limited(app, client, imported, monkeypatch):
    monkeypatch.setitem(app.config, "SUPPORTLINE_RATELIMIT_ENABLED", True)  # off by default in the tests
    token = feedback_token_from(client.get("/kunskap/utreseforbud-kort").get_data(as_text=True))
    codes = [post_feedback(client, "utreseforbud-kort", token, helpful="ja").status_code for _ in range(12)]
    assert codes[:10] == [302] * 10 and codes[10:] == [429, 429]


def test_editors_see_feedback_comments_but_the_public_does_not(app, client, imported, login_as):
    from supportline.kb import service

    with app.app_context():
        row = db.session.scalar(select(Article).where(Article.slug == "utreseforbud-kort"))
        service.record_feedback(row, False, "Hemlig kommentar till redaktionen")
    assert "Hemlig kommentar" not in client.get("/kunskap/utreseforbud-kort").get_data(as_text=True)
    login_as("editor")
    assert "Hemlig kommentar" in client.get("/kunskap/utreseforbud-kort").get_data(as_text=True)


def test_api_search_and_article(client, imported):
    body = client.get("/api/v1/search?q=utomlands").json
    assert body["hits"][0]["slug"] == "utreseforbud-kort" and body["total"] >= 1
    article = client.get("/api/v1/articles/utreseforbud-kort").json
    assert article["sources"][0]["publisher"] == "Socialstyrelsen" and "<h2" in article["body_html"]
    assert client.get("/api/v1/articles/intern-rutin").status_code == 404
    bad = client.get("/api/v1/search?q=x&topic=nope&page=0")
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"topic", "page"}


def test_openapi_document_describes_the_public_api(client):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.1")
    assert {"/api/v1/search", "/api/v1/articles/{slug}"} <= set(doc["paths"])


def test_healthz_reports_an_index_that_cannot_be_read_or_built(client, blocked_index):
    body = client.get("/healthz?detail").json
    assert body["index"]["ok"] is False and body["status"] == "degraded"
    assert "NotADirectoryError" in body["index"]["sync_error"] or "FileExistsError" in body["index"]["sync_error"]


def test_a_missing_index_is_rebuilt_from_the_database_by_the_next_request(client, app, imported):
    import shutil

    shutil.rmtree(app.config["SUPPORTLINE_INDEX_DIR"], ignore_errors=True)
    body = client.get("/healthz?detail").json
    assert body["status"] == "ok" and body["index"]["documents"] == 3 and body["index"]["lag"] == 0
    assert "utreseforbud-kort" in client.get("/kunskap/sok?q=utomlands").get_data(as_text=True)


def test_openapi_document_describes_the_inquiry_api(client):
    doc = client.get("/api/v1/openapi.json").json
    assert {"get", "post"} <= set(doc["paths"]["/api/v1/inquiries"])
    assert {"get", "patch"} <= set(doc["paths"]["/api/v1/inquiries/{inquiry_id}"])
    assert doc["components"]["schemas"]["Inquiry"]["properties"]["channel"]["enum"] == ["phone", "email", "chat",
                                                                                       "web", "other"]
    assert "post" in doc["paths"]["/api/v1/inquiries/{inquiry_id}/replies"]
    assert "409" in doc["paths"]["/api/v1/inquiries/{inquiry_id}"]["patch"]["responses"]


def test_search_pagination_is_previous_next_and_keeps_the_query(client, app, articles_dir):
    from supportline.kb.service import import_directory, reindex
    from tests.kb.conftest import article_text

    for number in range(1, 13):
        (articles_dir / f"stod-{number:02d}.md").write_text(article_text(
            slug=f"stod-{number:02d}", title=f"Stödsamtal del {number}", topics="[method]",
            summary="Om stödsamtal med unga.", body="## Stödsamtal\n\nStödsamtal med unga som lever med hedersnormer."),
            encoding="utf-8")
    with app.app_context():
        import_directory(None, articles_dir)
        reindex()
    first = client.get("/kunskap/sok?q=stödsamtal&topic=method").get_data(as_text=True)
    assert "Sida 1 av 2" in first and 'rel="prev"' not in first
    assert 'href="/kunskap/sok?q=st%C3%B6dsamtal&amp;topic=method&amp;page=2" rel="next"' in first
    second = client.get("/kunskap/sok?q=stödsamtal&topic=method&page=2").get_data(as_text=True)
    assert "Sida 2 av 2" in second and 'rel="next"' not in second and 'rel="prev"' in second
    assert second.count("<h3><a href=\"/kunskap/stod-") == 2


def test_menade_du_never_confirms_a_word_a_reader_may_not_see(app, client, imported, login_as, auth):
    """An anonymous reader guessing at words of an internal or archived article gets no
    suggestion that confirms them, on the page or in the API."""
    from supportline.kb.service import get_article, save_article, set_status

    editor = login_as("editor")
    with app.app_context():
        for slug, visibility, word in (("hemlig-rutin", "internal", "zorbaflinkel"),
                                       ("gammal-rutin", "public", "blixtrullar")):
            doc = knowledge.parse_article(article_text(slug=slug, title="Rutin", visibility=visibility,
                                                       body=f"Kodordet {word} används i samtal."))
            set_status(editor, save_article(editor, doc), "published")
        set_status(editor, get_article("gammal-rutin"), "archived")
    # Staff may be offered the internal word; the archived one is gone for everyone.
    assert client.get("/api/v1/search", query_string={"q": "Zorbaflinkek skolan"}).get_json()["suggestion"] \
        == "zorbaflinkel skolan"
    assert client.get("/api/v1/search", query_string={"q": "blixtrillar skolan"}).get_json()["suggestion"] is None
    auth.logout()
    for guess in ("Zorbaflinkek skolan", "blixtrillar skolan"):
        assert client.get("/api/v1/search", query_string={"q": guess}).get_json()["suggestion"] is None
        assert "Menade du" not in client.get("/kunskap/sok", query_string={"q": guess}).get_data(as_text=True)
