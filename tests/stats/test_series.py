"""The figures that continue the series, against a data set whose expected values are counted
here in Python from the same specification (not written down by hand): persons and persons only
mentioned, composition, gender × age, perpetrators per person, outcomes, referrals per centre,
counties with and without a centre."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import insert, select

from supportline.extensions import db
from supportline.inquiries import taxonomy as tx
from supportline.inquiries.composition import case_composition
from supportline.inquiries.models import ExposedPerson, Inquiry, InquiryCentre, InquiryCode
from supportline.stats import service
from supportline.stats.models import ResourceCentre
from tests.stats.conftest import local

Q3_2025 = {"period": "custom", "from": "2025-07-01", "to": "2025-09-30"}
NOW = dt.datetime(2025, 10, 15, 10, tzinfo=dt.UTC)


def P(age, gender="girl_woman", role="exposed", relations=""):  # noqa: N802 - reads as a row of the table
    return {"age_group": age, "gender": gender, "role": role, "perpetrator_relations": relations}


# county, persons, case-level perpetrators, outcomes, referrals, centre county (a directory centre) or None
SPEC = [
    ("01", [P("13-15")], ["parent"], ["advice_only"], [], None),
    ("01", [P("13-15", relations="parent sibling"), P("6-12", "boy_man", relations="parent")], ["parent", "sibling"],
     ["report_of_concern", "follow_up_booked"], [], None),
    ("21", [P("26+"), P("6-12"), P("0-5", "boy_man")], ["partner"], ["centre_referred"], ["resource_centre"], "21"),
    ("21", [P("21-25", "boy_man"), P("26+")], [], ["centre_connected"], [], "21"),
    ("12", [P("16-17", relations="other_relative"), P("26+", role="mentioned")], ["other_relative"],
     ["centre_in_contact", "police_report"], [], "12"),
    ("12", [P("18-20"), P("16-17"), P("13-15")], ["parent"], ["referred_elsewhere"], ["barnahus"], None),
    ("09", [P("unknown", "unknown"), P("13-15")], [], ["advice_only"], ["resource_centre"], None),
    ("09", [P("26+", "other", role="mentioned")], ["community"], [], [], None),
    (None, [], [], ["advice_only"], [], None),
    ("03", [P("21-25"), P("0-5"), P("6-12")], ["in_law"], ["centre_referred"], [], "03"),
]


@pytest.fixture
def series(app, seeded):
    """SPEC as inquiries in the third quarter of 2025 (the seeded set is in other quarters)."""
    with app.app_context():
        centres = {c.county_code: c for c in db.session.scalars(
            select(ResourceCentre).where(ResourceCentre.status != "none")).all()}
        for i, (county, persons, perpetrators, outcomes, referrals, centre) in enumerate(SPEC):
            at = local(2025, 7 + i % 3, 1 + i, 10)
            inquiry_id = db.session.execute(insert(Inquiry).returning(Inquiry.id), [{
                "channel": "phone", "received_at": at, "caller_type": "professional", "caller_sector": "school",
                "county_code": county, "urgency": "normal", "summary": "", "advice": "", "status": "closed",
                "created_by_id": seeded.id, "version": 1, "created_at": at, "updated_at": at}]).scalar_one()
            if persons:
                db.session.execute(insert(ExposedPerson), [{**p, "inquiry_id": inquiry_id, "position": n}
                                                           for n, p in enumerate(persons)])
            codes = [("perpetrator_relations", c) for c in perpetrators] + [("outcomes", c) for c in outcomes] + [
                ("referrals", c) for c in referrals]
            if codes:
                db.session.execute(insert(InquiryCode), [{"inquiry_id": inquiry_id, "kind": k, "code": c}
                                                         for k, c in codes])
            if centre:
                row = centres[centre]
                db.session.execute(insert(InquiryCentre), [{"inquiry_id": inquiry_id, "centre_id": row.id,
                                                            "name": row.name, "county_code": row.county_code}])
        db.session.commit()
        return {code: c.name for code, c in centres.items()}


def _report(app):
    with app.app_context():
        return service.build_report(service.parse_filters(Q3_2025), now=NOW)


def _exposed(persons):
    return [p for p in persons if p["role"] == "exposed"]


def _counts(table):
    return {r.code: r.count for r in table.rows}


def test_persons_and_persons_only_mentioned(app, series):
    report = _report(app)
    assert report.total == len(SPEC)
    assert report.persons == sum(len(_exposed(s[1])) for s in SPEC)
    assert report.mentioned_persons == sum(len(s[1]) - len(_exposed(s[1])) for s in SPEC)
    per_inquiry = Counter(min(len(_exposed(s[1])), 4) for s in SPEC)
    expected = {"0": per_inquiry[0], "1": per_inquiry[1], "2": per_inquiry[2], "3": per_inquiry[3],
                "4+": per_inquiry[4]}
    assert _counts(report.table("persons_per_inquiry")) == expected


def test_composition_is_the_derived_one(app, series):
    """The SQL counts agree with inquiries/composition.py applied to each case's persons."""
    expected = Counter(case_composition(s[1]) for s in SPEC)
    assert _counts(report := _report(app).table("composition")) == {code: expected[code] for code in tx.COMPOSITIONS}
    assert report.total == len(SPEC)
    assert len(set(expected)) >= 4  # the data set covers the rules, not only one of them


def test_gender_by_age(app, series):
    expected = Counter(f"{p['gender']}:{p['age_group']}" for s in SPEC for p in _exposed(s[1]))
    table = _report(app).table("gender_age")
    assert {code: n for code, n in _counts(table).items() if n} == dict(expected)
    assert table.total == sum(expected.values())
    assert "Flicka/kvinna, 13–15 år" in [r.label for r in table.rows]


def test_perpetrators_per_person_fall_back_on_the_case(app, series):
    expected: Counter = Counter()
    unknown = 0
    for _county, persons, perpetrators, *_rest in SPEC:
        for p in _exposed(persons):
            relations = p["perpetrator_relations"].split() or perpetrators
            expected.update(relations)
            unknown += not relations
    counts = _counts(_report(app).table("perpetrator_person"))
    assert {code: counts[code] for code in tx.PERPETRATOR_RELATIONS} == {
        code: expected[code] for code in tx.PERPETRATOR_RELATIONS}
    assert counts[""] == unknown


def test_outcomes(app, series):
    expected = Counter(code for s in SPEC for code in s[3])
    assert _counts(_report(app).table("outcome")) == {code: expected[code] for code in tx.OUTCOMES}


def test_referrals_per_centre_and_counties_with_and_without(app, series):
    report = _report(app)
    named = Counter(s[5] for s in SPEC if s[5])
    unnamed = Counter(s[0] for s in SPEC if "resource_centre" in s[4] and not s[5])
    table = report.table("referral_centre")
    assert {r.code: r.count for r in table.rows} == {
        **{f"centre:{c}:{series[c]}": n for c, n in named.items()}, **{f"county:{c}": n for c, n in unnamed.items()}}
    assert table.total == sum(named.values()) + sum(unnamed.values())
    with app.app_context():
        with_centre = service.centre_counties()
    compare = {r.code: r for r in report.table("centre_compare").rows}
    assert compare["with"].count == sum(1 for s in SPEC if s[0] in with_centre)
    assert compare["without"].count == sum(1 for s in SPEC if s[0] and s[0] not in with_centre)
    assert compare[""].count == sum(1 for s in SPEC if not s[0])
    assert compare["with"].rate is not None and "län" in compare["with"].extra
    assert "mäter inte hur vanligt" in report.table("centre_compare").note
