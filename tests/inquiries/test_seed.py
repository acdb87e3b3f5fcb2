"""`supportline demo seed --inquiries N`: synthetic, idempotent, searchable, no personal data."""

from sqlalchemy import func, select

from supportline.extensions import db
from supportline.inquiries.models import ExposedPerson, Inquiry
from supportline.inquiries.search import Filters, search_inquiries
from supportline.privacy.guard import find_personal_data


def test_seed_makes_n_realistic_inquiries_once(app, runner):
    result = runner.invoke(args=["demo", "seed", "--inquiries", "300"])
    assert result.exit_code == 0, result.output
    assert "300 påhittade ärenden skapade" in result.output
    again = runner.invoke(args=["demo", "seed", "--inquiries", "300"])
    assert "0 påhittade ärenden skapade" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Inquiry)) == 300
        girls = db.session.scalar(select(func.count()).select_from(ExposedPerson)
                                  .where(ExposedPerson.gender == "girl_woman"))
        persons = db.session.scalar(select(func.count()).select_from(ExposedPerson))
        assert 0.7 < girls / persons < 0.9
        assert len(set(db.session.scalars(select(Inquiry.county_code)))) >= 15
        _the_statistics_have_outcomes_and_persons_to_show()
        for summary, advice in db.session.execute(select(Inquiry.summary, Inquiry.advice)):
            assert find_personal_data(summary) == [] and find_personal_data(advice) == []
        from supportline.auth.models import User

        user = db.session.scalar(select(User).where(User.email == "handlaggare@demo.invalid"))
        page = search_inquiries(user, Filters(q="tvångsgifte"), audit=False)
        assert page.total > 0
        # new inquiries after a bulk seed get fresh ids (the PostgreSQL sequence was moved on)
        from supportline.inquiries.service import create_inquiry
        from tests.inquiries.conftest import valid_payload

        assert create_inquiry(user, valid_payload()).id == 301


def _the_statistics_have_outcomes_and_persons_to_show():
    """Every seeded case says what it led to, consistently with its referrals; the persons come in
    the shapes the series counts, some only mentioned, most with their perpetrators' relation."""
    from collections import Counter

    from supportline.inquiries import taxonomy as tx
    from supportline.inquiries.composition import case_composition
    from supportline.inquiries.models import InquiryCentre

    inquiries = db.session.scalars(select(Inquiry)).all()
    assert all(i.codes_of("outcomes") for i in inquiries)
    for inquiry in inquiries:
        outcomes = set(inquiry.codes_of("outcomes"))
        assert not ("advice_only" in outcomes and outcomes & {*tx.CENTRE_OUTCOMES, "referred_elsewhere"})
        assert bool(outcomes & set(tx.CENTRE_OUTCOMES)) == (inquiry.centre is not None)
        if inquiry.centre is not None:
            assert inquiry.centre.county_code == inquiry.county_code
        relations = {r for p in inquiry.exposed_persons for r in p.relation_list}
        assert relations <= set(inquiry.codes_of("perpetrator_relations"))
    outcomes = Counter(code for i in inquiries for code in i.codes_of("outcomes"))
    assert set(outcomes) >= {"advice_only", "report_of_concern", "centre_referred", "referred_elsewhere",
                             "follow_up_booked"}
    assert db.session.scalar(select(func.count()).select_from(InquiryCentre)) > 10
    shapes = Counter(case_composition(i.exposed_persons) for i in inquiries)
    assert shapes["one_person"] > len(inquiries) / 2 and shapes["parent_with_children"] > 10 and shapes["siblings"] > 10
    roles = Counter(p.role for i in inquiries for p in i.exposed_persons)
    assert 0 < roles["mentioned"] < roles["exposed"] / 4
