"""The resource-centre directory and the inquiry form's referral hint."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import pytest
from flask_migrate import upgrade
from sqlalchemy import delete, func, select, text

from supportline.audit.models import AuditEvent
from supportline.extensions import db
from supportline.stats.centres import save_centre, seed_centres
from supportline.stats.models import ResourceCentre
from supportline.stats.seed_data import COUNTY_NAMES
from tests.conftest import BACKENDS, csrf_from, make_app, scratch_pg_database


@contextmanager
def _empty_database(backend: str, tmp_path):
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'upgrade.db'}"
    else:
        with scratch_pg_database("supportline_centres") as url:
            yield url.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.mark.parametrize("backend", BACKENDS)
def test_migration_brings_the_first_directory_to_the_researched_seed(backend, tmp_path):
    """Upgrading an installation whose directory 0005 filled: untouched rows take the researched
    seed, a row a coordinator saved stays exactly as it was, and no county gets a second row."""
    with _empty_database(backend, tmp_path) as url:
        _upgrade_from_0005(make_app(url, tmp_path))


def _upgrade_from_0005(app):
    with app.app_context():
        upgrade(revision="0005")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO users (id, email, name, role, password_hash, active, created_at, "
                              "password_changed_at) VALUES (1, 'c@test.invalid', '', 'coordinator', 'x', true, "
                              "'2026-01-01', '2026-01-01')"))
            conn.execute(text("UPDATE resource_centres SET name = 'Eget namn', contact = '0470-00 00 00', "
                              "updated_by_id = 1 WHERE county_code = '19'"))
        upgrade()
        rows = db.session.scalars(select(ResourceCentre)).all()
        assert sorted(r.county_code for r in rows) == sorted(COUNTY_NAMES)
        gbg = next(r for r in rows if r.county_code == "14")
        assert (gbg.name, gbg.host_organisation, gbg.seed_key, gbg.seeded) == (
            "Regionalt stödcentrum heder", "Göteborgs Stad (Socialförvaltningen Centrum)",
            "14-regionalt-stodcentrum-heder", True)
        assert "1384" in gbg.code_list and gbg.verified_on == dt.date(2026, 12, 6)
        mine = next(r for r in rows if r.county_code == "19")
        assert (mine.name, mine.contact, mine.seeded, mine.offers) == ("Eget namn", "0470-00 00 00", False, "")
        # nothing guessed: no phone or hours were published in the sources
        assert all(r.phone == "" and r.hours == "" for r in rows)
        assert sorted(r.county_code for r in rows if r.active) == ["03", "07", "12", "14", "19", "20", "21",
                                                                   "22", "25"]
        assert all(r.needs_verification for r in rows if not r.active)
        db.session.remove()
        db.engine.dispose()


def test_seed_is_idempotent_and_never_overwrites_a_coordinators_edit(app, login_as):
    coordinator = login_as("coordinator")
    with app.app_context():
        db.session.execute(delete(ResourceCentre))
        db.session.commit()
        assert seed_centres() == {"inserted": 21, "updated": 0, "unchanged": 0, "kept": 0}
        assert seed_centres() == {"inserted": 0, "updated": 0, "unchanged": 21, "kept": 0}
        row = db.session.scalars(select(ResourceCentre).where(ResourceCentre.county_code == "19")).one()
        save_centre(coordinator, row.id, {
            "county_code": "19", "name": row.name, "status": "established", "phone": "021-39 00 00",
            "hours": "Vardagar 8–16", "sources": row.sources, "whole_county": "y", "needs_verification": ""})
        untouched = db.session.scalars(select(ResourceCentre).where(ResourceCentre.county_code == "07")).one()
        untouched.name = "Ändrat utan att sparas av en samordnare"  # e.g. an older seed's text
        db.session.commit()
        assert seed_centres() == {"inserted": 0, "updated": 1, "unchanged": 19, "kept": 1}
        db.session.expire_all()
        edited = db.session.get(ResourceCentre, row.id)
        assert (edited.phone, edited.hours, edited.seeded) == ("021-39 00 00", "Vardagar 8–16", False)
        assert db.session.get(ResourceCentre, untouched.id).name.startswith("Resurscentrum mot hedersrelaterat")
        assert db.session.scalar(select(func.count()).select_from(ResourceCentre)) == 21


def test_coordinator_edits_a_centre(app, client, login_as):
    with app.app_context():
        seed_centres()
        centre_id = db.session.scalar(select(ResourceCentre.id).where(ResourceCentre.county_code == "21"))
    user = login_as("coordinator")
    page = client.get(f"/admin/resurscentrum/{centre_id}")
    token = csrf_from(page.get_data(as_text=True))
    form = {"csrf_token": token, "county_code": "21", "name": "", "host_organisation": "Region Gävleborg",
            "contact": "010-000 00 00", "status": "established", "since": "2018-03-01", "note": "Kontrollerat."}
    bad = client.post(f"/admin/resurscentrum/{centre_id}", data=form)
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "Ange resurscentrumets namn." in html and "Region Gävleborg" in html  # nothing typed is lost
    form["name"] = "Resurscentrum Gävleborg"
    assert client.post(f"/admin/resurscentrum/{centre_id}", data=form).status_code == 302
    with app.app_context():
        centre = db.session.get(ResourceCentre, centre_id)
        assert (centre.name, centre.needs_verification, centre.updated_by_id) == (
            "Resurscentrum Gävleborg", False, user.id)
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "resource_centre.update")).one()
        assert event.object_id == str(centre_id)
    created = client.post("/admin/resurscentrum/", data={**form, "county_code": "01", "name": "Nytt centrum",
                                                         "status": "developing", "needs_verification": "y"})
    assert created.status_code == 302
    assert client.get("/admin/resurscentrum/999999").status_code == 404


def test_inquiry_form_names_the_county_centre(app, client, login_as):
    with app.app_context():
        seed_centres()
    login_as("handler")
    html = client.get("/arenden/nytt").get_data(as_text=True)
    assert 'id="referral-centre"' in html and "Välj län ovan" in html
    assert "&#34;21&#34;: [{&#34;contact&#34;" in html  # every county's centres, as data for the script
    token = csrf_from(html)
    # a form sent back with an error keeps the county, and the hint names its centre
    again = client.post("/arenden/nytt", data={"csrf_token": token, "county_code": "21", "channel": "phone",
                                               "caller_type": "professional", "urgency": "normal",
                                               "status": "open", "action": "add_person"})
    text = again.get_data(as_text=True)
    assert "Länets resurscentrum: Resurscentra Gävleborg" in text


def test_the_public_directory_shows_every_county_without_a_login(app, client):
    with app.app_context():
        seed_centres()
    response = client.get("/kunskap/resurscentrum")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for name in COUNTY_NAMES.values():
        assert f">{name}</h2>" in html
    # a researched centre with its source and the day it was checked
    assert "Regionalt stödcentrum heder" in html and "Göteborgs Stad (Socialförvaltningen Centrum)" in html
    assert 'href="https://goteborg.se/wps/portal/enhetssida/regionalt-stodcentrum-heder/om-oss"' in html
    assert "Verifierad 2026-12-06" in html
    # what was not confirmed says so, and a centre whose present state is not confirmed is marked
    assert html.count("Inte bekräftat") >= 9  # no phone was confirmed for any centre
    assert "Inte verifierat" in html
    halland = html[html.index('id="lan-13"'):html.index('id="lan-14"')]
    assert "Inget resurscentrum känt i länet." in halland and "Kungsbacka" in halland
    assert "Katalogen känner till 9 av dem i 9 län" in html
    assert "<form" not in html.split("<main", 1)[1]  # nothing to post: the page caches like /kunskap


def test_the_knowledge_base_links_to_the_directory(client):
    assert 'href="/kunskap/resurscentrum"' in client.get("/kunskap/").get_data(as_text=True)


def test_coordinator_fills_in_the_public_fields(app, client, login_as):
    with app.app_context():
        seed_centres()
        centre_id = db.session.scalar(select(ResourceCentre.id).where(ResourceCentre.county_code == "07"))
    login_as("coordinator")
    page = client.get(f"/admin/resurscentrum/{centre_id}").get_data(as_text=True)
    assert "Växjö kommun (huvudman)" in page and 'value="2026-12-06"' in page
    form = {"csrf_token": csrf_from(page), "county_code": "07", "name": "Resurscentrum heder Kronoberg",
            "status": "established", "host_organisation": "Växjö kommun", "municipalities": "Växjö, Alvesta, Atlantis",
            "offers": "Konsultation", "website": "växjö.se", "phone": "ring oss", "hours": "Mån–fre 9–12",
            "sources": "https://www.vaxjo.se/heder\nen bok", "verified_on": "2026-12-06"}
    bad = client.post(f"/admin/resurscentrum/{centre_id}", data=form)
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "Okänd kommun: Atlantis." in html
    assert "Ange ett publicerat telefonnummer med siffror" in html
    assert "Ange en webbadress som börjar med https://" in html
    assert "Varje källa ska vara en webbadress" in html and "en bok" in html
    assert "Mån–fre 9–12" in html and "Växjö, Alvesta, Atlantis" in html  # nothing typed is lost
    form.update(municipalities="Växjö, 0764", website="https://www.vaxjo.se/heder", phone="0470-41 00 00",
                sources="https://www.vaxjo.se/heder")
    assert client.post(f"/admin/resurscentrum/{centre_id}", data=form).status_code == 302
    public = client.get("/kunskap/resurscentrum").get_data(as_text=True)
    kronoberg = public[public.index('id="lan-07"'):public.index('id="lan-08"')]
    assert "Växjö, Alvesta" in kronoberg and 'href="tel:0470410000"' in kronoberg
    assert "Mån–fre 9–12" in kronoberg and "Verifierad 2026-12-06" in kronoberg
    assert "Inte verifierat" not in kronoberg


def test_a_coordinators_edit_shows_at_once_on_the_cached_public_directory(app, client, create_user):
    coordinator = create_user("coordinator")  # edits through the service; the reader stays anonymous
    with app.app_context():
        seed_centres()
    first = client.get("/kunskap/resurscentrum")
    assert "021-39 00 00" not in first.get_data(as_text=True)
    with app.app_context():
        row = db.session.scalars(select(ResourceCentre).where(ResourceCentre.county_code == "19")).one()
        save_centre(coordinator, row.id, {
            "county_code": "19", "name": row.name, "status": "established", "phone": "021-39 00 00",
            "hours": "Vardagar 8–16", "sources": row.sources, "whole_county": "y", "needs_verification": ""})
    again = client.get("/kunskap/resurscentrum", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and again.headers["ETag"] != first.headers["ETag"]
    assert "021-39 00 00" in again.get_data(as_text=True)
