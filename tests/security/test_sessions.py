"""Sessions: log out everywhere, changing one's own password, session fixation."""

from __future__ import annotations

from sqlalchemy import select

from supportline.audit.models import AuditEvent
from supportline.auth.models import UserSession
from supportline.extensions import db
from tests.conftest import PASSWORD, AuthActions, csrf_from

NEW_PASSWORD = "en-helt-ny-mening-om-våren"


def _second_client(app, email):
    other = app.test_client()
    assert AuthActions(other).login(email).status_code == 302
    return other


def test_log_out_everywhere_ends_every_session(app, client, login_as):
    user = login_as("handler")
    other = _second_client(app, user.email)
    assert other.get("/").status_code == 200
    html = client.get("/konto").get_data(as_text=True)
    assert "Logga ut överallt" in html
    response = client.post("/konto/logga-ut-overallt", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.get("/").status_code == 302
    assert other.get("/").status_code == 302
    with app.app_context():
        live = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id,
                                                            UserSession.revoked_at.is_(None))).all()
        assert live == []
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "logout.everywhere")) is not None


def _change(client, current, new, repeat=None):
    html = client.get("/konto/losenord").get_data(as_text=True)
    return client.post("/konto/losenord", data={"csrf_token": csrf_from(html), "current_password": current,
                                                "new_password": new, "repeat_password": repeat or new})


def test_password_change_needs_the_current_password_and_ends_all_other_sessions(app, client, auth, login_as):
    user = login_as("editor")
    other = _second_client(app, user.email)
    wrong = _change(client, "inte-mitt-losenord-alls", NEW_PASSWORD)
    assert wrong.status_code == 422
    assert "Det nuvarande lösenordet stämmer inte." in wrong.get_data(as_text=True)
    old_cookie = client.get_cookie("supportline_session").value
    response = _change(client, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this browser goes on, on a new session
    assert client.get_cookie("supportline_session").value != old_cookie
    assert other.get("/").status_code == 302  # every other one has ended
    auth.logout()
    assert auth.login(user.email, PASSWORD).status_code == 401
    assert auth.login(user.email, NEW_PASSWORD).status_code == 302


def test_password_change_errors_are_on_the_field_and_swedish(client, login_as):
    login_as("handler")
    mismatch = _change(client, PASSWORD, NEW_PASSWORD, repeat=NEW_PASSWORD + "x")
    assert mismatch.status_code == 422 and "Lösenorden är inte likadana." in mismatch.get_data(as_text=True)
    weak = _change(client, PASSWORD, "kort")
    body = weak.get_data(as_text=True)
    assert weak.status_code == 422 and 'id="new_password-error"' in body and "minst 12 tecken" in body


def test_guessing_the_current_password_is_throttled(client, login_as):
    login_as("handler")
    for _ in range(5):
        assert _change(client, "inte-mitt-losenord-alls", NEW_PASSWORD).status_code == 422
    assert _change(client, PASSWORD, NEW_PASSWORD).status_code == 429


def test_session_fixation_a_cookie_from_before_login_is_not_the_one_after(client, create_user):
    """An attacker who plants a session cookie before the victim logs in gains nothing."""
    user = create_user("handler")
    page = client.get("/login")
    before = client.get_cookie("supportline_session")
    assert before is not None  # the CSRF token lives in the session
    planted = before.value
    client.post("/login", data={"email": user.email, "password": PASSWORD,
                                "csrf_token": csrf_from(page.get_data(as_text=True))})
    after = client.get_cookie("supportline_session").value
    assert after != planted
    attacker = client.application.test_client()
    attacker.set_cookie("supportline_session", planted)
    assert attacker.get("/").status_code == 302


def test_session_fixation_an_invented_server_side_id_is_ignored(client, create_user):
    """The server-side session id is made by the server at login; a forged cookie with a
    made-up id (even correctly signed) finds no session row."""
    from flask.sessions import SecureCookieSessionInterface

    user = create_user("handler")
    app = client.application
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    forged = serializer.dumps({"sid": "attacker-chosen-id", "_user_id": str(user.id)})
    client.set_cookie("supportline_session", forged)
    assert client.get("/").status_code == 302
