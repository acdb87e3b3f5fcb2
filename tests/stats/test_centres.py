"""The resource-centre directory and the inquiry form's referral hint."""

from __future__ import annotations

from sqlalchemy import delete, select

from supportline.audit.models import AuditEvent
from supportline.extensions import db
from supportline.stats.centres import seed_centres
from supportline.stats.models import ResourceCentre
from tests.conftest import csrf_from


def test_seeded_directory_lists_every_county_as_needing_verification(app, client, login_as):
    with app.app_context():
        # the migration seeds a new installation; start from an empty directory to see the seed itself
        db.session.execute(delete(ResourceCentre))
        db.session.commit()
        assert seed_centres() == 21
        assert seed_centres() == 0  # only into an empty directory
        rows = db.session.scalars(select(ResourceCentre)).all()
        assert all(r.needs_verification for r in rows)
        assert sorted(r.county_code for r in rows if r.status != "none") == [
            "03", "07", "12", "14", "19", "20", "21", "22", "25"]
    login_as("coordinator")
    html = client.get("/admin/resurscentrum/").get_data(as_text=True)
    assert html.count("Behöver verifieras</td>") == 21 and "Gotlands län" in html


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
    assert "Länets resurscentrum: Regionalt resurscentrum, Gävleborgs län" in text
