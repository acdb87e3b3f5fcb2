"""The form, the case page and the API with outcomes, the resource centre and the persons'
role and relations, on both databases."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from supportline.extensions import db
from supportline.inquiries.models import Inquiry
from supportline.stats.models import ResourceCentre
from tests.conftest import csrf_from
from tests.inquiries.conftest import valid_payload
from tests.inquiries.test_api import _auth, validate
from tests.inquiries.test_views import FORM, _colleague_saves, _edit_form


@pytest.fixture
def centres(app):
    with app.app_context():
        rows = {"east": ResourceCentre(county_code="05", name="Resurscentrum Östergötland", status="established"),
                "north": ResourceCentre(county_code="25", name="Resurscentrum Norrbotten", status="established"),
                "serving": ResourceCentre(county_code="04", name="Centrum som tar emot Linköping",
                                          status="developing", municipality_codes="0580 0480"),
                "closed": ResourceCentre(county_code="09", name="Inget centrum", status="none")}
        db.session.add_all(rows.values())
        db.session.commit()
        return {key: row.id for key, row in rows.items()}


def _post(client, **changes):
    token = csrf_from(client.get("/arenden/nytt").get_data(as_text=True))
    return client.post("/arenden/nytt", data={**FORM, **changes, "csrf_token": token})


def _centre_options(html: str) -> list[tuple[str, str]]:
    """(optgroup label, option text) of the centre list, in page order."""
    select_html = re.search(r'<select[^>]*name="resource_centre".*?</select>', html, re.S).group(0)
    groups = re.findall(r'<optgroup label="([^"]*)">(.*?)</optgroup>', select_html, re.S)
    return [(label, text) for label, options in groups for text in re.findall(r">([^<]+)</option>", options)]


def test_the_form_offers_outcomes_and_the_countys_centres_first(client, login_as, centres):
    login_as("handler")
    html = _post(client, action="add_person").get_data(as_text=True)  # Linköping chosen, form shown again
    options = _centre_options(html)
    assert options[:2] == [("För Östergötlands län", "Resurscentrum Östergötland"),
                           ("För Östergötlands län", "Centrum som tar emot Linköping")]
    assert ("Norrbottens län", "Resurscentrum Norrbotten") in options
    assert "Inget centrum" not in html  # a county's "no centre" row is no choice
    for label in ("Rekommenderade orosanmälan", "Kopplad vidare till resurscentrum", "Uppföljning bokad",
                  "UD:s konsulära stöd", "Förövarnas relation till person 1", "Utsatt eller omnämnd, person 1"):
        assert label in html
    assert 'for="persons-0-role"' in html and 'id="persons-0-perpetrator_relations-0"' in html


def test_logging_outcomes_and_persons_shows_them_on_the_case(app, client, login_as, centres):
    login_as("handler")
    response = _post(client, **{
        "persons-0-age_group": "26+", "persons-0-gender": "girl_woman", "persons-0-role": "exposed",
        "persons-0-perpetrator_relations": ["partner"],
        "persons-1-age_group": "6-12", "persons-1-gender": "boy_man", "persons-1-role": "exposed",
        "persons-1-perpetrator_relations": ["parent"],
        "persons-2-age_group": "16-17", "persons-2-gender": "girl_woman", "persons-2-role": "mentioned",
        "outcomes": ["centre_connected", "follow_up_booked"], "resource_centre": str(centres["east"])})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        inquiry = db.session.scalar(select(Inquiry))
        assert inquiry.codes_of("outcomes") == ["centre_connected", "follow_up_booked"]
        assert inquiry.centre.centre_id == centres["east"]
        assert [(p.role, p.relation_list) for p in inquiry.exposed_persons] == [
            ("exposed", ["partner"]), ("exposed", ["parent"]), ("mentioned", [])]
        assert inquiry.codes_of("perpetrator_relations") == ["parent", "partner", "sibling"]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Kopplad vidare till resurscentrum, Uppföljning bokad" in html
    assert "Resurscentrum Östergötland (Östergötlands län)" in html
    assert "Förälder med barn" in html  # the composition, derived
    assert "Flicka/kvinna, 16–17 år, omnämnd" in html
    assert "Flicka/kvinna, 26 år eller äldre (förövare: make/maka/partner)" in html


def test_a_centre_outcome_without_a_centre_comes_back_with_what_was_typed(client, login_as, centres):
    login_as("handler")
    response = _post(client, outcomes=["centre_referred", "police_report"], resource_centre="",
                     **{"persons-0-perpetrator_relations": ["sibling"], "persons-0-role": "mentioned"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="resource_centre-error">Välj vilket resurscentrum utfallet gäller', html)
    assert re.search(r'<input[^>]*checked[^>]*value="police_report"|<input[^>]*value="police_report"[^>]*checked',
                     html)
    assert re.search(r'<option selected value="mentioned">|<option value="mentioned" selected>', html)
    assert re.search(r'id="persons-0-perpetrator_relations-1"[^>]*checked|checked[^>]*id="persons-0-perpetrator'
                     r'_relations-1"', html)


def test_the_edit_form_holds_the_saved_outcomes_centre_and_persons(app, client, login_as, centres, make_inquiry):
    handler = login_as("handler")
    inquiry_id = make_inquiry(handler, outcomes=["centre_in_contact"], resource_centre=centres["north"],
                              exposed_persons=[{"age_group": "18-20", "gender": "girl_woman", "role": "mentioned",
                                                "perpetrator_relations": ["in_law"]}])
    html = client.get(f"/arenden/{inquiry_id}/andra").get_data(as_text=True)
    assert re.search(rf'<option(?=[^>]*\bselected\b)(?=[^>]*value="{centres["north"]}")[^>]*>', html)
    assert re.search(r'<input[^>]*checked[^>]*value="centre_in_contact"|value="centre_in_contact"[^>]*checked', html)
    assert re.search(r'<option(?=[^>]*\bselected\b)(?=[^>]*value="mentioned")[^>]*>', html)
    assert re.search(r'<input(?=[^>]*\bchecked\b)(?=[^>]*id="persons-0-perpetrator_relations-4")[^>]*>', html)  # in_law
    assert not re.search(r'<input(?=[^>]*\bchecked\b)(?=[^>]*id="persons-0-perpetrator_relations-0")[^>]*>', html)


def test_a_colleagues_outcome_is_kept_when_i_save_other_fields(app, client, login_as, centres, make_inquiry):
    """The three-way merge takes the outcomes as a set: added by a colleague, kept by my save."""
    handler = login_as("handler")
    inquiry_id = make_inquiry(handler, summary="Ursprunglig text.", advice=FORM["advice"],
                              outcomes=["centre_in_contact"], resource_centre=centres["north"])
    form = {**_edit_form(client, inquiry_id), "outcomes": ["centre_in_contact"],
            "resource_centre": str(centres["north"])}
    _colleague_saves(app, inquiry_id, {"outcomes": ["follow_up_booked", "centre_in_contact"]})
    response = client.post(f"/arenden/{inquiry_id}/andra", data={**form, "summary": "Min text."})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert "deras ändringar av Samtalet ledde till är kvar" in client.get(
        response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        saved = db.session.get(Inquiry, inquiry_id)
        assert saved.summary == "Min text." and saved.codes_of("outcomes") == ["centre_in_contact", "follow_up_booked"]
        assert saved.centre.centre_id == centres["north"]


def test_the_api_takes_and_gives_outcomes_centre_and_persons(client, token, centres):
    headers = _auth(token())
    persons = [{"age_group": "13-15", "gender": "girl_woman", "role": "exposed", "perpetrator_relations": ["parent"]},
               {"age_group": "6-12", "gender": "boy_man", "role": "mentioned", "perpetrator_relations": []}]
    response = client.post("/api/v1/inquiries", headers=headers, json=valid_payload(
        exposed_persons=persons, outcomes=["centre_referred", "referred_elsewhere"], referrals=["barnahus"],
        resource_centre=centres["east"]))
    assert response.status_code == 201, response.get_json()
    record = response.get_json()
    validate(record)
    assert record["outcomes"] == ["centre_referred", "referred_elsewhere"]
    assert record["resource_centre"]["name"] == "Resurscentrum Östergötland"
    assert record["exposed_persons"] == persons
    # the record sent back as it is, with one outcome more
    record["outcomes"].append("follow_up_booked")
    again = client.patch(f"/api/v1/inquiries/{record['id']}", headers=headers, json=record)
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["outcomes"] == ["centre_referred", "follow_up_booked", "referred_elsewhere"]
    assert again.get_json()["resource_centre"]["id"] == centres["east"]
    refused = client.patch(f"/api/v1/inquiries/{record['id']}", headers=headers,
                           json={"version": again.get_json()["version"], "resource_centre": centres["closed"]})
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {
        "resource_centre": "Det resurscentrumet finns inte i katalogen. Välj ett i listan."}


def test_the_openapi_document_describes_outcomes_and_persons(client):
    document = client.get("/api/v1/openapi.json").get_json()
    record = document["components"]["schemas"]["Inquiry"]
    assert "centre_connected" in record["properties"]["outcomes"]["items"]["enum"]
    assert record["properties"]["exposed_persons"]["items"]["properties"]["role"]["enum"] == ["exposed", "mentioned"]
    assert "key" in record["properties"]["resource_centre"]["properties"]
