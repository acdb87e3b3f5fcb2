"""Who may open what: every staff page with every role and without a login."""

import pytest

ROLES = ["handler", "editor", "coordinator", "admin"]
# path -> roles allowed (admins are allowed everywhere)
STAFF_PAGES = {
    "/": set(ROLES),
    "/admin/": {"admin"},
    "/admin/oppettider/": {"admin"},
    "/kunskap/redaktor/": {"editor"},
    "/kunskap/redaktor/ny": {"editor"},
    "/kunskap/redaktor/granskning": {"editor"},
    "/kunskap/redaktor/svarsmallar/": {"editor"},
    "/kunskap/redaktor/svarsmallar/ny": {"editor"},
    "/konto": set(ROLES),
    "/konto/losenord": set(ROLES),
    "/arenden": {"handler", "coordinator"},
    "/arenden/nytt": {"handler"},
    "/statistik": {"coordinator"},
    "/oversikt": {"coordinator"},
    "/statistik/kvartalsrapport": {"coordinator"},
    "/statistik/rapport": {"coordinator"},
    "/statistik/kvartal": {"coordinator"},
    # access review and data subject requests (tests/privacy/)
    "/admin/logg/": {"coordinator"},
    "/admin/logg/granskning": {"coordinator"},
    "/admin/personuppgifter/": {"coordinator"},
}
PUBLIC_PAGES = ["/login", "/healthz", "/tillganglighet", "/kunskap/", "/kunskap/sok", "/api/v1/openapi.json",
                "/api/v1/search", "/kunskap/resurscentrum", "/fraga"]
# Rules with parts from the URL, checked by the tests of their own area.
RULES_TESTED_ELSEWHERE = {
    "/login/kod": "tests/security/test_two_factor.py (only after a right password)",
    "/konto/tvastegs": "tests/security/test_two_factor.py (logged in, or half-way through a login)",
    "/konto/tvastegs/reservkoder": "tests/security/test_two_factor.py",
    "/konto/logga-ut-overallt": "tests/security/test_sessions.py",
    "/konto/fortsatt": "tests/test_auth.py::test_keep_alive_moves_a_short_idle_limit_and_not_the_absolute_one "
                       "(any login; JSON 401 without one)",
    "/konto/api-token/<int:token_id>/aterkalla": "tests/security/test_api_tokens.py (only one's own tokens)",
    "/admin/anvandare/<int:user_id>": "tests/security/test_api_tokens.py::test_only_admins_see_and_revoke_"
                                      "another_users_tokens",
    "/admin/anvandare/<int:user_id>/api-token/<int:token_id>/aterkalla": "tests/security/test_api_tokens.py",
    "/admin/anvandare/<int:user_id>/api-token/aterkalla": "tests/security/test_api_tokens.py",
    "/arenden/static/<path:filename>": "the inquiry pages' stylesheet (static)",
    "/arenden/utkast": "tests/inquiries/test_views.py::test_routes_check_the_role",
    "/arenden/utkast/kasta": "tests/inquiries/test_views.py::test_routes_check_the_role",
    "/arenden/tidigare-kontakter": "tests/inquiries/test_views.py::test_routes_check_the_role",
    "/arenden/<int:inquiry_id>": "tests/inquiries/test_views.py::test_routes_check_the_role",
    "/arenden/<int:inquiry_id>/andra": "tests/inquiries/test_views.py::test_routes_check_the_role",
    "/arenden/<int:inquiry_id>/handelse": "tests/inquiries/test_views.py::test_routes_check_the_role",
    "/arenden/<int:inquiry_id>/status": "tests/inquiries/test_views.py::test_routes_check_the_role",
    "/arenden/<int:inquiry_id>/tilldela": "tests/inquiries/test_views.py::test_routes_check_the_role",
    "/arenden/<int:inquiry_id>/uppfoljning": "tests/inquiries/test_views.py::test_routes_check_the_role",
    "/kunskap/<slug>": "tests/kb/test_kb_pages.py (public; internal articles need a login)",
    "/kunskap/<slug>/aterkoppling": "tests/kb/test_kb_pages.py (public, rate limited)",
    "/kunskap/redaktor/<int:article_id>": "tests/kb/test_kb_editor.py + test_editor_routes_need_the_editor_role",
    "/kunskap/redaktor/<int:article_id>/status": "test_editor_routes_need_the_editor_role",
    "/kunskap/redaktor/<int:article_id>/historik": "test_editor_routes_need_the_editor_role",
    "/kunskap/redaktor/<int:article_id>/historik/<int:number>/aterstall": "test_editor_routes_need_the_editor_role",
    "/kunskap/redaktor/forhandsgranska": "test_editor_routes_need_the_editor_role",
    "/kunskap/forslag": "tests/kb/test_handler_integration.py (handlers and coordinators)",
    "/admin/overlamning/": "test_handover_page_is_for_coordinators",
    "/statistik/export": "tests/stats/test_views.py::test_statistics_pages_are_for_coordinators_and_admins",
    "/statistik/rapport.pdf": "tests/stats/test_snapshots.py::test_report_and_snapshots_are_for_coordinators",
    "/statistik/kvartal/<int:snapshot_id>": "tests/stats/test_snapshots.py::test_report_and_snapshots_are_for_"
                                            "coordinators",
    "/statistik/static/<path:filename>": "the statistics pages' stylesheet and the referral hint's script (static)",
    "/metrics": "tests/test_observability.py (loopback only, or a bearer token)",
    "/fraga/<code>": "tests/questions/test_ask.py (public to whoever holds the link; 404 otherwise)",
    "/arenden/<int:inquiry_id>/svar": "tests/questions/test_answer.py::test_only_handlers_answer",
    "/kunskap/redaktor/svarsmallar/<int:template_id>": "tests/questions/test_answer.py::"
                                                       "test_only_editors_reach_the_templates",
    "/kunskap/redaktor/svarsmallar/<int:template_id>/status": "tests/questions/test_answer.py::"
                                                              "test_only_editors_reach_the_templates",
}


@pytest.mark.parametrize("path", sorted(STAFF_PAGES))
def test_staff_pages_send_anonymous_users_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", sorted(STAFF_PAGES))
def test_staff_pages_check_the_role(client, login_as, path, role):
    login_as(role)
    response = client.get(path)
    if role in STAFF_PAGES[path] | {"admin"}:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert "Du har inte behörighet" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_need_no_login(client, path):
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("role", ["handler", "editor", "coordinator"])
def test_only_admins_change_accounts(client, login_as, create_user, role):
    from tests.conftest import csrf_from

    login_as(role)
    target = create_user("handler")
    token = csrf_from(client.get("/").get_data(as_text=True))
    assert client.post(f"/admin/anvandare/{target.id}/inaktivera", data={"csrf_token": token}).status_code == 403
    assert client.post("/admin/anvandare", data={"csrf_token": token, "email": "x@test.invalid",
                                                 "role": "admin", "password": "ett-langt-losenord-123"}
                       ).status_code == 403


def test_every_route_is_covered_by_an_access_rule(app):
    """A new route must be added to one of the lists above (or the API tests)."""
    known = set(STAFF_PAGES) | set(PUBLIC_PAGES) | set(RULES_TESTED_ELSEWHERE) | {"/logout", "/static/<path:filename>"}
    unknown = []
    for rule in app.url_map.iter_rules():
        path = rule.rule
        if path in known or path.startswith("/api/") or path.startswith("/admin/"):
            continue
        unknown.append(path)
    assert unknown == []


def test_staff_pages_are_not_cached(client, login_as):
    login_as("admin")
    response = client.get("/admin/")
    assert response.headers["Cache-Control"] == "no-store"


def test_security_headers_on_every_response(client):
    for path in ["/login", "/healthz", "/finns-inte"]:
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        for directive in ["script-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]:
            assert directive in csp
        assert "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"


EDITOR_ACTIONS = [
    ("get", "/kunskap/redaktor/1"), ("post", "/kunskap/redaktor/1"), ("post", "/kunskap/redaktor/1/status"),
    ("get", "/kunskap/redaktor/1/historik"), ("post", "/kunskap/redaktor/1/historik/1/aterstall"),
    ("post", "/kunskap/redaktor/forhandsgranska"),
]


@pytest.mark.parametrize("role", ["handler", "coordinator", None])
@pytest.mark.parametrize("method,path", EDITOR_ACTIONS)
def test_editor_routes_need_the_editor_role(client, login_as, role, method, path):
    from tests.conftest import csrf_from

    token = csrf_from(client.get("/login").get_data(as_text=True))
    if role:
        login_as(role)
        token = csrf_from(client.get("/").get_data(as_text=True))
    response = getattr(client, method)(path, data={"csrf_token": token}, headers={"X-CSRFToken": token})
    assert response.status_code == (403 if role else 302)


@pytest.mark.parametrize("role,status", [("handler", 403), ("editor", 403), ("coordinator", 200), ("admin", 200)])
def test_handover_page_is_for_coordinators(client, login_as, role, status):
    login_as(role)
    assert client.get("/admin/overlamning/").status_code == status


PRIVACY_REQUEST_ACTIONS = ["/admin/personuppgifter/", "/admin/personuppgifter/export", "/admin/personuppgifter/radera"]


@pytest.mark.parametrize("role,status", [("handler", 403), ("editor", 403), (None, 302)])
@pytest.mark.parametrize("path", PRIVACY_REQUEST_ACTIONS)
def test_privacy_requests_are_for_coordinators(client, login_as, role, status, path):
    from tests.conftest import csrf_from

    token = csrf_from(client.get("/login").get_data(as_text=True))
    if role:
        login_as(role)
        token = csrf_from(client.get("/").get_data(as_text=True))
    response = client.post(path, data={"csrf_token": token, "email": "kim@skola.se", "confirm": "yes"})
    assert response.status_code == status
