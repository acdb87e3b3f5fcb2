from __future__ import annotations

import pytest

from supportline.auth.models import User
from supportline.extensions import db


def valid_payload(**overrides) -> dict:
    data = {
        "channel": "phone",
        "caller_type": "professional",
        "caller_sector": "school",
        "caller_role": "Skolkurator",
        "caller_organisation": "Norra skolan",
        "municipality_code": "0580",
        "exposed_persons": [{"age_group": "13-15", "gender": "girl_woman"}],
        "perpetrator_relations": ["parent"],
        "exposure_types": ["forced_marriage", "control"],
        "question_topics": ["risk_assessment", "report_of_concern"],
        "referrals": ["social_services"],
        "urgency": "high",
        "summary": "Eleven berättar att familjen planerar ett tvångsgifte under sommarlovet.",
        "advice": "Gör en orosanmälan till socialtjänsten i dag och en riskbedömning.",
        "status": "open",
    }
    data.update(overrides)
    return data


@pytest.fixture
def make_inquiry(app):
    """Builder: make_inquiry(user, **fields) creates an inquiry through the service; returns its id."""
    from supportline.inquiries.service import create_inquiry

    def build(user, **overrides):
        with app.app_context():
            actor = db.session.get(User, user.id)
            return create_inquiry(actor, valid_payload(**overrides)).id

    return build


@pytest.fixture
def token(app, create_user):
    """Builder: token(role='handler') makes a user of that role and returns an API token of theirs."""
    from supportline.auth.service import issue_api_token

    def make(role="handler"):
        user = create_user(role)
        with app.app_context():
            return issue_api_token(None, db.session.get(User, user.id))

    return make
