"""What a call led to and the persons of a case, in the real form in Chromium: the county's
resource centres first in the list as soon as the municipality is chosen, a third person with
their own role and relations added in the page, a refusal that keeps everything, and the case
page; axe-core on every page."""

from __future__ import annotations

from sqlalchemy import select

from supportline.extensions import db
from supportline.inquiries.models import Inquiry
from supportline.stats.models import ResourceCentre
from tests.browser.conftest import assert_accessible, shows
from tests.browser.test_inquiry_form import _login


def _gavleborgs_centre(live_app) -> str:
    """A centre in Gävleborg (the seeded directory has one; made if a test removed it)."""
    with live_app.app_context():
        centre = db.session.scalar(select(ResourceCentre).where(ResourceCentre.county_code == "21",
                                                                ResourceCentre.status == "established"))
        if centre is None:
            centre = ResourceCentre(county_code="21", name="Resurscentrum Gävleborg", status="established")
            db.session.add(centre)
            db.session.commit()
        return str(centre.id)


def test_outcomes_centre_and_persons_in_the_form(page, live_server, live_app):
    centre_id = _gavleborgs_centre(live_app)
    _login(page, live_server, live_app)
    page.goto(live_server + "/arenden/nytt")
    page.select_option("#municipality_code", "2180")  # Gävle
    assert page.input_value("#county_code") == "21"
    first = page.locator("#resource_centre optgroup").first
    assert first.get_attribute("label") == "För Gävleborgs län"
    assert first.locator("option").first.get_attribute("data-county") == "21"
    assert centre_id in first.locator("option").evaluate_all("options => options.map(o => o.value)")

    page.click("text=Lägg till en person")
    shows(page, "label[for=persons-2-role]", "Utsatt eller omnämnd, person 3", exact=True)
    shows(page, ".person-row >> nth=2", "Förövarnas relation till person 3")
    assert not page.is_checked("#persons-2-perpetrator_relations-0")
    page.select_option("#persons-0-age_group", "26+")
    page.select_option("#persons-0-gender", "girl_woman")
    page.check("#persons-0-perpetrator_relations-2")  # partner
    page.select_option("#persons-1-age_group", "6-12")
    page.select_option("#persons-1-gender", "boy_man")
    page.check("#persons-1-perpetrator_relations-0")  # parent
    page.select_option("#persons-2-age_group", "16-17")
    page.select_option("#persons-2-gender", "girl_woman")
    page.select_option("#persons-2-role", "mentioned")
    page.fill("#summary", "Mamman och sonen hotas av pappan; dottern bor kvar hemma.")
    page.check("#outcomes-3")  # referred to the county's resource centre
    page.check("text=Uppföljning bokad")
    assert_accessible(page)

    page.click("text=Spara ärendet")  # no centre chosen yet
    shows(page, "#resource_centre-error", "Välj vilket resurscentrum utfallet gäller.")
    assert page.get_attribute("#resource_centre", "aria-invalid") == "true"
    assert page.input_value("#persons-2-role") == "mentioned" and page.is_checked("#persons-0-perpetrator_relations-2")
    assert page.is_checked("#outcomes-3") and page.locator(".person-row").count() == 3
    assert page.locator("#resource_centre optgroup").first.get_attribute("label") == "För Gävleborgs län"
    assert_accessible(page)

    page.select_option("#resource_centre", centre_id)
    page.click("text=Spara ärendet")
    page.wait_for_url("**/arenden/*")
    facts = page.inner_text("dl.facts")
    assert "Hänvisad till länets resurscentrum, Uppföljning bokad" in facts
    assert "Förälder med barn" in facts
    assert "Flicka/kvinna, 16–17 år, omnämnd" in facts
    assert "(Gävleborgs län)" in facts
    assert_accessible(page)
    with live_app.app_context():
        inquiry = db.session.get(Inquiry, int(page.url.rstrip("/").rsplit("/", 1)[1]))
        assert inquiry.centre.centre_id == int(centre_id)
        assert [(p.role, p.relation_list) for p in inquiry.exposed_persons] == [
            ("exposed", ["partner"]), ("exposed", ["parent"]), ("mentioned", [])]
