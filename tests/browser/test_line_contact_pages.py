"""The line's contact as a reader on a phone sees it: expanded, tappable, accessible."""

from tests.browser.conftest import assert_accessible
from tests.kb.conftest import article_text


def test_a_reader_sees_the_line_expanded_and_can_tap_the_numbers(page, live_server, live_app, tmp_path):
    from supportline.kb.service import import_directory, reindex

    directory = tmp_path / "content"
    directory.mkdir(exist_ok=True)
    (directory / "radgor.md").write_text(article_text(
        slug="radgor", title="Rådgör med stödtelefonen", topics="[method]", summary="Så rådgör du.",
        body="## Rådgör\n\nRådgör med {{stodlinjen}}. Den som är utsatt kan ringa Kvinnofridslinjen, 020-50 50 50."),
        encoding="utf-8")
    with live_app.app_context():
        import_directory(None, directory)
        reindex()
    page.goto(live_server + "/kunskap/radgor")
    body = page.inner_text(".article-body")
    assert "{{" not in body and "Stödtelefonen för yrkesverksamma vid Nationellt centrum för kvinnofrid" in body
    assert page.get_attribute(".article-body a:text('020-50 50 50')", "href") == "tel:+4620505050"
    # The number at NCK is not confirmed in the shipped setting: the footer points to NCK's page.
    footer = page.locator("footer .line-contact")
    assert "telefonnummer och öppettider finns på" in footer.inner_text()
    assert footer.locator("a").get_attribute("href") == "https://www.nck.uu.se/"
    assert page.get_attribute("footer a:text('112')", "href") == "tel:112"
    assert_accessible(page)
