from sqlalchemy import select

from supportline.audit.models import AuditEvent
from supportline.auth.models import User
from supportline.extensions import db
from tests.conftest import csrf_from


def _token(client):
    return csrf_from(client.get("/admin/").get_data(as_text=True))


def test_admin_creates_an_account_that_can_log_in(app, client, login_as):
    login_as("admin")
    response = client.post("/admin/anvandare", data={
        "csrf_token": _token(client), "email": "Ny.Handlaggare@Test.invalid", "name": "Ny",
        "role": "handler", "password": "ett-riktigt-bra-losenord"})
    assert response.status_code == 302
    assert "ny.handlaggare@test.invalid" in client.get("/admin/").get_data(as_text=True)
    other = app.test_client()
    page = other.get("/login")
    ok = other.post("/login", data={"email": "ny.handlaggare@test.invalid", "password": "ett-riktigt-bra-losenord",
                                    "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert ok.status_code == 302


def test_bad_new_account_comes_back_with_what_was_typed(client, login_as):
    admin = login_as("admin")
    response = client.post("/admin/anvandare", data={
        "csrf_token": _token(client), "email": admin.email, "name": "Dubblett", "role": "editor",
        "password": "ett-riktigt-bra-losenord"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Det finns redan ett konto med den e-postadressen." in html
    assert 'value="Dubblett"' in html
    response = client.post("/admin/anvandare", data={
        "csrf_token": _token(client), "email": "kort@test.invalid", "name": "Kort", "role": "editor",
        "password": "kort"})
    assert response.status_code == 422
    assert "minst 12 tecken" in response.get_data(as_text=True)
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_admin_changes_role_and_it_is_audited(app, client, login_as, create_user):
    admin = login_as("admin")
    user = create_user("handler")
    response = client.post(f"/admin/anvandare/{user.id}/roll", data={"csrf_token": _token(client), "role": "editor"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, user.id).role == "editor"
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.role"))
        assert event.user_id == admin.id and event.object_id == str(user.id)


def test_unknown_role_is_refused(app, client, login_as, create_user):
    login_as("admin")
    user = create_user("handler")
    client.post(f"/admin/anvandare/{user.id}/roll", data={"csrf_token": _token(client), "role": "root"})
    with app.app_context():
        assert db.session.get(User, user.id).role == "handler"


def test_admin_cannot_lock_themselves_out(app, client, login_as):
    admin = login_as("admin")
    response = client.post(f"/admin/anvandare/{admin.id}/inaktivera", data={"csrf_token": _token(client)},
                           follow_redirects=True)
    assert "Du kan inte inaktivera ditt eget konto." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, admin.id).active


def test_deactivated_account_can_be_reactivated(app, client, login_as, create_user):
    login_as("admin")
    user = create_user("handler", active=False)
    client.post(f"/admin/anvandare/{user.id}/aktivera", data={"csrf_token": _token(client)})
    with app.app_context():
        assert db.session.get(User, user.id).active


def test_unknown_user_is_404(client, login_as):
    login_as("admin")
    assert client.post("/admin/anvandare/2147483647/aktivera", data={"csrf_token": _token(client)}).status_code == 404


def test_deactivating_an_account_asks_first(app, client, login_as, create_user):
    login_as("admin")
    user = create_user("handler")
    asked = client.post(f"/admin/anvandare/{user.id}/inaktivera", data={"csrf_token": _token(client)})
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and f"Inaktivera kontot {user.email}?" in html and "Avbryt" in html
    with app.app_context():
        assert db.session.get(User, user.id).active
    client.post(f"/admin/anvandare/{user.id}/inaktivera", data={"csrf_token": _token(client), "bekraftat": "ja"})
    with app.app_context():
        assert not db.session.get(User, user.id).active


def test_a_temporary_password_must_be_changed_at_first_login(app, client, login_as):
    login_as("admin")
    client.post("/admin/anvandare", data={
        "csrf_token": _token(client), "email": "ny-anstalld@test.invalid", "name": "Ny", "role": "handler",
        "password": "ett-tillfalligt-losenord"})
    other = app.test_client()
    page = other.get("/login")
    logged_in = other.post("/login", data={"email": "ny-anstalld@test.invalid", "password": "ett-tillfalligt-losenord",
                                                  "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert logged_in.status_code == 302, logged_in.get_data(as_text=True)
    for path in ("/", "/arenden", "/konto"):
        response = other.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/konto/losenord"), path
    form = other.get("/konto/losenord").get_data(as_text=True)
    assert "tillfälligt" in form
    changed = other.post("/konto/losenord", data={
        "csrf_token": csrf_from(form), "current_password": "ett-tillfalligt-losenord",
        "new_password": "mitt-eget-langa-losenord", "repeat_password": "mitt-eget-langa-losenord"})
    assert changed.status_code == 302
    assert other.get("/arenden").status_code == 200
    with app.app_context():
        assert not db.session.scalar(select(User).where(User.email == "ny-anstalld@test.invalid")).must_change_password


def test_users_create_sets_a_temporary_password(app, runner):
    result = runner.invoke(args=["users", "create", "cli-ny@test.invalid", "--role", "editor", "--password-stdin"],
                           input="ett-tillfalligt-losenord\n")
    assert result.exit_code == 0 and "tillfälligt" in result.output
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "cli-ny@test.invalid")).must_change_password
