"""A production installation refuses settings that open it up (a short SECRET_KEY, Flask's
debugger) and says loudly, in the log and on /admin, when the second factor is switched off."""

from __future__ import annotations

import logging
import secrets

import pytest

from supportline.config import ConfigError, load_config
from tests.conftest import PASSWORD, csrf_from, migrated


@pytest.fixture
def production(monkeypatch, tmp_path):
    monkeypatch.setenv("SUPPORTLINE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", secrets.token_urlsafe(32))
    monkeypatch.setenv("SUPPORTLINE_SECURE_COOKIES", "0")
    for name in ("FLASK_DEBUG", "SUPPORTLINE_REQUIRE_MFA"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize("key,ok", [("x" * 31, False), ("å" * 15, False), ("x" * 32, True), ("å" * 16, True)])
def test_production_refuses_a_short_secret_key(production, tmp_path, key, ok):
    production.setenv("SECRET_KEY", key)
    if ok:
        assert load_config(str(tmp_path))["SECRET_KEY"] == key
    else:
        with pytest.raises(ConfigError, match="SECRET_KEY är för kort") as info:
            load_config(str(tmp_path))
        assert key not in str(info.value)


@pytest.mark.parametrize("value", ["1", "true"])
def test_production_refuses_flask_debug(production, tmp_path, value):
    production.setenv("FLASK_DEBUG", value)
    with pytest.raises(ConfigError, match="FLASK_DEBUG är på"):
        load_config(str(tmp_path))
    production.setenv("SUPPORTLINE_ENV", "dev")
    assert load_config(str(tmp_path))["SUPPORTLINE_ENV"] == "dev"


def test_mfa_switched_off_is_warned_about_in_the_log_and_on_admin(production, tmp_path, caplog, app):
    from supportline.auth.service import create_user
    from supportline.extensions import db

    production.setenv("SUPPORTLINE_REQUIRE_MFA", "0")
    with caplog.at_level(logging.WARNING), migrated(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path) as prod:
        assert any("SUPPORTLINE_REQUIRE_MFA=0" in r.getMessage() and r.levelno == logging.WARNING
                   for r in caplog.records)
        with prod.app_context():
            create_user(None, "chef@test.invalid", "admin", PASSWORD)
            db.session.remove()
        client = prod.test_client()
        page = client.get("/login").get_data(as_text=True)
        assert client.post("/login", data={"email": "chef@test.invalid", "password": PASSWORD,
                                           "csrf_token": csrf_from(page)}).status_code == 302
        admin = client.get("/admin/").get_data(as_text=True)
        assert "Varning:" in admin and "SUPPORTLINE_REQUIRE_MFA=0" in admin


def test_no_warning_when_mfa_is_required(production, tmp_path, caplog, app, client, login_as):
    with caplog.at_level(logging.WARNING), migrated(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path):
        assert not any("SUPPORTLINE_REQUIRE_MFA" in r.getMessage() for r in caplog.records)
    # The test installation (SUPPORTLINE_ENV=test) shows no warning either.
    login_as("admin")
    assert "Varning:" not in client.get("/admin/").get_data(as_text=True)
