"""The line's contact on pages, in search and in the editor; the lint; an import that keeps
what editors changed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from supportline.extensions import db
from supportline.hours.service import set_weekly_hours
from supportline.kb import service
from supportline.kb.models import Article
from tests.conftest import csrf_from
from tests.kb.conftest import article_text

CONFIRMED = {"phone": "018-471 00 00", "url": "https://www.nck.uu.se/stodlinje/"}
BODY = "## Rådgör\n\nRådgör med {{stodlinjen}} utan att uppge namn eller personnummer. Akut: ring 112."


@pytest.fixture
def contact_dir(articles_dir):
    (articles_dir / "radgor.md").write_text(article_text(
        slug="radgor", title="Rådgör med stödtelefonen", topics="[method]", summary="Så rådgör du.", body=BODY),
        encoding="utf-8")
    return articles_dir


@pytest.fixture
def with_contact(app, contact_dir):
    with app.app_context():
        service.import_directory(None, contact_dir)
        service.reindex()
    return contact_dir


def _confirm(app, monkeypatch):
    """The operator confirms the number and page (settings) and an admin the hours (Saturdays
    10–14, in the database as /admin/oppettider keeps them)."""
    monkeypatch.setitem(app.config, "SUPPORTLINE_LINE_CONTACT", CONFIRMED)
    with app.app_context():
        set_weekly_hours(None, {5: (600, 840)}, confirmed=True)


def test_article_page_expands_the_placeholder_and_links_phone_numbers(app, client, with_contact, monkeypatch):
    html = client.get("/kunskap/radgor").get_data(as_text=True)
    assert "{{" not in html and "Stödtelefonen för yrkesverksamma vid Nationellt centrum för kvinnofrid" in html
    assert "010-223 57 60" not in html
    assert '<a href="tel:112">112</a>' in html
    # A changed setting shows on the next request, although the rendered body is cached.
    _confirm(app, monkeypatch)
    html = client.get("/kunskap/radgor").get_data(as_text=True)
    assert '<a href="tel:+46184710000">018-471 00 00</a>' in html and "lördag kl. 10–14" in html


def test_footer_and_search_page_show_the_setting(app, client, monkeypatch):
    html = client.get("/kunskap/sok").get_data(as_text=True)
    assert "010-223 57 60" not in html
    assert html.count('href="https://www.nck.uu.se/"') >= 2  # footer and the search page's own note
    _confirm(app, monkeypatch)
    html = client.get("/tillganglighet").get_data(as_text=True)
    assert '<a href="tel:+46184710000">018-471 00 00</a>, lördag kl. 10–14.' in html


def test_search_indexes_the_expanded_text_and_follows_a_changed_setting(app, with_contact, monkeypatch):
    with app.app_context():
        hits = service.search("kvinnofrid").hits
        assert [h.slug for h in hits] == ["radgor"]
        assert "{{" not in hits[0].snippet_html
        assert service.search("lördag").hits == []
    _confirm(app, monkeypatch)
    with app.app_context():
        assert [h.slug for h in service.search("lördag").hits] == ["radgor"]


def test_api_gives_the_expanded_text(client, with_contact):
    data = client.get("/api/v1/articles/radgor").json
    assert "{{" not in data["body_markdown"] and "Nationellt centrum för kvinnofrid" in data["body_markdown"]


def test_editor_says_what_to_verify_and_saves_the_review_note(app, client, login_as, with_contact, monkeypatch):
    login_as("editor")
    with app.app_context():
        row = db.session.scalar(select(Article).where(Article.slug == "radgor"))
    page = client.get(f"/kunskap/redaktor/{row.id}").get_data(as_text=True)
    assert "Att verifiera" in page and "telefonnummer, öppettider" in page
    form = {"csrf_token": csrf_from(page), "version": str(row.version), "title": row.title, "slug": row.slug,
            "summary": row.summary, "topics": ["method"], "audiences": ["school"], "visibility": "public",
            "sources": "Riksdagen | Socialtjänstlag (SFS 2025:400) | 2025 | https://lagen.nu/2025:400\n"
                       "Studentlitteratur | En handbok | 2024 | bok",
            "reviewed_on": "2026-12-06", "reviewed_by": "Redaktionen", "in_force_since": "2025-07-01",
            "review_note": "Granskad mot socialtjänstlagen; NCK:s nummer återstår att verifiera.",
            "body": row.body, "note": ""}
    assert client.post(f"/kunskap/redaktor/{row.id}", data=form).status_code == 302
    with app.app_context():
        row = db.session.get(Article, row.id)
        assert row.review_note.startswith("Granskad mot socialtjänstlagen")
        assert row.in_force_since.isoformat() == "2025-07-01"
        assert row.sources[1] == {"publisher": "Studentlitteratur", "title": "En handbok", "year": 2024,
                                  "url": None, "kind": "bok"}
    page = client.get(f"/kunskap/redaktor/{row.id}").get_data(as_text=True)
    assert "NCK:s nummer återstår att verifiera" in page and "En handbok | 2024 | bok" in page
    staff_view = client.get("/kunskap/radgor").get_data(as_text=True)
    assert "Granskningsanteckning" in staff_view
    public_view = app.test_client().get("/kunskap/radgor").get_data(as_text=True)
    assert "Granskningsanteckning" not in public_view and "gäller från" in public_view
    _confirm(app, monkeypatch)
    assert "Att verifiera" not in client.get(f"/kunskap/redaktor/{row.id}").get_data(as_text=True)


def test_editor_refuses_an_unknown_placeholder_and_keeps_the_text(app, client, login_as):
    login_as("editor")
    page = client.get("/kunskap/redaktor/ny").get_data(as_text=True)
    form = {"csrf_token": csrf_from(page), "title": "Prov", "slug": "prov", "summary": "Kort.",
            "visibility": "public", "sources": "Socialstyrelsen | Anmäla oro | 2024 | https://www.socialstyrelsen.se/a/",
            "reviewed_on": "2026-12-06", "body": "Kontakta {{stodlinjen.fax}} i dag.", "note": ""}
    response = client.post("/kunskap/redaktor/ny", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Okänd platshållare {{stodlinjen.fax}}" in html and "Kontakta {{stodlinjen.fax}} i dag." in html


def test_kb_lint_reports_problems_and_what_to_verify(runner, contact_dir):
    result = runner.invoke(args=["kb", "lint", str(contact_dir)])
    assert result.exit_code == 1
    assert "att verifiera: telefonnummer" in result.output
    assert "radgor: fel: review_note saknas" in result.output
    assert "https://www.socialstyrelsen.se/ är en startsida" in result.output


def test_handover_readme_names_the_line_from_the_setting(app, monkeypatch):
    from supportline.handover.content import readme_text

    _confirm(app, monkeypatch)
    with app.app_context():
        text = readme_text()
    assert "telefon 018-471 00 00, lördag kl. 10–14" in text and "010-223 57 60" not in text


# --- import never overwrites what editors changed ------------------------------------------

def _row(slug):
    return db.session.scalar(select(Article).where(Article.slug == slug))


def test_import_keeps_an_editors_change_and_an_archived_article(app, imported, create_user):
    editor = create_user("editor")
    with app.app_context():
        doc = service.to_doc(_row("orosanmalan-i-skolan"))
        doc.summary = "Redaktörens nya sammanfattning."
        service.save_article(editor, doc, article_id=_row("orosanmalan-i-skolan").id)
        service.set_status(editor, _row("intern-rutin"), "archived")
    for path in imported.glob("*.md"):
        path.write_text(path.read_text(encoding="utf-8").replace("2026-01-15", "2026-02-01"), encoding="utf-8")
    with app.app_context():
        report = service.import_directory(None, imported)
        assert report.updated == ["utreseforbud-kort"]
        assert dict(report.skipped) == {
            "orosanmalan-i-skolan": "ändrad i redaktören efter importen (version 2)",
            "intern-rutin": "arkiverad i redaktören (version 2)",
        }
        assert _row("orosanmalan-i-skolan").summary == "Redaktörens nya sammanfattning."
        assert _row("intern-rutin").status == "archived"
        assert _row("utreseforbud-kort").reviewed_on.isoformat() == "2026-02-01"
        # The imported article stays the imported one, so the next import may update it again.
        assert service.import_directory(None, imported).unchanged == ["utreseforbud-kort"]


def test_import_does_not_overwrite_an_article_made_in_the_editor(app, articles_dir, create_user):
    editor = create_user("editor")
    with app.app_context():
        doc = service.knowledge.parse_article(article_text(summary="Skriven i redaktören."))
        service.save_article(editor, doc)
        report = service.import_directory(None, articles_dir)
        assert report.skipped == [("orosanmalan-i-skolan",
                                   "inte skriven av en import (skapad i redaktören eller överlämnad)")]
        assert _row("orosanmalan-i-skolan").summary == "Skriven i redaktören."


def test_cli_import_says_what_it_skipped(app, runner, imported, create_user):
    editor = create_user("editor")
    with app.app_context():
        service.set_status(editor, _row("intern-rutin"), "archived")
    result = runner.invoke(args=["kb", "import", str(imported)])
    assert result.exit_code == 0
    assert "1 överhoppade" in result.output
    assert "intern-rutin: arkiverad i redaktören" in result.output


def test_the_migration_counts_only_articles_last_written_by_an_import_as_imported(app, imported, create_user):
    from flask_migrate import downgrade, upgrade

    editor = create_user("editor")
    with app.app_context():
        doc = service.to_doc(_row("orosanmalan-i-skolan"))
        doc.summary = "Ändrad före uppgraderingen."
        service.save_article(editor, doc, article_id=_row("orosanmalan-i-skolan").id)
        db.session.remove()
        downgrade(revision="0012")
        upgrade()
        db.engine.dispose()
        assert _row("utreseforbud-kort").imported_version == 1
        assert _row("orosanmalan-i-skolan").imported_version is None
        report = service.import_directory(None, imported)
        assert [slug for slug, _why in report.skipped] == ["orosanmalan-i-skolan"]


def test_a_request_keeps_its_contact_until_the_hours_change_in_it(app):
    from supportline.kb.contact import line_contact

    with app.test_request_context("/kunskap/"):
        set_weekly_hours(None, {0: (540, 720)}, confirmed=True)
        first = line_contact()
        assert line_contact() is first  # asked a dozen times a page: made once
        assert first.hours == "måndag kl. 9–12"
        set_weekly_hours(None, {1: (780, 900)}, confirmed=True)
        changed = line_contact()
        assert changed is not first and changed.hours == "tisdag kl. 13–15"
