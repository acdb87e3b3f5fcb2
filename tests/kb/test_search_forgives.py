"""The public search forgives: misspellings, English questions; help pages stay out of the way;
the start page leads each sector to its articles, first steps first. On the shipped guidance."""

from __future__ import annotations

from pathlib import Path

import pytest

CONTENT = Path(__file__).resolve().parents[2] / "knowledge" / "content"


@pytest.fixture(scope="module")
def guidance(migrated_app):
    """The shipped guidance imported and indexed once for this module's tests, which only read it (a
    test's own account stays until the module is done); emptied before any other module's test runs."""
    from supportline.kb.service import import_directory, reindex
    from tests.conftest import empty_tables

    with migrated_app.app_context():
        import_directory(None, CONTENT)
        reindex()
    yield migrated_app
    empty_tables(migrated_app)


@pytest.fixture
def app(guidance):
    return guidance


def results_of(html: str) -> list[str]:
    listing = html.split('class="results-list"', 1)[1].split("</ol>", 1)[0]
    return [part.split('"', 1)[0] for part in listing.split('href="/kunskap/')[1:]]


@pytest.mark.usefixtures("guidance")
def test_a_misspelling_without_hits_shows_the_suggestions_results(client):
    html = client.get("/kunskap/sok", query_string={"q": "tvångsäktenskapp"}).get_data(as_text=True)
    assert "Visar resultat för <strong>tvångsäktenskap</strong>" in html
    assert results_of(html)[0] == "tvangsaktenskap-och-aktenskapstvang"
    # And a way to search the words exactly as written.
    assert 'href="/kunskap/sok?q=tv%C3%A5ngs%C3%A4ktenskapp&amp;exakt=1"' in html
    exact = client.get("/kunskap/sok", query_string={"q": "tvångsäktenskapp", "exakt": "1"}).get_data(as_text=True)
    assert "Inga artiklar hittades" in exact and "Menade du" in exact and "Visar resultat" not in exact


@pytest.mark.usefixtures("guidance")
def test_an_english_question_gets_a_swedish_note_and_swedish_matches(client):
    html = client.get("/kunskap/sok", query_string={
        "q": "What should I do if my student risks tvångsäktenskap"}).get_data(as_text=True)
    assert "Vägledningen finns bara på svenska" in html
    assert "Menade du" not in html
    assert "tvangsaktenskap-och-aktenskapstvang" in results_of(html)[:3]
    for question in ("what should I do if my pupil is forced to marry", "What skuld I do if she is taken abroad"):
        assert client.get("/api/v1/search", query_string={"q": question}).get_json()["suggestion"] is None
        assert "Menade du" not in client.get("/kunskap/sok", query_string={"q": question}).get_data(as_text=True)


@pytest.mark.usefixtures("guidance")
def test_the_help_page_is_no_search_result_unless_asked_for_by_title(client, login_as):
    for query in ("sök vardagliga ord", "råd i ett ärende", "söka råd personnummer"):
        html = client.get("/kunskap/sok", query_string={"q": query}).get_data(as_text=True)
        assert "sa-anvander-du-kunskapsbanken" not in html, query
    asked = client.get("/kunskap/sok", query_string={"q": "så använder du kunskapsbanken"}).get_data(as_text=True)
    assert results_of(asked)[0] == "sa-anvander-du-kunskapsbanken"
    subject = client.get("/kunskap/sok", query_string={"q": "hur söker jag i kunskapsbanken"}).get_data(as_text=True)
    assert "sa-anvander-du-kunskapsbanken" in results_of(subject)[:3]
    login_as("handler")
    from tests.conftest import csrf_from

    token = csrf_from(client.get("/arenden/nytt").get_data(as_text=True))
    hits = client.post("/kunskap/forslag", data={"q": "Hur söker jag efter råd om ett ärende utan personnummer",
                                                 "csrf_token": token}, headers={"X-CSRFToken": token}).get_json()
    assert hits["hits"] and "sa-anvander-du-kunskapsbanken" not in [h["slug"] for h in hits["hits"]]


@pytest.mark.usefixtures("guidance")
@pytest.mark.parametrize(("sector", "first"), [
    ("i skolan", "forsta-steg-skolan"),
    ("i socialtjänsten", "forsta-steg-socialtjansten"),
    ("i hälso- och sjukvården", "forsta-steg-halso-och-sjukvarden"),
    ("inom polisen", "forsta-steg-polisen"),
    ("i civilsamhället", "forsta-steg-civilsamhallet"),
])
def test_browse_by_sector_leads_to_first_steps_first(client, sector, first):
    start = client.get("/kunskap/").get_data(as_text=True)
    link = start.split(f">Jag arbetar {sector}</a>", 1)[0].rsplit('href="', 1)[1].split('"', 1)[0]
    html = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert results_of(html)[0] == first
