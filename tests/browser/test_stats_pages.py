"""The statistics page and the resource-centre directory in a real browser, checked with axe-core."""

import datetime as dt
import uuid

import pytest
from sqlalchemy import insert

from supportline.auth.service import create_user
from supportline.extensions import db
from supportline.inquiries.models import ExposedPerson, Inquiry
from tests.browser.conftest import assert_accessible, shows
from tests.conftest import PASSWORD


def _login_coordinator(page, live_server, live_app):
    with live_app.app_context():
        user = create_user(None, f"coord-{uuid.uuid4().hex[:8]}@test.invalid", "coordinator", PASSWORD)
        at = dt.datetime(2025, 2, 10, 10, tzinfo=dt.UTC)
        row = {"channel": "phone", "received_at": at, "caller_type": "professional", "caller_sector": "school",
               "county_code": "21", "urgency": "normal", "summary": "", "advice": "", "status": "closed",
               "created_by_id": user.id, "duration_seconds": 600, "version": 1, "created_at": at, "updated_at": at}
        ids = db.session.execute(insert(Inquiry).returning(Inquiry.id), [row] * 7).scalars().all()
        db.session.execute(insert(ExposedPerson), [{"inquiry_id": i, "position": 0, "age_group": "13-15",
                                                    "gender": "girl_woman"} for i in ids])
        db.session.commit()
        email = user.email
    page.goto(live_server + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server + "/")


@pytest.mark.slow
def test_statistics_page_is_accessible(page, live_server, live_app):
    _login_coordinator(page, live_server, live_app)
    page.goto(live_server + "/statistik?period=custom&from=2025-01-01&to=2025-06-30")
    shows(page, "h1", "Statistik")
    assert page.locator("svg[role=img]").count() >= 10
    assert_accessible(page)
    # a bad range: the message is on the field, and the page stays accessible
    page.goto(live_server + "/statistik?period=custom&from=2025-06-30&to=2025-01-01")
    shows(page, "#to-error", "före startdatumet")
    assert_accessible(page)
    page.goto(live_server + "/statistik/kvartalsrapport?ar=2025&kvartal=1")
    assert_accessible(page)
    page.goto(live_server + "/admin/resurscentrum/")
    assert_accessible(page)


def test_calls_section_is_accessible(page, live_server, live_app):
    from pathlib import Path

    from supportline.calls.service import import_calls

    with live_app.app_context():
        import_calls(None, (Path(__file__).parents[1] / "calls" / "data" / "samtal-sv.csv").read_bytes())
    _login_coordinator(page, live_server, live_app)
    page.goto(live_server + "/statistik?period=custom&from=2026-03-01&to=2026-03-31")
    section = page.locator("section[aria-labelledby=h-calls]")
    assert "2026 v. 11" in section.inner_text()
    assert section.locator("svg[role=img]").count() == 1
    assert_accessible(page)


def test_county_table_fits_at_1024_px(page, live_server, live_app):
    """At 1024 px the county table (five columns) sits under its chart and inside the page."""
    page.set_viewport_size({"width": 1024, "height": 800})
    _login_coordinator(page, live_server, live_app)
    page.goto(live_server + "/statistik?period=custom&from=2025-01-01&to=2025-06-30")
    section = page.locator("section[aria-labelledby=h-county]")
    table = section.locator("table")
    table_box, section_box = table.bounding_box(), section.bounding_box()
    assert table_box["x"] + table_box["width"] <= section_box["x"] + section_box["width"] + 1
    scroll = section.locator(".table-scroll")
    assert scroll.evaluate("el => el.scrollWidth <= el.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # the caveat stands beside the per-capita figures, and numbers have a decimal comma
    assert "mäter inte hur vanligt" in section.inner_text()
    assert "12,2" in table.inner_text() or "," in table.locator("td.num").nth(2).inner_text()
    # the value axis has ticks
    assert page.locator("#chart-county .chart-tick").count() >= 3


@pytest.mark.slow
def test_report_and_frozen_quarters_are_accessible(page, live_server, live_app):
    _login_coordinator(page, live_server, live_app)
    page.goto(live_server + "/statistik/rapport?period=custom&from=2025-01-01&to=2025-03-31")
    shows(page, "main", "Metod")
    assert_accessible(page)
    page.goto(live_server + "/statistik/kvartal")
    assert_accessible(page)
    page.fill("#ar", "2025")
    page.select_option("#kvartal", "1")
    page.click("form[aria-labelledby=make-heading] button[type=submit]")
    shows(page, "h1", "2025 kvartal 1, version")
    assert_accessible(page)
    page.click("text=Jämför med siffrorna i dag")
    shows(page, "main", "Om kvartalet räknades i dag")
    assert_accessible(page)
