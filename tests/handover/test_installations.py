"""Each installation knows its part: the sender stops taking new calls after its final package,
the receiver runs the line, and the texts follow the handover time on both sides of it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from supportline.extensions import db
from supportline.handover import lifecycle, service
from supportline.inquiries.models import Inquiry
from tests.handover.test_job import _configure, at
from tests.inquiries.conftest import valid_payload
from tests.inquiries.test_idempotency import _open_form

HANDOVER = "2026-07-01T00:00:00+02:00"


@pytest.fixture
def handover_config(app, out_dir, age_key):
    _configure(app, out_dir, age_key["recipient"], handover_at=HANDOVER)
    yield
    _configure(app, Path(app.instance_path) / "handover", None)
    app.config.pop("SUPPORTLINE_NOW", None)


def _write_final(app):
    with app.app_context():
        [final] = service.run_due(at("2026-07-01T00:05:00+02:00"))
        return final


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Inquiry))


def test_a_sending_installation_refuses_a_new_call_after_its_final_package(app, client, login_as, handover_config,
                                                                           token):
    login_as("handler")
    form = _open_form(client)  # a handler had the form open when the final package was written
    _write_final(app)
    response = client.post("/arenden/nytt", data={**form, "summary": "Kuratorn ringer om en elev i årskurs 8."})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "tar inte emot nya samtal eller skriftliga frågor" in html and "drivs" in html and "NCK" in html
    assert "Kuratorn ringer om en elev i årskurs 8." in html, "what was typed stays in the form"
    assert _count(app) == 0

    page = client.get("/arenden/nytt").get_data(as_text=True)
    assert "tar inte emot nya samtal" in page and 'name="summary"' not in page

    api = client.post("/api/v1/inquiries", json=valid_payload(),
                      headers={"Authorization": f"Bearer {token('handler')}"})
    assert api.status_code == 409 and "tar inte emot nya samtal" in api.get_json()["error"]
    assert _count(app) == 0


def test_before_its_final_package_the_installation_still_takes_calls(app, client, login_as, handover_config):
    login_as("handler")
    with app.app_context():
        assert lifecycle.intake_closed_message() is None
    page = client.get("/arenden/nytt").get_data(as_text=True)
    assert 'name="summary"' in page and "tar inte emot nya samtal" not in page


def test_the_handover_page_speaks_of_the_handover_time_as_it_stands(app, client, login_as, handover_config):
    login_as("coordinator")
    app.config["SUPPORTLINE_NOW"] = "2026-06-20T12:00:00+02:00"
    before = client.get("/admin/overlamning/").get_data(as_text=True)
    assert "Fram till 2026-07-01 00:00 skapas ett deltapaket" in before
    assert "skulle skrivas" not in before

    app.config["SUPPORTLINE_NOW"] = "2026-07-01T00:01:00+02:00"
    late = client.get("/admin/overlamning/").get_data(as_text=True)
    assert "Det slutliga paketet skulle skrivas 2026-07-01 00:00 men är inte skrivet ännu" in late
    assert "Fram till" not in late

    _write_final(app)
    after = client.get("/admin/overlamning/").get_data(as_text=True)
    assert "det slutliga paketet (nummer 1) skrevs 2026-" in after
    assert "NCK har ännu inte kvitterat det slutliga paketet" in after
    assert "inte kvitterad" in after
    assert "Ärendena har lämnats över till NCK" in after  # the staff banner, on the sending side


def test_the_banner_is_for_staff_on_the_sending_side_only(app, client, login_as, handover_config):
    _write_final(app)
    for path in ("/kunskap", "/tillganglighet", "/login"):
        html = client.get(path).get_data(as_text=True)
        assert "lämnats över" not in html, path
    login_as("handler")
    assert "Ärendena har lämnats över till NCK" in client.get("/").get_data(as_text=True)


def test_an_installation_without_a_scheduled_handover_runs_the_line(app, client, login_as, handover_config,
                                                                     handler, make_inquiry):
    app.config["SUPPORTLINE_HANDOVER_AT"] = "none"
    make_inquiry(handler)
    with app.app_context():
        assert lifecycle.role() == lifecycle.RECEIVING
        assert service.due_slots(dt.datetime(2026, 12, 6, tzinfo=dt.UTC)) == []
        assert service.run_due(dt.datetime(2026, 12, 6, tzinfo=dt.UTC)) == []
    login_as("coordinator")
    page = client.get("/admin/overlamning/").get_data(as_text=True)
    assert "driver stödtelefonen" in page and "Skapa paket nu" not in page
    assert "lämnats över" not in client.get("/").get_data(as_text=True)


def test_the_receiving_installation_runs_the_line_with_what_it_received(app, runner, out_dir, age_key, handler,
                                                                         make_inquiry, handover_config, tmp_path,
                                                                         migrated_sqlite):
    from flask_migrate import upgrade

    from supportline.auth.service import create_user
    from supportline.inquiries.service import create_inquiry
    from supportline.stats.service import Filters, build_report
    from tests.conftest import PASSWORD, AuthActions, make_app

    make_inquiry(handler, summary="Kuratorn oroar sig för en planerad resa till hemlandet i sommar.")
    make_inquiry(handler, status="closed")
    with app.app_context():
        [final] = service.run_due(lifecycle.now())  # the final package holds every change up to now
    receipt = tmp_path / "kvitto.json"
    verified = runner.invoke(args=["handover", "verify", str(out_dir / final.file_name), "--identity",
                                   str(age_key["identity_file"]), "--receipt", str(receipt),
                                   "--receiver", "NCK, Anna Andersson"])
    assert verified.exit_code == 0, verified.output

    receiver = make_app(migrated_sqlite(tmp_path / "nck.db"), tmp_path / "nck")
    with receiver.app_context():
        upgrade()
    try:
        imported = receiver.test_cli_runner().invoke(args=[
            "handover", "import", str(out_dir / final.file_name), "--identity", str(age_key["identity_file"]),
            "--receipt", str(receipt)])
        assert imported.exit_code == 0, imported.output
        with receiver.app_context():
            assert lifecycle.role() == lifecycle.RECEIVING
            assert service.due_slots(lifecycle.now()) == []
            user = create_user(None, "nck.handlaggare@test.invalid", "handler", PASSWORD)
            create_inquiry(user, valid_payload(summary="Ett nytt samtal efter överlämningen."))  # on top
            report = build_report(Filters(dt.date(2020, 1, 1), dt.date(2030, 12, 31)))
            assert report.total == 3
            create_user(None, "nck.samordnare@test.invalid", "coordinator", PASSWORD)
        client = receiver.test_client()
        AuthActions(client).login("nck.handlaggare@test.invalid")
        found = client.get("/arenden?q=resa hemlandet").get_data(as_text=True)
        assert "planerad resa till hemlandet" in found
        assert "lämnats över" not in client.get("/").get_data(as_text=True)
        AuthActions(client).logout()
        AuthActions(client).login("nck.samordnare@test.invalid")
        start = client.get("/").get_data(as_text=True)
        assert "driver stödtelefonen med historiken från 1 mottagna" in start and "NCK, Anna Andersson" in start
        page = client.get("/admin/overlamning/").get_data(as_text=True)
        assert final.file_name in page and final.sha256 in page and "av NCK, Anna Andersson" in page
        assert "driver stödtelefonen" in page and "lämnats över" not in page
    finally:
        with receiver.app_context():
            db.engine.dispose()


def test_the_handover_page_gives_the_removal_date_after_the_receipt(app, client, login_as, handover_config,
                                                                   out_dir, age_key):
    from supportline.handover.receipt import build_receipt
    from supportline.handover.verify import verify_package

    final = _write_final(app)
    with app.app_context():
        receipt = build_receipt(verify_package(out_dir / final.file_name, age_key["identity_file"]), "NCK")
        lifecycle.confirm_receipt(None, receipt, at=at("2026-07-03T10:00:00+02:00"))
    login_as("coordinator")
    app.config["SUPPORTLINE_NOW"] = "2026-07-20T12:00:00+02:00"
    before = client.get("/admin/overlamning/").get_data(as_text=True)
    assert "Det som lämnades över tas bort av gallringen från 2026-08-02 (30 dagar" in before
    assert "kvitterad " in before and "av NCK" in before
    app.config["SUPPORTLINE_NOW"] = "2026-08-03T12:00:00+02:00"
    after = client.get("/admin/overlamning/").get_data(as_text=True)
    assert "Gallringen tar bort det som lämnades över: kontaktuppgifter först" in after
    assert "tas bort av gallringen från" not in after
