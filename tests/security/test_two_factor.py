"""Two-factor login: enrolment, the second step, recovery codes, the requirement and the admin reset."""

from __future__ import annotations

import time

import pyotp
import pytest
from sqlalchemy import select

from supportline.audit.models import AuditEvent
from supportline.auth.models import MfaRecoveryCode, UserMfa, UserSession
from supportline.extensions import db
from tests.conftest import csrf_from
from tests.security.conftest import CODE_RE, secret_from


def _code_step(client, code):
    page = client.get("/login/kod")
    assert page.status_code == 200
    return client.post("/login/kod", data={"csrf_token": csrf_from(page.get_data(as_text=True)), "code": code})


def _next_totp(secret: str) -> str:
    """A code for a time step not yet used (the enrolment used the current one)."""
    totp = pyotp.TOTP(secret)
    return totp.at(time.time() + 30)


def test_enrolment_shows_qr_code_and_secret_and_stores_it_encrypted(app, client, login_as):
    user = login_as("handler")
    html = client.get("/konto/tvastegs").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in html and 'alt="QR-kod' in html
    secret = secret_from(html)
    assert len(secret) == 32
    # A reload shows the same secret until it is confirmed.
    assert secret_from(client.get("/konto/tvastegs").get_data(as_text=True)) == secret
    with app.app_context():
        row = db.session.scalar(select(UserMfa).where(UserMfa.user_id == user.id))
        assert row.confirmed_at is None
        assert secret not in row.secret_encrypted and row.secret_encrypted.startswith("v1:")


def test_wrong_first_code_is_refused_on_the_field(client, login_as):
    login_as("handler")
    html = client.get("/konto/tvastegs").get_data(as_text=True)
    response = client.post("/konto/tvastegs", data={"csrf_token": csrf_from(html), "code": "000000"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'id="code-error"' in body and "Koden stämmer inte" in body


def test_recovery_codes_are_shown_once_and_stored_hashed(app, client, login_as, enrol):
    user = login_as("handler")
    secret, codes = enrol()
    assert len(set(codes)) == 10
    with app.app_context():
        hashes = db.session.scalars(select(MfaRecoveryCode.code_hash).where(MfaRecoveryCode.user_id == user.id)).all()
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.user_id == user.id)).all()
    assert len(hashes) == 10 and not set(codes) & set(hashes)
    assert "mfa.enrol" in actions
    # Afterwards the page shows the status, never the secret or the codes again.
    html = client.get("/konto/tvastegs").get_data(as_text=True)
    assert "är aktiverad" in html and secret not in html and codes[0] not in html


def test_login_asks_for_the_code_after_the_password(app, client, auth, login_as, enrol):
    user = login_as("handler")
    secret, _codes = enrol()
    auth.logout()
    response = auth.login(user.email, next_url="/arenden")
    assert response.status_code == 302 and response.headers["Location"] == "/login/kod"
    assert client.get("/").status_code == 302  # not logged in yet
    assert _code_step(client, "123456").status_code == 401
    response = _code_step(client, _next_totp(secret))
    assert response.status_code == 302 and response.headers["Location"] == "/arenden"
    assert client.get("/").status_code == 200
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.user_id == user.id)
                                   .order_by(AuditEvent.id.desc())).first()
    assert event.action == "login" and "totp" in event.detail


def test_a_totp_code_is_not_accepted_twice(client, auth, login_as, enrol):
    user = login_as("handler")
    secret, _codes = enrol()
    auth.logout()
    code = _next_totp(secret)
    auth.login(user.email)
    assert _code_step(client, code).status_code == 302
    auth.logout()
    auth.login(user.email)
    assert _code_step(client, code).status_code == 401


def test_a_recovery_code_works_once(client, auth, login_as, enrol):
    user = login_as("handler")
    _secret, codes = enrol()
    auth.logout()
    auth.login(user.email)
    assert _code_step(client, codes[3].upper()).status_code == 302
    auth.logout()
    auth.login(user.email)
    assert _code_step(client, codes[3]).status_code == 401
    assert _code_step(client, codes[4]).status_code == 302


def test_wrong_codes_are_throttled_like_passwords(client, auth, login_as, enrol):
    user = login_as("handler")
    enrol()
    auth.logout()
    auth.login(user.email)
    for _ in range(5):
        assert _code_step(client, "000000").status_code == 401
    response = client.post("/login/kod", data={"csrf_token": csrf_from(client.get("/login").get_data(as_text=True)),
                                               "code": "000000"})
    assert response.status_code == 429


def test_code_page_without_a_password_step_sends_to_login(client):
    response = client.get("/login/kod")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.fixture
def require_mfa(app):
    app.config["SUPPORTLINE_REQUIRE_MFA"] = True
    yield
    app.config["SUPPORTLINE_REQUIRE_MFA"] = False


def test_required_mfa_makes_a_new_user_enrol_before_the_login_finishes(app, client, auth, create_user,
                                                                        require_mfa):
    user = create_user("coordinator")
    response = auth.login(user.email, next_url="/arenden")
    assert response.status_code == 302 and response.headers["Location"] == "/konto/tvastegs"
    assert client.get("/").status_code == 302
    html = client.get("/konto/tvastegs").get_data(as_text=True)
    assert "måste ha tvåstegsverifiering" in html
    secret = secret_from(html)
    done = client.post("/konto/tvastegs", data={"csrf_token": csrf_from(html), "code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200 and 'href="/arenden"' in done.get_data(as_text=True)
    assert client.get("/").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(UserSession).where(UserSession.user_id == user.id)) is not None


def test_mfa_is_off_in_test_and_dev_and_on_by_default_in_production(monkeypatch, tmp_path):
    from supportline.config import load_config

    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("SUPPORTLINE_REQUIRE_MFA", raising=False)
    for env, expected in [("dev", False), ("test", False), ("production", True)]:
        monkeypatch.setenv("SUPPORTLINE_ENV", env)
        assert load_config(str(tmp_path))["SUPPORTLINE_REQUIRE_MFA"] is expected
    monkeypatch.setenv("SUPPORTLINE_REQUIRE_MFA", "0")
    assert load_config(str(tmp_path))["SUPPORTLINE_REQUIRE_MFA"] is False


def test_admin_resets_a_second_factor_audited_and_the_user_is_logged_out(app, client, auth, login_as, enrol,
                                                                          create_user):
    user = login_as("handler")
    enrol()
    stolen = client.get_cookie("supportline_session").value
    auth.logout()
    admin = login_as("admin")
    html = client.get("/admin/").get_data(as_text=True)
    assert "Återställ tvåstegsverifiering" in html
    response = client.post(f"/admin/anvandare/{user.id}/tvastegs-aterstall", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(UserMfa).where(UserMfa.user_id == user.id)) is None
        assert db.session.scalar(select(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user.id)) is None
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "mfa.reset"))
        assert event.user_id == admin.id and event.object_id == str(user.id)
    auth.logout()
    client.set_cookie("supportline_session", stolen)
    assert client.get("/").status_code == 302
    # Without a second factor (and none required here) the password alone logs in again.
    assert auth.login(user.email).headers["Location"] == "/"


@pytest.mark.parametrize("role", ["handler", "editor", "coordinator"])
def test_only_admins_reset_a_second_factor(client, login_as, create_user, role):
    login_as(role)
    target = create_user("handler")
    token = csrf_from(client.get("/").get_data(as_text=True))
    assert client.post(f"/admin/anvandare/{target.id}/tvastegs-aterstall",
                       data={"csrf_token": token}).status_code == 403


def test_secret_encrypted_for_one_user_does_not_decrypt_for_another(app):
    from supportline.auth.mfa import decrypt_secret, encrypt_secret

    with app.test_request_context():
        sealed = encrypt_secret("JBSWY3DPEHPK3PXP", 1)
        assert decrypt_secret(sealed, 1) == "JBSWY3DPEHPK3PXP"
        assert decrypt_secret(sealed, 2) is None
        app.config["SUPPORTLINE_MFA_KEY"] = "en-annan-nyckel"
        try:
            assert decrypt_secret(sealed, 1) is None
        finally:
            app.config["SUPPORTLINE_MFA_KEY"] = None


def test_new_recovery_codes_replace_the_old_ones(client, auth, login_as, enrol):
    user = login_as("handler")
    _secret, old_codes = enrol()
    html = client.get("/konto/tvastegs").get_data(as_text=True)
    assert "10 oanvända reservkoder" in html
    response = client.post("/konto/tvastegs/reservkoder", data={"csrf_token": csrf_from(html)})
    new_codes = CODE_RE.findall(response.get_data(as_text=True))
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    auth.logout()
    auth.login(user.email)
    assert _code_step(client, old_codes[0]).status_code == 401
    assert _code_step(client, new_codes[0]).status_code == 302


def test_enrolment_page_needs_a_login_or_a_half_finished_one(client):
    response = client.get("/konto/tvastegs")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
