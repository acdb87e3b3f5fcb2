"""A small data set whose figures are known by hand (see KNOWN in test_figures.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert

from supportline.dates import LOCAL_TZ
from supportline.extensions import db
from supportline.inquiries.models import ExposedPerson, Inquiry, InquiryCode

TZ = LOCAL_TZ


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ).astimezone(dt.UTC)


# (received local, county, sector, age, gender, duration, referrals, status, follow_up_on)
def _spec():
    rows = []
    # Stockholm (no resource centre): 12 in Q1 2025, social services, girls 13-15, 10 minutes.
    # The first is 00:10 on 1 January local time, which is still 2024 in UTC.
    for day in (1, 5, 9, 13, 17, 21):
        rows.append((local(2025, 1, day, 0, 10), "01", "social_services", "13-15", "girl_woman", 600, [],
                     "closed", None))
    for i, day in enumerate((3, 7, 11, 15, 19, 23)):
        follow = [(dt.date(2025, 2, 28), "open"), (dt.date(2025, 2, 28), "awaiting"),
                  (dt.date(2025, 2, 28), "closed"), (dt.date(2025, 2, 28), "closed")]
        follow_up, status = follow[i] if i < 4 else (None, "closed")
        rows.append((local(2025, 2, day, 10), "01", "social_services", "13-15", "girl_woman", 600, [],
                     status, follow_up))
    # Gävleborg (established centre): 6, school, men 26+, 20 minutes, referred to the centre.
    for month, day in ((1, 2), (1, 6), (1, 10), (1, 14), (2, 4), (2, 8)):
        rows.append((local(2025, month, day, 14), "21", "school", "26+", "boy_man", 1200, ["resource_centre"],
                     "closed", None))
    # Gotland (no centre): 3 in March, school, girls 0-5, 5 minutes; the last at 23:30 on 31 March.
    for day, hour in ((3, 9), (12, 9), (31, 23)):
        rows.append((local(2025, 3, day, hour, 30 if hour == 23 else 0), "09", "school", "0-5", "girl_woman", 300,
                     ["police"], "closed", None))
    # No county, no sector, no duration.
    rows.append((local(2025, 3, 10, 12), None, None, "unknown", "unknown", None, [], "closed", None))
    # Outside Q1 2025: 00:30 on 1 April local (still 31 March in UTC), and five in January 2024.
    rows.append((local(2025, 4, 1, 0, 30), "01", "social_services", "13-15", "girl_woman", 600, [], "closed", None))
    for day in (2, 4, 8, 16, 30):
        rows.append((local(2024, 1, day, 12), "01", "social_services", "13-15", "girl_woman", 600, [],
                     "closed", None))
    return rows


@pytest.fixture
def seeded(app, create_user):
    """Known inquiries plus the resource-centre directory from DOMAIN.md."""
    user = create_user("handler")
    with app.app_context():
        from supportline.stats.centres import seed_centres

        seed_centres()
        inquiries, persons, codes = [], [], []
        for i, (at, county, sector, age, gender, duration, referrals, status, follow_up) in enumerate(_spec(), 1):
            inquiries.append({
                "id": i, "channel": "phone" if i % 4 else "email", "received_at": at,
                "caller_type": "professional", "caller_sector": sector, "caller_role": "", "caller_organisation": "",
                "organisation_key": None, "municipality_code": None, "county_code": county, "urgency": "normal",
                "summary": "", "advice": "", "follow_up_on": follow_up, "status": status,
                "created_by_id": user.id, "duration_seconds": duration, "version": 1, "created_at": at,
                "updated_at": at})
            persons.append({"inquiry_id": i, "position": 0, "age_group": age, "gender": gender})
            codes += [{"inquiry_id": i, "kind": "referrals", "code": c} for c in referrals]
            codes.append({"inquiry_id": i, "kind": "question_topics", "code": "risk_assessment"})
        db.session.execute(insert(Inquiry), inquiries)
        db.session.execute(insert(ExposedPerson), persons)
        db.session.execute(insert(InquiryCode), codes)
        if db.engine.dialect.name == "postgresql":
            db.session.execute(db.text("SELECT setval(pg_get_serial_sequence('inquiries', 'id'), 100)"))
        db.session.commit()
    return user


Q1_2025 = {"period": "custom", "from": "2025-01-01", "to": "2025-03-31"}

