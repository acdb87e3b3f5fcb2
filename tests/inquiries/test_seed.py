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
