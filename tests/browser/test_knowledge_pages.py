import uuid

from supportline.auth.service import create_user
from tests.browser.conftest import assert_accessible, shows
from tests.browser.test_editor_pages import fill_article
from tests.conftest import PASSWORD
from tests.kb.conftest import article_text


def _seed(live_app, tmp_path):
    from supportline.kb.service import import_directory, reindex

    directory = tmp_path / "content"
    directory.mkdir(exist_ok=True)
    (directory / "orosanmalan-i-skolan.md").write_text(article_text(), encoding="utf-8")
    (directory / "utreseforbud-kort.md").write_text(article_text(
        slug="utreseforbud-kort", title="Utreseförbud i korthet", topics="[exit_ban, lvu]",
        summary="Ett utreseförbud kan hindra att ett barn förs utomlands.",
        body="## Gör så här\n\nKontakta socialtjänsten om ett barn riskerar att föras utomlands."), encoding="utf-8")
    with live_app.app_context():
        import_directory(None, directory)
        reindex()


def test_a_professional_searches_reads_and_answers_without_an_account(page, live_server, live_app, tmp_path):
    _seed(live_app, tmp_path)
    page.goto(live_server + "/kunskap/")
    assert_accessible(page)
    page.fill("#q", "tvångsgifte")
    page.keyboard.press("Enter")
    page.wait_for_url("**/kunskap/sok?q=*")
    assert page.locator(".results-list mark").count() >= 1
    assert_accessible(page)
    page.click("text=Orosanmälan i skolan")
    shows(page, "h1", "Orosanmälan i skolan", exact=True)
    shows(page, ".meta", "Senast granskad")
    assert_accessible(page)
    page.check("#helpful-0")
    page.fill("#comment", "Tydligt, tack")
    page.click("text=Skicka")
    # The thanks takes the form's place, where the reader is, not the top of the page.
    thanks = page.locator("#aterkoppling-sektion [role=status]")
    assert "Tack för ditt svar" in thanks.inner_text()
    assert thanks.is_visible() and page.locator("#aterkoppling-sektion form").count() == 0
    box, height = thanks.bounding_box(), page.viewport_size["height"]
    assert 0 <= box["y"] < height, "the thanks is out of sight"
    # Reading and answering set no cookie at all.
    assert page.context.cookies() == []
    assert_accessible(page)


def test_an_editor_writes_with_live_preview_and_publishes(page, live_server, live_app, tmp_path):
    email = f"red-{uuid.uuid4().hex[:6]}@test.invalid"
    with live_app.app_context():
        create_user(None, email, "editor", PASSWORD)
    page.goto(live_server + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(live_server + "/kunskap/redaktor/ny")
    assert_accessible(page)
    slug = f"webbartikel-{uuid.uuid4().hex[:6]}"
    fill_article(page, slug, "Artikel skriven i webbläsaren",
                 "## Förhandsvisad rubrik\n\n<script>window.pwned = 1</script>Text.")
    page.wait_for_selector("#preview h2")  # the live preview arrives without leaving the page
    shows(page, "#preview h2", "Förhandsvisad rubrik", exact=True)
    assert page.evaluate("window.pwned") is None
    page.click("button:text('Spara')")
    shows(page, "[role=status]", "är sparad")
    assert_accessible(page)
    page.click("button:text('Publicera')")
    page.click("button:text('Ja, publicera')")
    page.goto(live_server + f"/kunskap/{slug}")
    shows(page, "h1", "Artikel skriven i webbläsaren", exact=True)
    page.goto(live_server + "/kunskap/redaktor/granskning")
    assert_accessible(page)


def test_a_handler_links_suggested_guidance_while_typing(page, live_server, live_app, tmp_path):
    from tests.browser.test_inquiry_form import _login

    _seed(live_app, tmp_path)
    _login(page, live_server, live_app)
    page.goto(live_server + "/arenden/nytt")
    page.select_option("#caller_sector", "school")
    page.select_option("#municipality_code", "1480")
    page.select_option("#persons-0-age_group", "13-15")
    page.select_option("#persons-0-gender", "girl_woman")
    page.check("text=Tvångsäktenskap")
    page.check("text=Risk- och skyddsbedömning")
    page.fill("#summary", "Flickan ska föras utomlands i sommar för att giftas bort.")
    page.wait_for_selector("#article-suggestion-list input[value=utreseforbud-kort]")  # arrives without leaving
    assert_accessible(page)
    page.check("#link-utreseforbud-kort")
    page.fill("#advice", "Kontakta socialtjänsten i dag.")
    page.click("text=Spara ärendet")
    page.wait_for_url(live_server + "/arenden/*")
    shows(page, "#tidslinje", "Utreseförbud i korthet")
    page.click("#tidslinje >> text=Utreseförbud i korthet")
    shows(page, "h1", "Utreseförbud i korthet", exact=True)
    shows(page, ".staff-box", "Länkad i ärenden: 1 gång")


def test_on_a_phone_the_first_screen_shows_the_search_box(page, live_server, live_app, tmp_path):
    page.set_viewport_size({"width": 375, "height": 812})
    for path in ("/kunskap/", "/kunskap/sok?q=utreseförbud"):
        page.goto(live_server + path)
        for selector in ("#q", ".searchbox button[type=submit]"):
            box = page.locator(selector).bounding_box()
            assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 812, (path, selector, box)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path  # no sideways scrolling
    assert_accessible(page)
