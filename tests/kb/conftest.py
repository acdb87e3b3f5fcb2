import textwrap

import pytest

import knowledge
from supportline.dates import today_local


def article_text(slug="orosanmalan-i-skolan", title="Orosanmälan i skolan", body=None, visibility="public",
                 topics="[report_of_concern, school]", summary="Skolpersonal ska anmäla oro till socialtjänsten."):
    body = body or textwrap.dedent("""\
        ## Gör så här

        Om en elev berättar om tvångsgifte eller hot från familjen ska du göra en orosanmälan samma dag.
        Prata inte med föräldrarna först. Läs också [om utreseförbud](/kunskap/utreseforbud-kort).""")
    return textwrap.dedent(f"""\
        ---
        slug: {slug}
        title: {title}
        summary: {summary}
        topics: {topics}
        audiences: [school]
        visibility: {visibility}
        sources:
        - publisher: Socialstyrelsen
          title: Anmäla oro för barn
          year: 2023
          url: https://www.socialstyrelsen.se/
        reviewed_on: 2026-01-15
        reviewed_by: Redaktionen
        ---
        """) + body + "\n"


@pytest.fixture
def articles_dir(tmp_path):
    directory = tmp_path / "content"
    directory.mkdir()
    (directory / "orosanmalan-i-skolan.md").write_text(article_text(), encoding="utf-8")
    (directory / "utreseforbud-kort.md").write_text(article_text(
        slug="utreseforbud-kort", title="Utreseförbud i korthet", topics="[exit_ban, lvu]",
        summary="Ett utreseförbud kan hindra att ett barn förs utomlands.",
        body="## Gör så här\n\nKontakta socialtjänsten om ett barn riskerar att föras utomlands för att giftas bort."),
        encoding="utf-8")
    (directory / "intern-rutin.md").write_text(article_text(
        slug="intern-rutin", title="Intern rutin för återuppringning", visibility="internal", topics="[method]",
        summary="Så ringer handläggaren tillbaka.", body="## Rutin\n\nRing tillbaka inom en arbetsdag om uppföljning."),
        encoding="utf-8")
    return directory


@pytest.fixture
def imported(app, articles_dir):
    from supportline.kb.service import import_directory, reindex

    with app.app_context():
        import_directory(None, articles_dir)
        reindex()
    return articles_dir


@pytest.fixture
def today():
    return today_local()


__all__ = ["article_text", "knowledge"]



@pytest.fixture
def blocked_index(app):
    """Leave the index neither readable nor buildable: a plain file where its directory was."""
    import shutil
    from pathlib import Path

    directory = Path(app.config["SUPPORTLINE_INDEX_DIR"])
    shutil.rmtree(directory, ignore_errors=True)
    directory.write_text("not an index")
    yield directory
    directory.unlink()
