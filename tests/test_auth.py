import datetime as dt

import pytest
from sqlalchemy import select

from supportline.audit.models import AuditEvent
from supportline.auth.models import ApiToken, User, UserSession
from supportline.extensions import db
from tests.conftest import PASSWORD, csrf_from


def test_login_page_is_swedish_and_labelled(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="sv">' in html
    assert '<label for="email">E-postadress</label>' in html
    assert '<label for="password">Lösenord</label>' in html


def test_login_and_logout(client, auth, create_user):
    user = create_user("handler", name="Hanna")
    response = auth.login(user.email)
    assert response.status_code == 302
    page = client.get("/")
    assert page.status_code == 200
    assert "Välkommen, Hanna" in page.get_data(as_text=True)
    assert auth.logout().status_code == 302
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("case", ["wrong_password", "unknown_user", "deactivated"])
def test_failed_login_gives_one_generic_message(client, auth, create_user, case):
    user = create_user("handler", active=case != "deactivated")
    email = "nobody@test.invalid" if case == "unknown_user" else user.email
    password = "fel-losenord-helt-klart" if case == "wrong_password" else PASSWORD
    response = auth.login(email, password)
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "Fel e-postadress eller lösenord, eller så är kontot inaktiverat." in html
    assert f'value="{email}"' in html  # what was typed comes back
    assert client.get("/").status_code == 302


def test_failed_and_successful_logins_are_audited(app, auth, create_user):
    user = create_user("handler")
    auth.login(user.email, "fel-losenord-helt-klart")
    auth.login(user.email)
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor == user.email)
                                     .order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["login.failed", "login"]


def test_login_is_throttled_per_account_with_swedish_429(auth, create_user):
    user = create_user("handler")
    for _ in range(5):
        assert auth.login(user.email, "fel-losenord-helt-klart").status_code == 401
    response = auth.login(user.email)  # even the right password is refused now
    assert response.status_code == 429
    assert "För många misslyckade inloggningsförsök" in response.get_data(as_text=True)


def test_throttle_counts_unknown_accounts_the_same_way(auth):
    for _ in range(5):
        auth.login("ghost@test.invalid", "fel-losenord-helt-klart")
    assert auth.login("ghost@test.invalid", "fel-losenord-helt-klart").status_code == 429


def test_login_without_csrf_token_is_refused_in_swedish(client, create_user):
    user = create_user("handler")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "säkerhetstoken" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_copied_cookie_stops_working_after_logout(app, auth, create_user):
    user = create_user("handler")
    auth.login(user.email)
    stolen = auth.client.get_cookie("supportline_session").value
    auth.logout()
    other = app.test_client()
    other.set_cookie("supportline_session", stolen)
    assert other.get("/").status_code == 302


def test_deactivation_ends_existing_sessions(app, client, auth, create_user):
    user = create_user("handler")
    auth.login(user.email)
    assert client.get("/").status_code == 200
    admin = create_user("admin")
    admin_client = app.test_client()
    page = admin_client.get("/login")
    admin_client.post("/login", data={"email": admin.email, "password": PASSWORD,
                                      "csrf_token": csrf_from(page.get_data(as_text=True))})
    token = csrf_from(admin_client.get("/admin/").get_data(as_text=True))
    response = admin_client.post(f"/admin/anvandare/{user.id}/inaktivera", data={"csrf_token": token,
                                                                              "bekraftat": "ja"})
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_session_is_new_on_login(client, auth, create_user):
    user = create_user("handler")
    client.get("/login")
    before = client.get_cookie("supportline_session").value
    auth.login(user.email)
    assert client.get_cookie("supportline_session").value != before


@pytest.mark.parametrize("field,delta", [("last_seen_at", dt.timedelta(minutes=31)),
                                         ("created_at", dt.timedelta(hours=11))])
def test_idle_and_absolute_timeouts(app, client, auth, create_user, field, delta):
    user = create_user("handler")
    auth.login(user.email)
    with app.app_context():
        row = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
        setattr(row, field, getattr(row, field) - delta)
        if field == "created_at":
            row.last_seen_at = row.last_seen_at  # recently active, but too old in total
        db.session.commit()
    assert client.get("/").status_code == 302


def _backdate_session(app, user, **deltas) -> None:
    with app.app_context():
        row = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
        for field, delta in deltas.items():
            setattr(row, field, getattr(row, field) - delta)
        db.session.commit()


def test_keep_alive_moves_a_short_idle_limit_and_not_the_absolute_one(app, client, auth, create_user,
                                                                      monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 1)
    user = create_user("handler")
    auth.login(user.email)
    token = csrf_from(client.get("/konto").get_data(as_text=True))
    _backdate_session(app, user, last_seen_at=dt.timedelta(seconds=40))
    response = client.post("/konto/fortsatt", headers={"Accept": "application/json", "X-CSRFToken": token})
    assert response.status_code == 200 and response.get_json() == {"idle_seconds": 60}
    _backdate_session(app, user, last_seen_at=dt.timedelta(seconds=40))  # 80 s without the keep-alive
    assert client.get("/").status_code == 200
    _backdate_session(app, user, created_at=dt.timedelta(hours=11))
    response = client.post("/konto/fortsatt", headers={"Accept": "application/json", "X-CSRFToken": token})
    assert response.status_code == 401


def test_a_script_is_told_in_json_that_the_login_ran_out(app, client, auth, create_user):
    user = create_user("handler")
    auth.login(user.email)
    token = csrf_from(client.get("/arenden/nytt").get_data(as_text=True))
    _backdate_session(app, user, last_seen_at=dt.timedelta(minutes=31))
    response = client.post("/arenden/utkast", json={"summary": "Skrivet efter lunch."},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 401
    assert response.get_json()["error"] == "Inloggningen har gått ut. Logga in igen."
    assert client.get("/arenden/nytt").status_code == 302  # a page still leads to the login


@pytest.mark.parametrize("target", [
    "//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"])
def test_next_parameter_cannot_redirect_off_site(auth, create_user, target):
    user = create_user("handler")
    response = auth.login(user.email, next_url=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_parameter_keeps_local_paths(auth, create_user):
    user = create_user("admin")
    assert auth.login(user.email, next_url="/admin/").headers["Location"] == "/admin/"


def test_passwords_are_argon2id_at_owasp_minimum(app, create_user):
    # A password of its own: the shared test password's hash is made by the tests, not the app.
    user = create_user("handler", password="Ett eget lösenord för argon2-kontrollen")
    with app.app_context():
        stored = db.session.get(User, user.id).password_hash
    assert stored.startswith("$argon2id$")
    params = dict(p.split("=") for p in stored.split("$")[3].split(","))
    assert int(params["m"]) >= 19 * 1024 and int(params["t"]) >= 2 and int(params["p"]) >= 1


@pytest.mark.parametrize("password,message", [
    ("kort", "minst 12 tecken"),
    ("password1234", "för vanligt"),
    ("aaaaaaaaaaaaaaa", "för vanligt"),
    ("kalle.anka.hemligt", "e-postadress"),
])
def test_password_policy(app, password, message):
    from supportline.auth.service import AccountError, create_user

    with app.app_context(), pytest.raises(AccountError, match=message):
        create_user(None, "kalle.anka@test.invalid", "handler", password)


def test_api_token_is_shown_once_and_stored_hashed(app, client, create_user):
    from supportline.auth.service import issue_api_token

    user = create_user("handler")
    with app.app_context():
        token = issue_api_token(None, db.session.get(User, user.id))
        stored = db.session.scalars(select(ApiToken.token_hash)).all()
    assert token not in stored
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json == {"email": user.email, "role": "handler"}
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer slt_wrong"}).status_code == 401
    assert client.get("/api/v1/me").status_code == 401


def test_secret_key_is_required_in_production(monkeypatch, tmp_path):
    from supportline import create_app
    from supportline.config import ConfigError

    monkeypatch.setenv("SUPPORTLINE_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("SUPPORTLINE_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(ConfigError, match="SECRET_KEY saknas"):
        create_app()


def test_production_cookies_are_secure(monkeypatch, tmp_path):
    from supportline import create_app

    monkeypatch.setenv("SUPPORTLINE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("SUPPORTLINE_INSTANCE_PATH", str(tmp_path))
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
