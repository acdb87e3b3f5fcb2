"""Every state-changing route refuses a request without a CSRF token, whoever sends it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from supportline.audit.models import AuditEvent
from supportline.extensions import db

CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# Anonymous readers post these without a session, so they carry a signed form token of their own
# and are checked for a same-site Origin instead (tested where named).
OWN_PROTECTION = {("POST", "/kunskap/x/aterkoppling"): "tests/kb/test_public_cache.py",
                  ("POST", "/fraga"): "tests/questions/test_ask.py (foreign Origin, old token, honeypot)",
                  ("POST", "/fraga/x"): "tests/questions/test_ask.py (the link is the key; a foreign Origin "
                                        "is refused)"}


def _sample(converter) -> object:
    from werkzeug.routing.converters import NumberConverter

    name = type(converter).__name__
    if isinstance(converter, NumberConverter):
        return 1
    if name == "AnyConverter":
        return sorted(converter.items)[0] if hasattr(converter, "items") else "x"
    return "x"


def changing_routes(app) -> list[tuple[str, str]]:
    routes = []
    with app.test_request_context():
        adapter = app.url_map.bind("localhost")
        for rule in app.url_map.iter_rules():
            for method in sorted((rule.methods or set()) & CHANGING):
                values = {arg: _sample(rule._converters[arg]) for arg in rule.arguments}
                routes.append((method, adapter.build(rule.endpoint, values, method=method)))
    return routes


def test_the_app_has_state_changing_routes(app):
    routes = changing_routes(app)
    assert len(routes) >= 15
    assert ("POST", "/login") in routes and ("POST", "/konto/logga-ut-overallt") in routes


@pytest.mark.parametrize("who", ["anonymous", "admin"])
def test_every_state_changing_route_refuses_a_request_without_csrf_token(app, client, login_as, who):
    if who == "admin":
        login_as("admin")  # admins pass every role check, so only the token can stop them
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    refused = []
    for method, path in changing_routes(app):
        if (method, path) in OWN_PROTECTION:
            continue
        for kwargs in ({"data": {"email": "x@test.invalid", "password": "x", "q": "x"}},
                       {"json": {"summary": "x", "version": 1}}):
            response = client.open(path, method=method, **kwargs)
            if response.status_code != 400:
                refused.append((method, path, response.status_code))
            elif not path.startswith("/api/"):
                assert "säkerhetstoken" in response.get_data(as_text=True), path
    assert refused == []
    with app.app_context():
        after = db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert after == before  # nothing happened, not even a failed login


def test_a_token_from_another_session_is_refused(app, client, login_as):
    from tests.conftest import csrf_from

    other = app.test_client()
    foreign = csrf_from(other.get("/login").get_data(as_text=True))
    login_as("handler")
    response = client.post("/konto/logga-ut-overallt", data={"csrf_token": foreign})
    assert response.status_code == 400
    assert client.get("/").status_code == 200
