"""An API token opens the JSON API and nothing else: pages and forms ignore the Authorization
header, no session comes from a token, and an invalid token never lets a session cookie skip the
CSRF check (docs/SECURITY.md, "API tokens")."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from supportline.auth.models import User
from supportline.auth.passwords import verify_password
from supportline.extensions import db
from supportline.inquiries.models import Inquiry
from tests.conftest import PASSWORD, csrf_from
from tests.inquiries.conftest import valid_payload


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def page_rules(app) -> list[str]:
    """Every GET page without URL parameters, outside the API and the static files."""
    return sorted({rule.rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and not rule.arguments
                   and not rule.rule.startswith(("/api/", "/static"))})


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_an_admin_token_opens_no_page(app, create_user, token_of):
    admin = create_user("admin", email="chef@test.invalid")
    token = token_of(admin)
    rules = page_rules(app)
    assert "/admin/" in rules and "/konto" in rules and "/arenden" in rules
    opened = []
    for path in rules:
        anonymous = app.test_client().get(path)
        with_token = app.test_client().get(path, headers=bearer(token))
        if (with_token.status_code != anonymous.status_code
                or "chef@test.invalid" in with_token.get_data(as_text=True)):
            opened.append((path, anonymous.status_code, with_token.status_code))
    assert opened == []


def test_a_handler_token_does_not_open_a_case_page(app, create_user, token_of):
    from supportline.inquiries.service import create_inquiry

    handler = create_user("handler")
    with app.app_context():
        inquiry_id = create_inquiry(db.session.get(User, handler.id),
                                    valid_payload(callback_phone="070-123 45 67")).id
    response = app.test_client().get(f"/arenden/{inquiry_id}", headers=bearer(token_of(handler)))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert "070-123" not in response.get_data(as_text=True)


def test_an_admin_token_cannot_create_an_account_through_the_admin_form(app, create_user, token_of):
    admin = create_user("admin")
    token = token_of(admin)
    client = app.test_client()
    page = client.get("/admin/", headers=bearer(token))
    assert page.status_code == 302
    # Even with a CSRF token from a page the header opened as anonymous, the form is refused.
    login_page = client.get("/login", headers=bearer(token))
    before = user_count(app)
    response = client.post("/admin/anvandare", headers=bearer(token), data={
        "csrf_token": csrf_from(login_page.get_data(as_text=True)), "email": "ny-admin@test.invalid",
        "role": "admin", "password": "ett-långt-och-ovanligt-lösenord-42", "name": "Ny"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert user_count(app) == before


def test_a_token_cannot_change_the_password(app, create_user, token_of):
    user = create_user("handler")
    token = token_of(user)
    client = app.test_client()
    login_page = client.get("/login", headers=bearer(token))
    response = client.post("/konto/losenord", headers=bearer(token), data={
        "csrf_token": csrf_from(login_page.get_data(as_text=True)), "current_password": PASSWORD,
        "new_password": "ett-helt-annat-lösenord-77", "repeat_password": "ett-helt-annat-lösenord-77"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    with app.app_context():
        assert verify_password(db.session.get(User, user.id).password_hash, PASSWORD)


def test_a_token_call_sets_no_cookie(app, create_user, token_of):
    token = token_of(create_user("handler"))
    for path in ("/api/v1/me", "/api/v1/inquiries"):
        response = app.test_client().get(path, headers=bearer(token))
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers, path
    created = app.test_client().post("/api/v1/inquiries", json=valid_payload(), headers=bearer(token))
    assert created.status_code == 201
    assert "Set-Cookie" not in created.headers


@pytest.mark.parametrize("header", ["Bearer ", "Bearer slt_invented", "Bearer  "])
def test_an_invalid_token_with_a_session_cookie_needs_the_csrf_header(app, client, login_as, header):
    login_as("handler")
    response = client.post("/api/v1/inquiries", json=valid_payload(), headers={"Authorization": header})
    assert response.status_code in (400, 401)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Inquiry)) == 0


def test_a_revoked_token_with_a_session_cookie_reads_nothing(app, client, login_as, token_of):
    from supportline.auth.service import revoke_all_api_tokens

    user = login_as("handler")
    token = token_of(user)
    with app.app_context():
        revoke_all_api_tokens(None, db.session.get(User, user.id))
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    # The session alone still works where a session is meant to.
    assert client.get("/api/v1/me").status_code == 200


def test_a_valid_token_speaks_for_its_own_account_even_beside_a_cookie(app, client, login_as, create_user,
                                                                     token_of):
    login_as("coordinator")
    other = create_user("handler", email="integration@test.invalid")
    response = client.get("/api/v1/me", headers=bearer(token_of(other)))
    assert response.get_json()["email"] == "integration@test.invalid"
