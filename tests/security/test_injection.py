"""SQL injection strings in every filter and search parameter: no server error, no change, no leak."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from supportline.audit.models import AuditEvent
from supportline.auth.models import User
from supportline.extensions import db
from supportline.inquiries.models import Inquiry
from tests.security.payloads import SQL_PAYLOADS

INQUIRY_PARAMS = ["q", "status", "handler", "county", "sector", "topic", "exposure", "urgency", "date_from",
                  "date_to", "sida"]
KB_PARAMS = ["q", "topic", "audience", "page", "sida"]
API_SEARCH_PARAMS = ["q", "topic", "audience", "page"]
API_INQUIRY_PARAMS = INQUIRY_PARAMS[:-1] + ["page"]


def _counts(app) -> dict:
    with app.app_context():
        return {"users": db.session.scalar(select(func.count()).select_from(User)),
                "inquiries": db.session.scalar(select(func.count()).select_from(Inquiry)),
                "hashes": sorted(db.session.scalars(select(User.password_hash)).all())}


@pytest.fixture
def handler_with_data(app, client, login_as):
    from supportline.inquiries.service import create_inquiry
    from tests.inquiries.conftest import valid_payload

    user = login_as("handler")
    with app.app_context():
        actor = db.session.get(User, user.id)
        create_inquiry(actor, valid_payload())
        create_inquiry(actor, valid_payload(summary="Läraren oroar sig för en elev som ska resa utomlands."))
    return user


def _leaks(body: str) -> bool:
    # (The query itself is echoed back in the search box, so look for what only a leak would show.)
    return "$argon2" in body or "Traceback" in body or "syntax error at" in body.lower()


@pytest.mark.slow
def test_inquiry_list_and_previous_contacts(app, client, handler_with_data):
    before = _counts(app)
    for payload in SQL_PAYLOADS:
        for name in INQUIRY_PARAMS:
            response = client.get("/arenden", query_string={name: payload})
            assert response.status_code < 500, (name, payload)
            assert not _leaks(response.get_data(as_text=True)), (name, payload)
        for name in ("organisation", "phone", "utom"):
            response = client.get("/arenden/tidigare-kontakter", query_string={name: payload})
            assert response.status_code < 500, (name, payload)
    assert _counts(app) == before


def test_knowledge_search_page_and_api(app, client):
    before = _counts(app)
    for payload in SQL_PAYLOADS:
        for name in KB_PARAMS:
            response = client.get("/kunskap/sok", query_string={name: payload})
            assert response.status_code < 500, (name, payload)
        for name in API_SEARCH_PARAMS:
            response = client.get("/api/v1/search", query_string={name: payload})
            assert response.status_code in (200, 400, 422), (name, payload, response.status_code)
            assert response.is_json
        assert client.get(f"/kunskap/{payload}").status_code in (400, 404, 308, 200)
        assert client.get("/api/v1/articles/" + payload.replace("/", "%2F")).status_code in (400, 404, 308)
    assert _counts(app) == before


def test_inquiry_api_filters_and_bodies(app, client, handler_with_data):
    from supportline.auth.service import issue_api_token
    from tests.inquiries.conftest import valid_payload

    with app.app_context():
        token = issue_api_token(None, db.session.get(User, handler_with_data.id))
        from sqlalchemy import func, select

        from supportline.inquiries.models import Inquiry

        inquiry_id = db.session.scalar(select(func.min(Inquiry.id)))
        assert inquiry_id is not None, "the PATCH below needs an inquiry that exists"
    headers = {"Authorization": f"Bearer {token}"}
    before = _counts(app)
    for payload in SQL_PAYLOADS:
        for name in API_INQUIRY_PARAMS:
            response = client.get("/api/v1/inquiries", query_string={name: payload}, headers=headers)
            assert response.status_code in (200, 400, 422), (name, payload, response.status_code)
            assert not _leaks(response.get_data(as_text=True))
        response = client.patch(f"/api/v1/inquiries/{inquiry_id}", json={"version": payload, "status": payload},
                                headers=headers)
        assert response.status_code < 500, payload
        response = client.post("/api/v1/inquiries", json=valid_payload(summary=payload, caller_role=payload),
                               headers=headers)
        assert response.status_code < 500, payload
    with app.app_context():
        audit_rows = db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert audit_rows > 0  # the audit log is still there
    assert _counts(app)["users"] == before["users"] and _counts(app)["hashes"] == before["hashes"]
