"""What a call led to and the persons of a case, through the service, on both databases: the
outcomes and their resource centre, the perpetrators' relation per person, persons only
mentioned, the Swedish refusals, partial changes and the three-way merge's comparison."""

from __future__ import annotations

import pytest

from supportline.auth.models import User
from supportline.extensions import db
from supportline.inquiries import service
from supportline.inquiries.canonical import to_canonical
from supportline.inquiries.merge import comparable, values_of
from supportline.inquiries.models import Inquiry
from supportline.inquiries.search import Filters, search_inquiries
from supportline.stats.models import ResourceCentre
from tests.inquiries.conftest import valid_payload


@pytest.fixture
def centres(app):
    """An established centre in Östergötland (the payload's county), one being built in Skåne and
    a county's row that records it has none."""
    with app.app_context():
        rows = {"east": ResourceCentre(county_code="05", name="Resurscentrum Östergötland", status="established"),
                "south": ResourceCentre(county_code="12", name="Resurscentrum Skåne", status="developing"),
                "none": ResourceCentre(county_code="09", name="", status="none")}
        db.session.add_all(rows.values())
        db.session.commit()
        return {key: row.id for key, row in rows.items()}


@pytest.fixture
def actor(app, create_user):
    user = create_user("handler")
    return lambda: db.session.get(User, user.id)


def test_outcomes_centre_and_persons_are_stored_and_read_back(app, actor, centres):
    persons = [{"age_group": "26+", "gender": "girl_woman", "perpetrator_relations": ["partner", "in_law"]},
               {"age_group": "0-5", "gender": "boy_man", "role": "exposed", "perpetrator_relations": "parent"},
               {"age_group": "16-17", "gender": "girl_woman", "role": "mentioned"}]
    with app.app_context():
        created = service.create_inquiry(actor(), valid_payload(
            exposed_persons=persons, perpetrator_relations=["community"],
            outcomes=["centre_connected", "follow_up_booked", "centre_connected"], resource_centre=centres["east"]))
        record = to_canonical(db.session.get(Inquiry, created.id))
    assert record["outcomes"] == ["centre_connected", "follow_up_booked"]
    assert record["resource_centre"] == {"id": centres["east"], "key": None, "name": "Resurscentrum Östergötland",
                                         "county_code": "05"}
    assert record["exposed_persons"] == [
        {"age_group": "26+", "gender": "girl_woman", "role": "exposed", "perpetrator_relations": ["in_law", "partner"]},
        {"age_group": "0-5", "gender": "boy_man", "role": "exposed", "perpetrator_relations": ["parent"]},
        {"age_group": "16-17", "gender": "girl_woman", "role": "mentioned", "perpetrator_relations": []}]
    # the case's relations: what was given for the case and every person's
    assert record["perpetrator_relations"] == ["community", "in_law", "parent", "partner"]


@pytest.mark.parametrize(("overrides", "field", "words"), [
    ({"outcomes": ["centre_referred"]}, "resource_centre", "Välj vilket resurscentrum utfallet gäller."),
    ({"outcomes": ["centre_in_contact"], "resource_centre": "östra"}, "resource_centre",
     "Välj ett resurscentrum i listan."),
    ({"outcomes": ["centre_in_contact"], "resource_centre": 10**9}, "resource_centre",
     "Det resurscentrumet finns inte i katalogen."),
    ({"outcomes": ["advice_only", "centre_referred"], "resource_centre": "EAST"}, "outcomes",
     "”Enbart råd och stöd” går inte ihop med en hänvisning."),
    ({"outcomes": ["referred_elsewhere"], "referrals": ["resource_centre"]}, "referrals",
     "Ange vart ärendet hänvisades"),
    ({"outcomes": ["called_police"]}, "outcomes", "Okänd kod: called_police"),
    ({"exposed_persons": [{"age_group": "13-15", "gender": "girl_woman", "role": "witness"}]}, "exposed_persons",
     "Ange om personen är utsatt eller bara omnämnd."),
    ({"exposed_persons": [{"age_group": "13-15", "gender": "girl_woman", "perpetrator_relations": ["uncle"]}]},
     "exposed_persons", "Okänd relation till förövaren."),
    ({"exposed_persons": [{"age_group": "13-15", "gender": "girl_woman", "perpetrator_relations": {"a": 1}}]},
     "exposed_persons", "Ange förövarnas relation till personen som en lista med koder."),
])
def test_bad_outcomes_and_persons_get_a_swedish_message_on_the_field(app, actor, centres, overrides, field, words):
    if overrides.get("resource_centre") == "EAST":
        overrides = {**overrides, "resource_centre": centres["east"]}
    with app.app_context(), pytest.raises(service.InquiryInvalid) as refused:
        service.create_inquiry(actor(), valid_payload(**overrides))
    assert words in refused.value.errors[field]


def test_a_county_row_without_a_centre_cannot_be_chosen(app, actor, centres):
    with app.app_context(), pytest.raises(service.InquiryInvalid) as refused:
        service.create_inquiry(actor(), valid_payload(outcomes=["centre_referred"], resource_centre=centres["none"]))
    assert "finns inte i katalogen" in refused.value.errors["resource_centre"]


def test_a_centre_without_a_centre_outcome_is_dropped(app, actor, centres):
    """The form keeps its choice of centre while the outcome is unticked: nothing is stored."""
    with app.app_context():
        created = service.create_inquiry(actor(), valid_payload(outcomes=["advice_only"],
                                                                resource_centre=centres["south"]))
        assert db.session.get(Inquiry, created.id).centre is None


def test_a_partial_change_keeps_the_centre_and_changes_it_when_asked(app, actor, centres):
    with app.app_context():
        inquiry_id = service.create_inquiry(actor(), valid_payload(
            outcomes=["centre_referred"], resource_centre=centres["east"])).id
        updated = service.update_inquiry(actor(), inquiry_id, {"outcomes": ["centre_referred", "centre_connected"]},
                                         expected_version=1)
        assert updated.centre.centre_id == centres["east"] and updated.version == 2
        # the record's own shape is accepted back (a GET, changed, sent again)
        updated = service.update_inquiry(actor(), inquiry_id, {"resource_centre": {"id": centres["south"]}},
                                         expected_version=2)
        assert (updated.centre.centre_id, updated.centre.name, updated.centre.county_code) == (
            centres["south"], "Resurscentrum Skåne", "12")
        updated = service.update_inquiry(actor(), inquiry_id, {"outcomes": ["report_of_concern"]},
                                         expected_version=3)
        assert updated.centre is None and updated.codes_of("outcomes") == ["report_of_concern"]
        edits = [e.detail["fields"] for e in updated.timeline if e.kind == "edit"]
        assert edits == [["outcomes"], ["resource_centre"], ["outcomes", "resource_centre"]]


def test_a_centre_removed_from_the_directory_keeps_its_name_on_the_case(app, actor, centres):
    with app.app_context():
        inquiry_id = service.create_inquiry(actor(), valid_payload(
            outcomes=["centre_in_contact"], resource_centre=centres["south"])).id
        db.session.delete(db.session.get(ResourceCentre, centres["south"]))
        db.session.commit()
        db.session.expire_all()
        record = to_canonical(db.session.get(Inquiry, inquiry_id))
    assert record["resource_centre"] == {"id": None, "key": None, "name": "Resurscentrum Skåne", "county_code": "12"}


def test_a_person_change_alone_adds_their_relations_to_the_case(app, actor):
    with app.app_context():
        inquiry_id = service.create_inquiry(actor(), valid_payload(perpetrator_relations=["parent"])).id
        updated = service.update_inquiry(actor(), inquiry_id, {"exposed_persons": [
            {"age_group": "13-15", "gender": "girl_woman", "perpetrator_relations": ["sibling"]}]}, expected_version=1)
        assert updated.codes_of("perpetrator_relations") == ["parent", "sibling"]
        assert [p.relation_list for p in updated.exposed_persons] == [["sibling"]]


def test_the_case_search_finds_an_outcome_by_its_label(app, actor, centres):
    with app.app_context():
        found_id = service.create_inquiry(actor(), valid_payload(outcomes=["police_report"])).id
        service.create_inquiry(actor(), valid_payload(outcomes=["advice_only"]))
        hits = search_inquiries(actor(), Filters(q="rekommenderade polisanmälan"))
    assert [row.id for row in hits.items] == [found_id]


def test_the_statistics_count_exposed_persons_not_those_only_mentioned(app, actor):
    import datetime as dt

    from supportline.stats.service import Filters as StatsFilters
    from supportline.stats.service import build_report

    with app.app_context():
        service.create_inquiry(actor(), valid_payload(exposed_persons=[
            {"age_group": "26+", "gender": "girl_woman"},
            {"age_group": "13-15", "gender": "boy_man", "role": "mentioned"}]))
        report = build_report(StatsFilters(dt.date(2014, 1, 1), dt.date(2030, 12, 31)))
    assert report.persons == 1 and report.children_inquiries == 0


def test_the_list_filters_on_an_outcome(app, actor, centres):
    with app.app_context():
        wanted = service.create_inquiry(actor(), valid_payload(outcomes=["follow_up_booked", "police_report"])).id
        service.create_inquiry(actor(), valid_payload(outcomes=["police_report"]))
        page = search_inquiries(actor(), Filters(outcome="follow_up_booked"))
        assert [row.id for row in page.items] == [wanted] and page.total == 1
    assert Filters.from_args({"outcome": "teleported"}).errors == {"outcome": "Okänt värde. Välj ett av alternativen."}
    assert Filters.from_args({"outcome": "police_report"}).as_args() == {"outcome": "police_report"}


def test_the_merge_compares_outcomes_and_persons_as_sets(app, actor, centres):
    mine = [{"age_group": "13-15", "gender": "girl_woman", "perpetrator_relations": ["sibling", "parent"]},
            {"age_group": "6-12", "gender": "boy_man", "role": "mentioned"}]
    theirs = [{"age_group": "6-12", "gender": "boy_man", "role": "mentioned", "perpetrator_relations": []},
              {"age_group": "13-15", "gender": "girl_woman", "role": "exposed",
               "perpetrator_relations": ["parent", "sibling"]}]
    assert comparable("exposed_persons", mine) == comparable("exposed_persons", theirs)
    assert comparable("exposed_persons", mine) != comparable("exposed_persons", [{**mine[0], "role": "mentioned"},
                                                                                 mine[1]])
    assert comparable("outcomes", ["follow_up_booked", "advice_only"]) == comparable(
        "outcomes", ["advice_only", "follow_up_booked"])
    assert comparable("resource_centre", {"id": 4}) == comparable("resource_centre", "4") == "4"
    with app.app_context():
        inquiry_id = service.create_inquiry(actor(), valid_payload(
            outcomes=["centre_referred"], resource_centre=centres["east"], exposed_persons=mine)).id
        values = values_of(db.session.get(Inquiry, inquiry_id))
    assert values["resource_centre"] == str(centres["east"]) and values["outcomes"] == ["centre_referred"]
    assert comparable("exposed_persons", values["exposed_persons"]) == comparable("exposed_persons", theirs)
