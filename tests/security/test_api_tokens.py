"""API tokens can be seen (never their secret), revoked by their owner, by an admin and on the
command line, may expire, and end for good when the account is deactivated. A password change,
"log out everywhere" and a second-factor reset end sessions, not API tokens (docs/SECURITY.md)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from sqlalchemy import select, update

from supportline.audit.models import AuditEvent
from supportline.auth.models import ApiToken, User
from supportline.db import utcnow
from supportline.extensions import db
from tests.conftest import PASSWORD, csrf_from


@pytest.fixture
def issue(app):
    """issue(user, name='', days=None) -> (token, token id)."""
    from supportline.auth.service import issue_api_token

    def do(user, name="", days=None):
        with app.app_context():
            token = issue_api_token(None, db.session.get(User, user.id), name=name, days=days)
            row_id = db.session.scalar(select(ApiToken.id).where(
                ApiToken.token_hash == hashlib.sha256(token.encode()).hexdigest()))
        return token, row_id

    return do


def works(app, token: str) -> bool:
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (200, 401)
    return response.status_code == 200


def revoked_at(app, token_id: int):
    with app.app_context():
        return db.session.scalar(select(ApiToken.revoked_at).where(ApiToken.id == token_id))


def token_events(app) -> list[AuditEvent]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "token.revoke")
                                  .order_by(AuditEvent.id)).all()
        db.session.expunge_all()
        return rows


# --- the owner, on /konto -------------------------------------------------------------------

def test_account_page_lists_own_working_tokens_without_their_secret(app, client, login_as, create_user, issue):
    user = login_as("handler")
    used, used_id = issue(user, name="Telefonisystemet")
    unused, _ = issue(user, name="Statistikexport", days=30)
    gone, gone_id = issue(user, name="Gammal integration")
    other_user = create_user("handler")
    issue(other_user, name="Någon annans")
    assert works(app, used)
    from supportline.auth.service import revoke_api_token

    with app.app_context():
        assert revoke_api_token(None, db.session.get(User, user.id), gone_id)
        hashes = db.session.scalars(select(ApiToken.token_hash)).all()

    html = client.get("/konto").get_data(as_text=True)
    assert "Telefonisystemet" in html and "Statistikexport" in html
    assert "Gammal integration" not in html and "Någon annans" not in html
    assert used not in html and unused not in html and not any(h in html for h in hashes)
    with app.app_context():
        row = db.session.get(ApiToken, used_id)
        assert row.last_used_at is not None
    row_html = html.split("Telefonisystemet", 1)[1].split("</tr>", 1)[0]
    assert "Aldrig" not in row_html and "Tills vidare" in row_html
    assert "Aldrig" in html.split("Statistikexport", 1)[1].split("</tr>", 1)[0]


def test_a_user_revokes_their_own_token_and_it_is_audited(app, client, login_as, issue):
    user = login_as("handler")
    token, token_id = issue(user, name="Telefonisystemet")
    keep, _ = issue(user, name="Annan")
    assert works(app, token)
    html = client.get("/konto").get_data(as_text=True)
    response = client.post(f"/konto/api-token/{token_id}/aterkalla", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302 and response.headers["Location"] == "/konto"
    assert not works(app, token) and works(app, keep)
    assert revoked_at(app, token_id) is not None
    [event] = token_events(app)
    assert event.user_id == user.id and event.object_id == str(user.id)
    assert json.loads(event.detail)["tokens"] == [token_id]
    page = client.get("/konto").get_data(as_text=True)
    assert "API-token är återkallad" in page and "Telefonisystemet" not in page
    # Once revoked there is nothing left to revoke.
    again = client.post(f"/konto/api-token/{token_id}/aterkalla", data={"csrf_token": csrf_from(page)})
    assert again.status_code == 404 and len(token_events(app)) == 1


def test_a_user_cannot_revoke_someone_elses_token(app, client, login_as, create_user, issue):
    login_as("handler")
    other = create_user("handler")
    token, token_id = issue(other, name="Någon annans")
    html = client.get("/konto").get_data(as_text=True)
    response = client.post(f"/konto/api-token/{token_id}/aterkalla", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 404
    assert works(app, token) and revoked_at(app, token_id) is None and token_events(app) == []


def test_revoking_needs_a_login_and_the_csrf_token(app, client, login_as, issue):
    user = login_as("handler")
    token, token_id = issue(user)
    assert client.post(f"/konto/api-token/{token_id}/aterkalla").status_code == 400
    anonymous = app.test_client()
    csrf = csrf_from(anonymous.get("/login").get_data(as_text=True))
    response = anonymous.post(f"/konto/api-token/{token_id}/aterkalla", data={"csrf_token": csrf})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    # The token itself is no way in: a bearer request to the page has no session, so no CSRF token.
    bearer = app.test_client().post(f"/konto/api-token/{token_id}/aterkalla",
                                    headers={"Authorization": f"Bearer {token}"})
    assert bearer.status_code == 400
    assert works(app, token) and token_events(app) == []


# --- an admin, on the account's page ------------------------------------------------------------

def test_admin_sees_and_revokes_a_users_tokens_audited(app, client, login_as, create_user, issue):
    admin = login_as("admin")
    user = create_user("handler", name="Hanna")
    first, first_id = issue(user, name="Telefonisystemet")
    second, second_id = issue(user, name="Statistikexport")
    third, third_id = issue(user, name="Rapportverktyget")
    index = client.get("/admin/").get_data(as_text=True)
    assert f'href="/admin/anvandare/{user.id}"' in index
    page = client.get(f"/admin/anvandare/{user.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Telefonisystemet" in html and "Statistikexport" in html and first not in html

    response = client.post(f"/admin/anvandare/{user.id}/api-token/{first_id}/aterkalla",
                           data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302 and response.headers["Location"] == f"/admin/anvandare/{user.id}"
    assert not works(app, first) and works(app, second) and works(app, third)
    # A token id of another account, through this account's URL, is not found.
    mine, mine_id = issue(admin, name="Adminens egen")
    wrong = client.post(f"/admin/anvandare/{user.id}/api-token/{mine_id}/aterkalla",
                        data={"csrf_token": csrf_from(html)})
    assert wrong.status_code == 404 and works(app, mine)

    response = client.post(f"/admin/anvandare/{user.id}/api-token/aterkalla", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302
    assert not works(app, second) and not works(app, third) and works(app, mine)
    assert "Alla API-token för" in client.get(f"/admin/anvandare/{user.id}").get_data(as_text=True)
    events = token_events(app)
    assert [json.loads(e.detail)["tokens"] for e in events] == [[first_id], [second_id, third_id]]
    assert all(e.user_id == admin.id and e.object_id == str(user.id) for e in events)


@pytest.mark.parametrize("role", ["handler", "editor", "coordinator", None])
def test_only_admins_see_and_revoke_another_users_tokens(app, client, login_as, create_user, issue, role):
    csrf = csrf_from(client.get("/login").get_data(as_text=True))
    if role:
        login_as(role)
        csrf = csrf_from(client.get("/konto").get_data(as_text=True))
    user = create_user("handler")
    token, token_id = issue(user, name="Telefonisystemet")
    expected = 403 if role else 302
    assert client.get(f"/admin/anvandare/{user.id}").status_code == expected
    for path in (f"/admin/anvandare/{user.id}/api-token/{token_id}/aterkalla",
                 f"/admin/anvandare/{user.id}/api-token/aterkalla"):
        assert client.post(path, data={"csrf_token": csrf}).status_code == expected
    assert works(app, token) and token_events(app) == []


def test_admin_user_page_of_an_unknown_account_is_404(client, login_as):
    login_as("admin")
    assert client.get("/admin/anvandare/2147483647").status_code == 404


# --- the command line ---------------------------------------------------------------------------

def test_cli_lists_and_revokes_tokens(app, runner, create_user):
    user = create_user("handler")
    made = runner.invoke(args=["users", "token", user.email, "--name", "Telefonisystemet"])
    assert made.exit_code == 0, made.output
    token = made.stdout.strip().splitlines()[0]
    second = runner.invoke(args=["users", "token", user.email]).stdout.strip().splitlines()[0]
    third = runner.invoke(args=["users", "token", user.email]).stdout.strip().splitlines()[0]
    assert works(app, token)
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.name == "Telefonisystemet"))

    listing = runner.invoke(args=["users", "tokens", user.email])
    assert listing.exit_code == 0
    assert f"{token_id}\tTelefonisystemet\t" in listing.output and "senast använd" in listing.output
    assert token not in listing.output

    revoked = runner.invoke(args=["users", "revoke-token", user.email, "--id", str(token_id)])
    assert revoked.exit_code == 0 and "är återkallad" in revoked.output
    assert not works(app, token) and works(app, second)
    assert str(token_id) + "\t" not in runner.invoke(args=["users", "tokens", user.email]).output
    again = runner.invoke(args=["users", "revoke-token", user.email, "--id", str(token_id)])
    assert again.exit_code == 1 and "ingen giltig API-token" in again.output

    everything = runner.invoke(args=["users", "revoke-token", user.email, "--all"])
    assert everything.exit_code == 0 and "2 API-token" in everything.output
    assert not works(app, second) and not works(app, third)
    events = token_events(app)
    assert len(events) == 2 and all(e.actor == "system" and e.object_id == str(user.id) for e in events)


def test_cli_revoke_needs_exactly_one_of_id_and_all(runner, create_user):
    user = create_user("handler")
    assert runner.invoke(args=["users", "revoke-token", user.email]).exit_code == 2
    assert runner.invoke(args=["users", "revoke-token", user.email, "--id", "1", "--all"]).exit_code == 2
    unknown = runner.invoke(args=["users", "revoke-token", "nobody@test.invalid", "--all"])
    assert unknown.exit_code == 1 and "inget konto" in unknown.output


def test_a_token_made_with_days_expires(app, runner, create_user):
    user = create_user("handler")
    made = runner.invoke(args=["users", "token", user.email, "--days", "30", "--name", "Tillfällig"])
    token = made.stdout.strip().splitlines()[0]
    assert works(app, token)
    with app.app_context():
        row = db.session.scalar(select(ApiToken).where(ApiToken.name == "Tillfällig"))
        assert dt.timedelta(days=29) < row.expires_at - utcnow() <= dt.timedelta(days=30)
        db.session.execute(update(ApiToken).where(ApiToken.id == row.id)
                           .values(expires_at=utcnow() - dt.timedelta(seconds=1)))
        db.session.commit()
    assert not works(app, token)
    assert "Tillfällig" not in runner.invoke(args=["users", "tokens", user.email]).output
    assert runner.invoke(args=["users", "token", user.email, "--days", "0"]).exit_code == 2


# --- what else ends a token -------------------------------------------------------------------

def test_deactivating_an_account_revokes_its_tokens_for_good(app, client, login_as, create_user, issue):
    login_as("admin")
    user = create_user("handler")
    token, token_id = issue(user, name="Telefonisystemet")
    csrf = csrf_from(client.get("/admin/").get_data(as_text=True))
    assert client.post(f"/admin/anvandare/{user.id}/inaktivera",
                       data={"csrf_token": csrf, "bekraftat": "ja"}).status_code == 302
    assert not works(app, token) and revoked_at(app, token_id) is not None
    [event] = token_events(app)
    assert json.loads(event.detail) == {"reason": "deactivate", "tokens": [token_id]}
    # Activating the account again does not bring the token back.
    assert client.post(f"/admin/anvandare/{user.id}/aktivera", data={"csrf_token": csrf}).status_code == 302
    assert not works(app, token)


def test_password_change_log_out_everywhere_and_second_factor_reset_keep_api_tokens(
        app, client, auth, login_as, create_user, issue):
    """The decision in docs/SECURITY.md: these end the person's browser sessions; an integration's
    token is a credential of its own, which no session can create, and is revoked on its own."""
    from supportline.auth import mfa

    user = login_as("handler")
    token, token_id = issue(user, name="Telefonisystemet")
    html = client.get("/konto/losenord").get_data(as_text=True)
    changed = client.post("/konto/losenord", data={"csrf_token": csrf_from(html), "current_password": PASSWORD,
                                                   "new_password": "ett-nytt-losenord-for-test",
                                                   "repeat_password": "ett-nytt-losenord-for-test"})
    assert changed.status_code == 302 and works(app, token)
    html = client.get("/konto").get_data(as_text=True)
    assert "Dina API-token påverkas inte" in html
    assert client.post("/konto/logga-ut-overallt", data={"csrf_token": csrf_from(html)}).status_code == 302
    assert client.get("/").status_code == 302 and works(app, token)
    with app.app_context():
        admin = db.session.get(User, create_user("admin").id)
        mfa.reset(admin, db.session.get(User, user.id))
    assert works(app, token) and revoked_at(app, token_id) is None and token_events(app) == []
