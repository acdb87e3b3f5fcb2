"""The half-way login (password right, second factor due) is a one-time row on the server.

The attacker here holds SECRET_KEY: they can write any session cookie, CSRF token included. Before,
the half-way state lived in that cookie alone ({"uid", "step", "at"}), so such a cookie skipped the
password for any account, or let them enrol their own second factor on an account without one.
"""

from __future__ import annotations

import datetime as dt
import time

import pyotp
import pytest
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select, update

from supportline.audit.models import AuditEvent
from supportline.auth.models import PendingLogin, UserMfa, UserSession
from supportline.db import utcnow
from supportline.extensions import db
from tests.conftest import PASSWORD, AuthActions, csrf_from
from tests.security.conftest import CODE_RE, secret_from

COOKIE = "supportline_session"


def enrolled(app, user) -> pyotp.TOTP:
    """A confirmed second factor for the user, set up directly (the pages are tested elsewhere)."""
    from supportline.auth.mfa import encrypt_secret

    secret = pyotp.random_base32()
    with app.app_context():
        db.session.add(UserMfa(user_id=user.id, secret_encrypted=encrypt_secret(secret, user.id),
                               confirmed_at=utcnow()))
        db.session.commit()
    return pyotp.TOTP(secret)


def forge(client, state: dict) -> str:
    """Plant a session cookie signed with the app's SECRET_KEY, as its holder could, with a CSRF
    token to match; returns the signed CSRF token for the forms."""
    app = client.application
    raw = "f" * 40
    cookie = SecureCookieSessionInterface().get_signing_serializer(app).dumps({**state, "csrf_token": raw})
    client.set_cookie(COOKIE, cookie)
    return URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)


def read_session(client) -> dict:
    serializer = SecureCookieSessionInterface().get_signing_serializer(client.application)
    return serializer.loads(client.get_cookie(COOKIE).value)


def counts(app, user) -> tuple[int, int, int]:
    """Sessions, second factors and login events of the user."""
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id)),
            db.session.scalar(select(func.count()).select_from(UserMfa).where(UserMfa.user_id == user.id)),
            db.session.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.user_id == user.id, AuditEvent.action.in_(["login", "mfa.enrol"]))),
        )


def post_code(client, path: str, code: str):
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True)), "code": code})


@pytest.fixture
def require_mfa(app, monkeypatch):
    monkeypatch.setitem(app.config, "SUPPORTLINE_REQUIRE_MFA", True)


def test_a_forged_old_style_code_step_does_not_skip_the_password(app, create_user):
    victim = create_user("handler")
    totp = enrolled(app, victim)
    before = counts(app, victim)
    attacker = app.test_client()
    csrf = forge(attacker, {"mfa_pending": {"uid": victim.id, "step": "verify", "at": int(time.time()),
                                            "next": "/arenden"}})
    page = attacker.get("/login/kod")
    assert page.status_code == 302 and page.headers["Location"] == "/login"
    # Even with a right code (a stolen phone, or a shoulder surfed code) and a matching CSRF token.
    response = attacker.post("/login/kod", data={"csrf_token": csrf, "code": totp.now()})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert attacker.get("/arenden").status_code == 302
    assert counts(app, victim) == before


def test_a_forged_old_style_enrolment_step_does_not_take_an_account_without_a_second_factor(
        app, create_user, require_mfa):
    victim = create_user("admin")
    before = counts(app, victim)
    attacker = app.test_client()
    csrf = forge(attacker, {"mfa_pending": {"uid": victim.id, "step": "enrol", "at": int(time.time()),
                                            "next": "/admin/"}})
    page = attacker.get("/konto/tvastegs")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")
    own = pyotp.TOTP(pyotp.random_base32())
    response = attacker.post("/konto/tvastegs", data={"csrf_token": csrf, "code": own.now()})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert attacker.get("/admin/").status_code == 302
    assert counts(app, victim) == before == (0, 0, 0)


@pytest.mark.parametrize("step", ["verify", "enrol"])
def test_a_forged_token_names_no_half_way_login(app, create_user, require_mfa, step):
    victim = create_user("handler")
    if step == "verify":
        enrolled(app, victim)
    attacker = app.test_client()
    forge(attacker, {"mfa_pending": {"token": "attacker-chosen-token", "uid": victim.id, "step": step}})
    path = "/login/kod" if step == "verify" else "/konto/tvastegs"
    assert attacker.get(path).status_code == 302


def test_the_forging_works_so_only_the_server_side_row_stops_it(app, create_user):
    """The control: the same forged cookie carrying a real half-way token (copied within its few
    minutes, from a browser whose password step was real) does finish the login. So what stopped
    the forgeries above is the missing row, not the way the cookie was made."""
    user = create_user("handler")
    totp = enrolled(app, user)
    victim = app.test_client()
    assert AuthActions(victim).login(user.email).headers["Location"] == "/login/kod"
    token = read_session(victim)["mfa_pending"]["token"]
    attacker = app.test_client()
    csrf = forge(attacker, {"mfa_pending": {"token": token, "next": "/"}})
    response = attacker.post("/login/kod", data={"csrf_token": csrf, "code": totp.now()})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert attacker.get("/").status_code == 200


def test_password_then_code_logs_in_once(app, client, auth, create_user):
    user = create_user("handler")
    totp = enrolled(app, user)
    response = auth.login(user.email, next_url="/arenden")
    assert response.headers["Location"] == "/login/kod"
    state = read_session(client)["mfa_pending"]
    assert set(state) == {"token", "next"}  # no user id, no step, no time in the cookie
    half_way = client.get_cookie(COOKIE).value
    response = post_code(client, "/login/kod", totp.now())
    assert response.status_code == 302 and response.headers["Location"] == "/arenden"
    assert client.get("/").status_code == 200
    with app.app_context():
        row = db.session.scalar(select(PendingLogin).where(PendingLogin.user_id == user.id))
        assert row.step == "verify" and row.consumed_at is not None and row.token_hash != state["token"]
    # The half-way cookie, replayed after the login, is spent.
    replay = app.test_client()
    replay.set_cookie(COOKIE, half_way)
    assert replay.get("/login/kod").status_code == 302
    assert replay.get("/").status_code == 302


def test_password_then_enrolment_then_recovery_codes(app, client, auth, create_user, require_mfa):
    user = create_user("coordinator")
    response = auth.login(user.email, next_url="/statistik")
    assert response.headers["Location"] == "/konto/tvastegs"
    half_way = client.get_cookie(COOKIE).value
    html = client.get("/konto/tvastegs").get_data(as_text=True)
    secret = secret_from(html)
    wrong = client.post("/konto/tvastegs", data={"csrf_token": csrf_from(html), "code": "000000"})
    assert wrong.status_code == 422 and "Koden stämmer inte" in wrong.get_data(as_text=True)
    done = client.post("/konto/tvastegs", data={"csrf_token": csrf_from(html), "code": pyotp.TOTP(secret).now()})
    body = done.get_data(as_text=True)
    assert done.status_code == 200 and len(CODE_RE.findall(body)) == 10 and 'href="/statistik"' in body
    assert client.get("/statistik").status_code == 200
    with app.app_context():
        row = db.session.scalar(select(PendingLogin).where(PendingLogin.user_id == user.id))
        assert row.step == "enrol" and row.consumed_at is not None and row.attempts == 1
    replay = app.test_client()
    replay.set_cookie(COOKIE, half_way)
    assert replay.get("/konto/tvastegs").status_code == 302


def test_a_half_way_login_allows_a_few_codes_then_the_password_again(app, client, auth, create_user, monkeypatch):
    # The account throttle (5 failures) would answer 429 first; lift it to see the row's own limit.
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_ACCOUNT", 100)
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_ADDRESS", 100)
    from supportline.auth.service import PENDING_LOGIN_MAX_ATTEMPTS

    user = create_user("handler")
    totp = enrolled(app, user)
    auth.login(user.email)
    wrong = "000000" if totp.now() != "000000" else "111111"
    for _ in range(PENDING_LOGIN_MAX_ATTEMPTS):
        assert post_code(client, "/login/kod", wrong).status_code == 401
    response = post_code(client, "/login/kod", totp.now())  # right, but too late
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "login.pending_exhausted")) is not None
    # A new password step starts a new half-way login.
    auth.login(user.email)
    assert post_code(client, "/login/kod", totp.now()).status_code == 302
    assert client.get("/").status_code == 200


def test_a_half_way_login_is_used_once_even_by_parallel_requests(app, client, auth, create_user, monkeypatch):
    from supportline.auth import service

    user = create_user("handler")
    totp = enrolled(app, user)
    auth.login(user.email)
    csrf = csrf_from(client.get("/login/kod").get_data(as_text=True))
    throttle_check = service._check_throttle

    def parallel_request_finishes_first(email, remote_addr):
        throttle_check(email, remote_addr)
        # Between this request's first look at the half-way login and its claim on it, another
        # request with the same cookie completes the login and commits.
        with db.engine.begin() as conn:
            conn.execute(update(PendingLogin).where(PendingLogin.user_id == user.id).values(consumed_at=utcnow()))

    monkeypatch.setattr(service, "_check_throttle", parallel_request_finishes_first)
    response = client.post("/login/kod", data={"csrf_token": csrf, "code": totp.now()})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert counts(app, user)[0] == 0


def test_a_half_way_login_expires(app, client, auth, create_user):
    user = create_user("handler")
    totp = enrolled(app, user)
    auth.login(user.email)
    csrf = csrf_from(client.get("/login/kod").get_data(as_text=True))
    with app.app_context():
        db.session.execute(update(PendingLogin).where(PendingLogin.user_id == user.id)
                           .values(created_at=utcnow() - dt.timedelta(minutes=11)))
        db.session.commit()
    response = client.post("/login/kod", data={"csrf_token": csrf, "code": totp.now()})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "Inloggningen har gått ut" in client.get("/login").get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_log_out_everywhere_ends_a_half_way_login_too(app, client, auth, create_user):
    from supportline.auth.models import User
    from supportline.auth.service import logout_everywhere

    user = create_user("handler")
    totp = enrolled(app, user)
    auth.login(user.email)
    csrf = csrf_from(client.get("/login/kod").get_data(as_text=True))
    with app.app_context():
        logout_everywhere(db.session.get(User, user.id))
    response = client.post("/login/kod", data={"csrf_token": csrf, "code": totp.now()})
    assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_an_enrolment_begun_with_the_old_password_cannot_finish_after_a_password_change(
        app, client, auth, create_user, require_mfa):
    from supportline.auth.models import User
    from supportline.auth.service import set_password

    user = create_user("handler")
    auth.login(user.email)
    html = client.get("/konto/tvastegs").get_data(as_text=True)
    secret = secret_from(html)
    with app.app_context():
        set_password(None, db.session.get(User, user.id), "ett-helt-nytt-losenord-nu")
    response = client.post("/konto/tvastegs", data={"csrf_token": csrf_from(html), "code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert counts(app, user)[0] == 0
    with app.app_context():
        assert db.session.scalar(select(UserMfa.confirmed_at).where(UserMfa.user_id == user.id)) is None
    assert AuthActions(app.test_client()).login(user.email, PASSWORD).status_code == 401
