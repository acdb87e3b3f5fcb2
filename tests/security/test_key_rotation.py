"""Rotating SECRET_KEY and SUPPORTLINE_MFA_KEY with fallback keys: with the old key among the
fallbacks, sessions, open forms and TOTP codes keep working; without it they stop, as before."""

from __future__ import annotations

import time

import pyotp
import pytest
from flask_wtf.csrf import ValidationError, validate_csrf
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from supportline.audit.models import AuditEvent
from supportline.auth.models import UserMfa, UserSession
from supportline.db import utcnow
from supportline.extensions import db
from tests.conftest import AuthActions, csrf_from, make_app

OLD_MFA_KEY = "den-gamla-mfa-nyckeln-" + "a" * 30
NEW_MFA_KEY = "den-nya-mfa-nyckeln-" + "b" * 30
NEW_SECRET_KEY = "den-nya-sessionsnyckeln-" + "c" * 30


def enrolled(app, user, secret: str | None = None) -> pyotp.TOTP:
    from supportline.auth.mfa import encrypt_secret

    secret = secret or pyotp.random_base32()
    with app.app_context():
        db.session.add(UserMfa(user_id=user.id, secret_encrypted=encrypt_secret(secret, user.id),
                               confirmed_at=utcnow()))
        db.session.commit()
    return pyotp.TOTP(secret)


def login(client, email, code):
    """Password, then the code; the answer of the code step."""
    assert AuthActions(client).login(email).headers["Location"] == "/login/kod"
    page = client.get("/login/kod")
    return client.post("/login/kod", data={"csrf_token": csrf_from(page.get_data(as_text=True)), "code": code})


def stored_secret(app, user) -> str:
    with app.app_context():
        return db.session.scalar(select(UserMfa.secret_encrypted).where(UserMfa.user_id == user.id))


# --- SUPPORTLINE_MFA_KEY ------------------------------------------------------------------

def test_mfa_key_rotation_with_the_old_key_as_fallback_keeps_codes_and_reseals_on_use(
        app, create_user, monkeypatch):
    from supportline.auth.mfa import open_secret

    monkeypatch.setitem(app.config, "SUPPORTLINE_MFA_KEY", OLD_MFA_KEY)
    user = create_user("handler")
    totp = enrolled(app, user)
    sealed_before = stored_secret(app, user)

    # Rotated without a fallback: the secret is unreadable and the code refused (as before).
    monkeypatch.setitem(app.config, "SUPPORTLINE_MFA_KEY", NEW_MFA_KEY)
    assert login(app.test_client(), user.email, totp.now()).status_code == 401
    assert stored_secret(app, user) == sealed_before

    # With the old key as a fallback the same code works, and the secret is sealed again under
    # the new key, so the fallback is no longer needed for this user.
    monkeypatch.setitem(app.config, "SUPPORTLINE_MFA_KEY_FALLBACKS", [OLD_MFA_KEY])
    client = app.test_client()
    assert login(client, user.email, totp.now()).status_code == 302
    assert client.get("/").status_code == 200
    assert stored_secret(app, user) != sealed_before
    monkeypatch.setitem(app.config, "SUPPORTLINE_MFA_KEY_FALLBACKS", [])
    with app.app_context():
        assert open_secret(stored_secret(app, user), user.id) == (totp.secret, False)


def test_mfa_rekey_command_reseals_every_secret_and_reports_how_many(app, runner, create_user, monkeypatch):
    from supportline.auth.mfa import decrypt_secret

    monkeypatch.setitem(app.config, "SUPPORTLINE_MFA_KEY", OLD_MFA_KEY)
    users = [create_user("handler"), create_user("editor")]
    totps = [enrolled(app, u) for u in users]
    monkeypatch.setitem(app.config, "SUPPORTLINE_MFA_KEY", NEW_MFA_KEY)
    monkeypatch.setitem(app.config, "SUPPORTLINE_MFA_KEY_FALLBACKS", [OLD_MFA_KEY])
    late = create_user("coordinator")  # enrolled after the rotation: already under the new key
    enrolled(app, late)

    result = runner.invoke(args=["users", "mfa-rekey"])
    assert result.exit_code == 0, result.output
    assert "2 hemligheter omkrypterade med den nuvarande nyckeln, 1 var redan krypterade med den." in result.output
    again = runner.invoke(args=["users", "mfa-rekey"])
    assert "0 hemligheter omkrypterade med den nuvarande nyckeln, 3 var redan" in again.output

    monkeypatch.setitem(app.config, "SUPPORTLINE_MFA_KEY_FALLBACKS", [])
    with app.app_context():
        for user, totp in zip(users, totps, strict=True):
            assert decrypt_secret(stored_secret(app, user), user.id) == totp.secret
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "mfa.rekey")
                                   .order_by(AuditEvent.id)).first()
        assert event.actor == "system" and '"rekeyed": 2' in event.detail
    assert login(app.test_client(), users[0].email, totps[0].now()).status_code == 302


def test_mfa_rekey_names_the_accounts_no_key_can_read(app, runner, create_user, monkeypatch):
    monkeypatch.setitem(app.config, "SUPPORTLINE_MFA_KEY", "en-nyckel-som-ingen-har-kvar-" + "d" * 20)
    lost = create_user("handler")
    enrolled(app, lost)
    monkeypatch.setitem(app.config, "SUPPORTLINE_MFA_KEY", NEW_MFA_KEY)
    monkeypatch.setitem(app.config, "SUPPORTLINE_MFA_KEY_FALLBACKS", [OLD_MFA_KEY])
    result = runner.invoke(args=["users", "mfa-rekey"])
    assert result.exit_code == 1
    assert lost.email in result.output and "SUPPORTLINE_MFA_KEY_FALLBACKS" in result.output


def test_fallback_keys_are_read_from_the_environment(monkeypatch, tmp_path):
    from supportline.config import load_config

    monkeypatch.setenv("SUPPORTLINE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("SUPPORTLINE_SECRET_KEY_FALLBACKS", raising=False)
    monkeypatch.delenv("SUPPORTLINE_MFA_KEY_FALLBACKS", raising=False)
    config = load_config(str(tmp_path))
    assert config["SECRET_KEY_FALLBACKS"] == [] and config["SUPPORTLINE_MFA_KEY_FALLBACKS"] == []
    monkeypatch.setenv("SUPPORTLINE_SECRET_KEY_FALLBACKS", " gammal-1 , gammal-2,,")
    monkeypatch.setenv("SUPPORTLINE_MFA_KEY_FALLBACKS", "mfa-gammal")
    config = load_config(str(tmp_path))
    assert config["SECRET_KEY_FALLBACKS"] == ["gammal-1", "gammal-2"]
    assert config["SUPPORTLINE_MFA_KEY_FALLBACKS"] == ["mfa-gammal"]


# --- SECRET_KEY ----------------------------------------------------------------------------

@pytest.fixture
def rotated_apps(app, tmp_path, monkeypatch):
    """Builder of apps on the same database as `app` with another SECRET_KEY, as after a restart
    with new settings. The test app has no SUPPORTLINE_MFA_KEY, so the TOTP secrets are sealed
    under SECRET_KEY."""
    monkeypatch.setitem(app.config, "SUPPORTLINE_MFA_KEY", None)
    made = []

    def build(**config):
        other = make_app(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / f"app{len(made)}",
                         SUPPORTLINE_MFA_KEY=None, **config)
        made.append(other)
        return other

    yield build
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_secret_key_rotation_without_fallbacks_logs_out_and_loses_codes(app, create_user, rotated_apps):
    user = create_user("handler")
    totp = enrolled(app, user)
    client = app.test_client()
    assert login(client, user.email, totp.now()).status_code == 302
    rotated = rotated_apps(SECRET_KEY=NEW_SECRET_KEY)
    after = rotated.test_client()
    after.set_cookie("supportline_session", client.get_cookie("supportline_session").value)
    assert after.get("/konto").status_code == 302  # the old cookie is not accepted
    assert login(after, user.email, totp.at(time.time() + 30)).status_code == 401  # nor the secret readable


def test_secret_key_rotation_with_fallbacks_keeps_sessions_forms_and_codes(app, create_user, rotated_apps):
    from supportline.auth.mfa import decrypt_secret

    old_key = app.config["SECRET_KEY"]
    user = create_user("handler")
    totp = enrolled(app, user)
    client = app.test_client()
    assert login(client, user.email, totp.now()).status_code == 302
    old_form_token = csrf_from(client.get("/konto").get_data(as_text=True))
    old_cookie = client.get_cookie("supportline_session").value

    rotated = rotated_apps(SECRET_KEY=NEW_SECRET_KEY, SECRET_KEY_FALLBACKS=[old_key])
    after = rotated.test_client()
    after.set_cookie("supportline_session", old_cookie)
    assert after.get("/konto").status_code == 200  # still logged in

    # A second factor sealed under the old SECRET_KEY still works, and is sealed again under the
    # new one: an app with the new key alone reads it.
    other = rotated.test_client()
    assert login(other, user.email, totp.at(time.time() + 30)).status_code == 302
    with rotated_apps(SECRET_KEY=NEW_SECRET_KEY).app_context():
        assert decrypt_secret(stored_secret(app, user), user.id) == totp.secret

    # A form opened before the rotation is still accepted: here the logout button of /konto.
    response = after.post("/logout", data={"csrf_token": old_form_token})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    with app.app_context():
        live = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id,
                                                            UserSession.revoked_at.is_(None))).all()
    assert len(live) == 1  # the first browser's session ended; the second browser's goes on


def test_csrf_tokens_signed_with_an_old_key_pass_only_with_fallbacks(app, rotated_apps):
    old_key = app.config["SECRET_KEY"]
    raw = "r" * 40
    old_token = URLSafeTimedSerializer(old_key, salt="wtf-csrf-token").dumps(raw)
    with rotated_apps(SECRET_KEY=NEW_SECRET_KEY, SECRET_KEY_FALLBACKS=[old_key]).test_request_context():
        from flask import session
        from flask_wtf.csrf import generate_csrf

        session["csrf_token"] = raw
        validate_csrf(old_token)
        # New tokens are signed with the new key.
        URLSafeTimedSerializer(NEW_SECRET_KEY, salt="wtf-csrf-token").loads(generate_csrf())
    with rotated_apps(SECRET_KEY=NEW_SECRET_KEY).test_request_context():
        from flask import session

        session["csrf_token"] = raw
        with pytest.raises(ValidationError):
            validate_csrf(old_token)
