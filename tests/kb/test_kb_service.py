
import pytest
from sqlalchemy import select

import knowledge
from supportline.audit.models import AuditEvent
from supportline.extensions import db
from supportline.kb import service
from supportline.kb.models import Article
from tests.kb.conftest import article_text


def test_import_then_export_reproduces_the_files(app, imported, tmp_path):
    out = tmp_path / "export"
    with app.app_context():
        service.export_directory(out)
    for path in imported.glob("*.md"):
        assert (out / path.name).read_text(encoding="utf-8") == path.read_text(encoding="utf-8")


def test_import_is_idempotent_and_keeps_revisions(app, imported):
    with app.app_context():
        report = service.import_directory(None, imported)
        assert report.created == [] and report.updated == [] and len(report.unchanged) == 3
        row = db.session.scalar(select(Article).where(Article.slug == "orosanmalan-i-skolan"))
        assert [r.number for r in row.revisions] == [1]


def test_a_bad_file_stops_the_whole_import(app, articles_dir):
    (articles_dir / "trasig.md").write_text(article_text(slug="trasig", title="Trasig").replace(
        "reviewed_on: 2026-01-15", "reviewed_on: inte-ett-datum"), encoding="utf-8")
    with app.app_context():
        with pytest.raises(knowledge.ArticleError) as info:
            service.import_directory(None, articles_dir)
        db.session.rollback()
        assert db.session.scalar(select(db.func.count()).select_from(Article)) == 0
    assert info.value.filename == "trasig.md" and info.value.line is not None


def test_cli_import_names_the_file_and_line_and_imports_nothing(app, runner, articles_dir):
    (articles_dir / "trasig.md").write_text("---\nslug: trasig\ntitle: [oavslutad\n---\ntext\n", encoding="utf-8")
    result = runner.invoke(args=["kb", "import", str(articles_dir)])
    assert result.exit_code == 1
    assert "Inget importerades" in result.output and "trasig.md:" in result.output
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Article)) == 0


def test_cli_import_export_and_reindex(app, runner, articles_dir, tmp_path):
    result = runner.invoke(args=["kb", "import", str(articles_dir)])
    assert result.exit_code == 0 and "3 nya" in result.output
    result = runner.invoke(args=["kb", "export", str(tmp_path / "ut")])
    assert result.exit_code == 0 and "3 artiklar" in result.output
    assert runner.invoke(args=["kb", "reindex"]).output.startswith("Sökindexet är ombyggt med 3")


def test_editing_keeps_every_revision_and_restores_one(app, imported, create_user):
    editor = create_user("editor")
    with app.app_context():
        row = db.session.scalar(select(Article).where(Article.slug == "orosanmalan-i-skolan"))
        doc = service.to_doc(row)
        doc.title = "Orosanmälan i skolan – ny rubrik"
        service.save_article(editor, doc, article_id=row.id, expected_version=row.version, note="Ny rubrik")
        row = db.session.get(Article, row.id)
        assert [r.number for r in row.revisions] == [1, 2]
        diff = service.revision_diff(row, 2)
        assert ("-", "title: Orosanmälan i skolan") in diff
        assert ("+", "title: Orosanmälan i skolan – ny rubrik") in diff
        service.restore_revision(editor, row, 1)
        row = db.session.get(Article, row.id)
        assert row.title == "Orosanmälan i skolan" and len(row.revisions) == 3
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "article")).all()
        assert actions.count("article.update") == 2


def test_stale_version_is_a_conflict(app, imported, create_user):
    editor = create_user("editor")
    with app.app_context():
        row = db.session.scalar(select(Article).where(Article.slug == "orosanmalan-i-skolan"))
        doc = service.to_doc(row)
        service.save_article(editor, doc, article_id=row.id, expected_version=row.version)
        with pytest.raises(service.ArticleConflict):
            service.save_article(editor, doc, article_id=row.id, expected_version=1)


def test_slug_clash_is_refused_in_swedish(app, imported, create_user):
    editor = create_user("editor")
    with app.app_context():
        doc = knowledge.parse_article(article_text(title="Annan rubrik"))
        with pytest.raises(service.ArticleInvalid) as info:
            service.save_article(editor, doc)
    assert "används redan" in info.value.errors["slug"]


def test_search_uses_the_index_and_follows_publishing(app, imported, create_user):
    editor = create_user("editor")
    with app.app_context():
        hits = service.search("tvångsgifte").hits
        assert {h.slug for h in hits} >= {"orosanmalan-i-skolan"}
        row = db.session.scalar(select(Article).where(Article.slug == "utreseforbud-kort"))
        service.set_status(editor, row, "archived")
        assert "utreseforbud-kort" not in {h.slug for h in service.search("utomlands").hits}
        service.set_status(editor, row, "published")
        assert "utreseforbud-kort" in {h.slug for h in service.search("utomlands").hits}


def test_internal_articles_only_for_staff_search(app, imported):
    with app.app_context():
        assert service.search("återuppringning").total == 0
        assert service.search("återuppringning", include_internal=True).hits[0].slug == "intern-rutin"


def test_an_index_that_cannot_be_read_or_built_falls_back_to_the_database(app, imported, blocked_index):
    with app.app_context():
        results = service.search("utomlands")
        assert results.degraded is True
        assert [h.slug for h in results.hits] == ["utreseforbud-kort"]
        assert service.search("återuppringning").total == 0  # internal stays hidden in the fallback too


def test_review_list_names_old_reviews_and_no_answers(app, imported):
    import datetime as dt

    with app.app_context():
        row = db.session.scalar(select(Article).where(Article.slug == "utreseforbud-kort"))
        service.record_feedback(row, False, "Saknar information om gränsen")
        due = service.due_for_review(today=dt.date(2026, 6, 1))
        assert [d["article"].slug for d in due] == ["utreseforbud-kort"]
        due = service.due_for_review(today=dt.date(2027, 2, 1))
        assert len(due) == 3
        assert any("äldre än 12 månader" in r for r in due[0]["reasons"])


def test_the_history_compares_audiences_and_topics_as_sets(app, imported, create_user):
    editor = create_user("editor")
    with app.app_context():
        row = db.session.scalar(select(Article).where(Article.slug == "orosanmalan-i-skolan"))
        doc = service.to_doc(row)
        doc.audiences = ["school", "preschool"]
        service.save_article(editor, doc, article_id=row.id, expected_version=row.version)
        row = db.session.get(Article, row.id)
        doc = service.to_doc(row)
        doc.audiences = ["preschool", "school"]
        doc.title = "Orosanmälan i skolan – ny ordning"
        service.save_article(editor, doc, article_id=row.id, expected_version=row.version)
        row = db.session.get(Article, row.id)
        changed = [text for sign, text in service.revision_diff(row, len(row.revisions)) if sign in "+-"]
        assert changed and all(text.startswith("title:") for text in changed), changed
