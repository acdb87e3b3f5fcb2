"""Call-back details are for those who call back. A coordinator reads cases but must not learn,
through "Tidigare kontakter", that two cases share a call-back number they may not see."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from supportline.audit.models import AuditEvent
from supportline.extensions import db
from tests.inquiries.conftest import valid_payload


def _make(app, user, **fields):
    from supportline.auth.models import User
    from supportline.inquiries.service import create_inquiry

    with app.app_context():
        return create_inquiry(db.session.get(User, user.id), valid_payload(**fields)).id


@pytest.mark.parametrize("role,sees", [("coordinator", False), ("handler", True), ("admin", True)])
def test_only_those_who_call_back_see_cases_linked_by_a_call_back_number(app, client, login_as, create_user,
                                                                        role, sees):
    handler = create_user("handler")
    # Different organisations: only the number links the two cases.
    first = _make(app, handler, caller_organisation="Norra skolan", callback_phone="070-555 12 34")
    second = _make(app, handler, caller_organisation="Södra vårdcentralen", callback_phone="0705551234")
    login_as(role)
    html = client.get(f"/arenden/{second}").get_data(as_text=True)
    assert ("Tidigare kontakter" in html) is sees and (f'href="/arenden/{first}"' in html) is sees
    assert ("0705551234" in html) is sees
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action)).all()
    assert ("inquiry.list.previous" in actions) is sees
