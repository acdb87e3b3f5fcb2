import datetime as dt

from sqlalchemy import select

from supportline.auth.models import LoginFailure
from supportline.extensions import db


def test_healthz_reports_database_and_index(client, app):
    response = client.get("/healthz?detail")
    assert response.status_code == 200
    body = response.json
    assert body["database"]["ok"] is True
    assert body["database"]["dialect"] == app.config["BACKEND"]
    assert "ok" in body["index"]
    assert body["status"] in {"ok", "degraded"}


def test_unknown_page_is_a_swedish_404(client):
    response = client.get("/finns-inte")
    assert response.status_code == 404
    assert "Sidan finns inte" in response.get_data(as_text=True)


def test_api_errors_are_json(client):
    response = client.get("/api/v1/finns-inte")
    assert response.status_code == 404
    assert response.json["error"]["title"] == "Sidan finns inte"


def test_oversized_request_is_refused_in_swedish(client):
    response = client.post("/login", data={"email": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413
    assert "för stort" in response.get_data(as_text=True)


def test_a_crash_shows_no_internals(tmp_path):
    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path / 'crash.db'}", tmp_path)

    @app.get("/krasch-test")
    def crash():
        raise RuntimeError("hemlig intern detalj")

    response = app.test_client().get("/krasch-test")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Något gick fel" in html and "hemlig intern detalj" not in html and "Traceback" not in html


def test_wrong_method_is_405_in_swedish(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert "Metoden stöds inte" in response.get_data(as_text=True)


def test_accessibility_statement(client):
    html = client.get("/tillganglighet").get_data(as_text=True)
    assert "WCAG 2.1" in html and "2018:1937" in html


def test_clock_jobs_have_stable_ids_and_prune_old_login_failures(app):
    from apscheduler.schedulers.background import BackgroundScheduler

    from supportline.clock import build_scheduler
    from supportline.clock.jobs import prune_auth_records
    from supportline.db import utcnow

    scheduler = build_scheduler(app, BackgroundScheduler)
    scheduler.start(paused=True)
    try:
        job = scheduler.get_job("prune-auth-records")
        assert job is not None and job.max_instances == 1 and job.coalesce is True
        assert job.misfire_grace_time >= 60
    finally:
        scheduler.shutdown(wait=False)
    with app.app_context():
        db.session.add(LoginFailure(email="old@test.invalid", remote_addr="1.2.3.4",
                                    at=utcnow() - dt.timedelta(days=2)))
        db.session.add(LoginFailure(email="new@test.invalid", remote_addr="1.2.3.4"))
        db.session.commit()
        prune_auth_records()
        left = db.session.scalars(select(LoginFailure.email)).all()
    assert left == ["new@test.invalid"]


def test_healthz_tells_anonymous_callers_only_whether_it_is_up(app, create_user):
    from tests.conftest import PASSWORD, csrf_from

    outside = app.test_client()
    outside.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    plain = outside.get("/healthz")
    assert plain.status_code == 200 and plain.json == {"status": "ok"}
    assert outside.get("/healthz?detail").status_code == 403
    assert "dialect" not in outside.get("/healthz?detail").get_data(as_text=True)
    app.config["SUPPORTLINE_METRICS_TOKEN"] = "övervakning-" + "x" * 20
    try:
        assert outside.get("/healthz?detail", headers={"Authorization": "Bearer fel"}).status_code == 403
        token = app.config["SUPPORTLINE_METRICS_TOKEN"]
        monitored = outside.get("/healthz?detail", headers={"Authorization": f"Bearer {token}"})
        assert monitored.status_code == 200 and monitored.json["database"]["dialect"] == app.config["BACKEND"]
        # With a token set, a request from the host itself needs it too.
        assert app.test_client().get("/healthz?detail").status_code == 403
    finally:
        app.config["SUPPORTLINE_METRICS_TOKEN"] = None
    staff = create_user("editor")
    page = outside.get("/login").get_data(as_text=True)
    outside.post("/login", data={"email": staff.email, "password": PASSWORD, "csrf_token": csrf_from(page)})
    assert outside.get("/healthz?detail").json["index"]["ok"] in (True, False)
