"""`kb lint` on small articles: sources, review note, the line's contact."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import knowledge
from knowledge.contact import load_line_contact
from knowledge.lint import ERROR, WARNING, lint_article, lint_directory

STATUTE = knowledge.Source("Riksdagen", "Brottsbalk (SFS 1962:700)", 2024,
                           "https://www.riksdagen.se/sv/dokument-och-lagar/dokument/svensk-forfattningssamling/brottsbalk-1962700_sfs-1962-700/")


def _article(**changes) -> knowledge.Article:
    fields = dict(slug="prov", title="Prov", summary="En sammanfattning.", body="Rådgör med {{stodlinjen}}.",
                  sources=[STATUTE], reviewed_on=dt.date(2026, 12, 6), reviewed_by="Redaktionen",
                  review_note="Granskad mot brottsbalken.")
    fields.update(changes)
    return knowledge.Article(**fields)


def _messages(article, contact=None):
    contact = contact or load_line_contact()
    return [f.message for f in lint_article(article, contact, retired=["010-223 57 60"])]


def test_a_good_article_passes():
    assert _messages(_article()) == []


def test_bare_home_page_is_refused():
    source = knowledge.Source("Riksdagen", "Prop. 2019/20:131", 2020, "https://www.riksdagen.se/")
    assert any("startsida" in m for m in _messages(_article(sources=[source])))


def test_source_without_url_is_refused_unless_a_book():
    assert any("länk (url) saknas" in m for m in _messages(_article(sources=[knowledge.Source("X", "Y", 2020)])))
    book = knowledge.Source("Studentlitteratur", "En bok", 2019, kind="bok")
    assert _messages(_article(sources=[book])) == []
    assert any("förlag" in m for m in _messages(_article(sources=[knowledge.Source("Studentlitteratur", "En bok",
                                                                                  kind="bok")])))


def test_statute_must_link_to_its_statute_page():
    source = knowledge.Source("Regeringen", "Brottsbalk (SFS 1962:700)", 2024, "https://www.regeringen.se/lag/")
    assert any("riksdagen.se eller lagen.nu" in m for m in _messages(_article(sources=[source])))


def test_source_older_than_the_rule_is_refused():
    messages = _messages(_article(in_force_since=dt.date(2025, 7, 1)))
    assert any("äldre än reglerna" in m and "2024" in m for m in messages)
    assert _messages(_article(in_force_since=dt.date(2024, 1, 1))) == []


def test_review_note_is_required():
    assert any("review_note saknas" in m for m in _messages(_article(review_note=None)))


def test_written_out_line_number_is_refused():
    messages = _messages(_article(body="Ring stödtelefonen på 010-223 57 60."))
    assert any("010-223 57 60 är utskrivet" in m for m in messages)
    confirmed = load_line_contact({"phone": "018-471 00 00"})
    assert any("018-471 00 00" in m for m in _messages(_article(body="Ring 018-471 00 00."), confirmed))
    # The other lines of NCK stay written out.
    assert _messages(_article(body="Kvinnofridslinjen (020-50 50 50) och {{stodlinjen}}.")) == []


def test_unknown_placeholder_and_calling_the_phone_placeholder_are_refused():
    assert any("okänd platshållare {{stodlinjen.nummer}}" in m
               for m in _messages(_article(body="Se {{stodlinjen.nummer}}.")))
    assert any("inte \"ring" in m for m in _messages(_article(body="Ring {{stodlinjen.telefon}}.")))


def test_directory_lint_warns_about_the_unconfirmed_contact_and_reports_bad_files(tmp_path: Path):
    (tmp_path / "prov.md").write_text(knowledge.dump_article(_article()), encoding="utf-8")
    (tmp_path / "trasig.md").write_text("ingen metadata\n", encoding="utf-8")
    findings = lint_directory(tmp_path, load_line_contact())
    assert [f.level for f in findings if not f.where] == [WARNING]
    assert "att verifiera" in findings[0].message
    assert [(f.where, f.level) for f in findings if f.where] == [("trasig.md", ERROR)]
    confirmed = {"phone": "018-471 00 00", "hours": "vardagar 9–12", "url": "https://www.nck.uu.se/stodtelefonen/"}
    assert [f for f in lint_directory(tmp_path, load_line_contact(confirmed)) if f.where == ""] == []


def test_placeholders_belong_in_the_body_only():
    assert any("bara i artikeltexten" in m for m in _messages(_article(summary="Kontakta {{stodlinjen}}.")))
