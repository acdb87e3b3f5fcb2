import datetime
from pathlib import Path

import pytest

import knowledge
from knowledge import (
    AUDIENCES,
    TOPICS,
    Article,
    ArticleError,
    Source,
    dump_article,
    load_directory,
    parse_article,
    read_article,
    write_directory,
)

CONTENT = Path(__file__).resolve().parents[2] / "knowledge" / "content"

CANONICAL = """\
---
slug: orosanmalan-vem-ska-anmala
title: 'Orosanmälan: vem ska anmäla och när?'
summary: Den som arbetar med barn ska genast anmäla oro till socialtjänsten.
topics: [report_of_concern, legislation]
audiences: [school, preschool, health]
visibility: public
sources:
- publisher: Socialstyrelsen
  title: Anmäla oro för barn
  year: 2023
  url: https://www.socialstyrelsen.se/
- publisher: Skolverket
  title: Stödmaterial om hedersrelaterat våld
reviewed_on: 2026-11-27
reviewed_by: Redaktionen
---
Anmälan görs **genast**, se [Efter orosanmälan](/kunskap/efter-orosanmalan).

## Vem ska anmäla?

| Yrke | Skyldig |
|------|---------|
| Lärare | ja |
"""

MINIMAL = """\
---
slug: kort
title: Kort artikel
summary: Sammanfattning.
topics: []
audiences: []
visibility: internal
sources:
- publisher: NCK
  title: Kunskapsbanken
reviewed_on: 2025-01-31
---
Text.
"""


def article(**changes) -> Article:
    values = dict(
        slug="exempel",
        title="Exempel",
        summary="En sammanfattning.",
        body="Text om **tvångsäktenskap**.",
        topics=["legislation"],
        audiences=["school"],
        visibility="public",
        sources=[Source("Socialstyrelsen", "Vägledning", 2024, "https://www.socialstyrelsen.se/")],
        reviewed_on=datetime.date(2026, 1, 15),
        reviewed_by="Redaktionen",
    )
    values.update(changes)
    return Article(**values)


def replace_line(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


def test_parse_canonical_article():
    parsed = parse_article(CANONICAL, "a.md")
    assert parsed.slug == "orosanmalan-vem-ska-anmala"
    assert parsed.title == "Orosanmälan: vem ska anmäla och när?"
    assert parsed.topics == ["report_of_concern", "legislation"]
    assert parsed.audiences == ["school", "preschool", "health"]
    assert parsed.sources[0] == Source(
        "Socialstyrelsen", "Anmäla oro för barn", 2023, "https://www.socialstyrelsen.se/"
    )
    assert parsed.sources[1] == Source("Skolverket", "Stödmaterial om hedersrelaterat våld", None, None)
    assert parsed.reviewed_on == datetime.date(2026, 11, 27)
    assert parsed.body.startswith("Anmälan görs **genast**")
    assert not parsed.body.endswith("\n")


@pytest.mark.parametrize("text", [CANONICAL, MINIMAL])
def test_round_trip_of_canonical_text(text):
    assert dump_article(parse_article(text)) == text


def test_round_trip_of_constructed_article():
    original = article(title="Fråga: 'citat' och #hash", summary="yes", reviewed_by=None)
    assert parse_article(dump_article(original)) == original


def test_non_canonical_input_is_normalised():
    messy = "\ufeff" + CANONICAL.replace("\n", "\r\n").replace("## Vem", "\n\n## Vem") + "\n\n\n"
    messy = messy.replace("summary: Den som", "summary: >-\r\n  Den som")
    parsed = parse_article(messy)
    assert parsed.summary.startswith("Den som arbetar")
    assert dump_article(parsed).count("\n\n\n") == 1
    assert parse_article(dump_article(parsed)) == parsed


@pytest.mark.skipif(not any(CONTENT.glob("*.md")), reason="no articles written yet")
def test_content_directory_loads():
    articles = load_directory(CONTENT)
    assert articles
    for item in articles:
        assert set(item.topics) <= set(TOPICS)
        assert set(item.audiences) <= set(AUDIENCES)


@pytest.mark.parametrize("path", sorted(CONTENT.glob("*.md")), ids=lambda p: p.name)
def test_content_files_are_canonical(path):
    text = path.read_text(encoding="utf-8")
    assert dump_article(parse_article(text, path.name)) == text, f"skriv om {path.name} med dump_article"
    assert path.stem == parse_article(text).slug


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("slug: orosanmalan-vem-ska-anmala", "slug: Orosanmälan", 2, "ogiltig slug"),
        ("slug: orosanmalan-vem-ska-anmala", "slug: a--b", 2, "ogiltig slug"),
        ("summary: Den som arbetar med barn ska genast anmäla oro till socialtjänsten.", "summary: ''", 4, "summary"),
        ("audiences: [school, preschool, health]", "audiences: [school, skola]", 6, "okänd kod 'skola'"),
        ("topics: [report_of_concern, legislation]", "topics: [lvu, hrv]", 5, "okänd kod 'hrv'"),
        ("visibility: public", "visibility: hemlig", 7, "visibility"),
        ("  year: 2023", "  year: tjugotjugotre", 11, "årtal"),
        ("  url: https://www.socialstyrelsen.se/", "  url: javascript:alert(1)", 12, "url"),
        ("reviewed_on: 2026-11-27", "reviewed_on: 2026-02-30", 15, "datum"),
        ("reviewed_on: 2026-11-27", "reviewed_on: snart", 15, "reviewed_on"),
        ("reviewed_by: Redaktionen", "reviewed_by: Redaktionen\nreviewer: X", 17, "okänt fält"),
        ("visibility: public", "visibility: public\nslug: igen", 8, "två gånger"),
        ("  title: Anmäla oro för barn", "  title: [Anmäla", 11, "YAML"),
        ("title: 'Orosanmälan: vem ska anmäla och när?'", "title: Orosanmälan: vem?", 3, "YAML"),
    ],
)
def test_errors_name_file_and_line(old, new, line, message):
    with pytest.raises(ArticleError) as info:
        parse_article(replace_line(CANONICAL, old, new), "fel.md")
    error = info.value
    assert error.filename == "fel.md"
    assert error.line == line
    assert message in error.message
    assert str(error).startswith(f"fel.md:{line}: ")


def test_missing_sources_is_an_error():
    text = CANONICAL.split("sources:")[0] + "reviewed_on: 2026-11-27\n---\nText.\n"
    with pytest.raises(ArticleError, match="minst en källa"):
        parse_article(text)


@pytest.mark.parametrize(
    "text",
    [
        "ingen metadata\n",
        "---\nslug: a\n",
        "---\n- en lista\n---\nText\n",
        CANONICAL.split("---\nAnmälan")[0] + "---\n\n  \n",
    ],
)
def test_malformed_files(text):
    with pytest.raises(ArticleError):
        parse_article(text, "x.md")


def test_missing_title_and_body():
    with pytest.raises(ArticleError, match="title saknas"):
        parse_article(CANONICAL.replace("title: 'Orosanmälan: vem ska anmäla och när?'\n", ""))
    with pytest.raises(ArticleError, match="tom") as info:
        parse_article(CANONICAL.split("---\nAnmälan")[0] + "---\n")
    assert info.value.line == 18


def test_dump_refuses_invalid_article():
    with pytest.raises(ArticleError):
        dump_article(article(slug="Inte OK"))
    with pytest.raises(ArticleError):
        dump_article(article(reviewed_on=None))
    with pytest.raises(ArticleError):
        dump_article(article(sources=[]))


def test_write_and_load_directory(tmp_path):
    articles = [article(slug="a", title="A"), article(slug="b", title="B", visibility="internal")]
    write_directory(articles, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md", "b.md"]
    assert load_directory(tmp_path) == articles
    assert read_article(tmp_path / "b.md") == articles[1]


def test_load_directory_names_bad_file(tmp_path):
    write_directory([article(slug="a", title="A")], tmp_path)
    (tmp_path / "b.md").write_text(MINIMAL.replace("slug: kort", "slug: B"), encoding="utf-8")
    with pytest.raises(ArticleError) as info:
        load_directory(tmp_path)
    assert info.value.filename == "b.md"
    assert info.value.line == 2


def test_load_directory_rejects_duplicate_slug_and_title(tmp_path):
    write_directory([article(slug="a", title="Samma titel")], tmp_path)
    (tmp_path / "z.md").write_text(dump_article(article(slug="a", title="Annan")), encoding="utf-8")
    with pytest.raises(ArticleError, match="sluggen 'a' används redan i a.md") as info:
        load_directory(tmp_path)
    assert info.value.filename == "z.md"
    (tmp_path / "z.md").write_text(dump_article(article(slug="z", title="samma TITEL")), encoding="utf-8")
    with pytest.raises(ArticleError, match="titeln") as info:
        load_directory(tmp_path)
    assert info.value.line == 3


def test_non_utf8_file(tmp_path):
    (tmp_path / "a.md").write_bytes(CANONICAL.encode("latin-1", errors="replace"))
    with pytest.raises(ArticleError, match="UTF-8"):
        load_directory(tmp_path)


def test_review_note_in_force_since_and_source_kind_round_trip_in_a_stable_order():
    text = """---
slug: prov
title: Prov
summary: Kort.
topics: []
audiences: []
visibility: public
sources:
- publisher: Studentlitteratur
  title: En bok
  year: 2019
  kind: bok
in_force_since: 2025-07-01
reviewed_on: 2026-12-06
reviewed_by: Redaktionen
review_note: Granskad mot socialtjänstlagen; öppettiderna återstår att verifiera.
---
Text.
"""
    article = knowledge.parse_article(text, "prov.md")
    assert article.review_note.startswith("Granskad mot")
    assert article.in_force_since == datetime.date(2025, 7, 1)
    assert article.sources[0].kind == "bok"
    assert knowledge.dump_article(article) == text


def test_unknown_source_kind_and_bad_in_force_since_are_refused():
    base = "---\nslug: prov\ntitle: Prov\nsummary: Kort.\nsources:\n- publisher: X\n  title: Y\n  kind: {kind}\n" \
           "reviewed_on: 2026-12-06\n{extra}---\nText.\n"
    with pytest.raises(knowledge.ArticleError, match="okänd kind 'film'"):
        knowledge.parse_article(base.format(kind="film", extra=""), "prov.md")
    with pytest.raises(knowledge.ArticleError, match="in_force_since måste vara ett datum"):
        knowledge.parse_article(base.format(kind="bok", extra="in_force_since: snart\n"), "prov.md")


@pytest.mark.parametrize("slug", ["sok", "resurscentrum"])
def test_an_article_cannot_take_the_slug_of_a_site_page(slug):
    text = CANONICAL.replace("slug: orosanmalan-vem-ska-anmala", f"slug: {slug}", 1)
    assert f"slug: {slug}" in text
    with pytest.raises(ArticleError, match="upptagen av en sida"):
        parse_article(text, "a.md")
