"""/oversikt in a real browser: a coordinator picks two cases with the keyboard, hands them to a
handler with a note and sees the figures change; clean under axe-core and readable at 375 px."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import insert

from supportline.auth.service import create_user
from supportline.extensions import db
from supportline.inquiries.models import Inquiry
from tests.browser.conftest import assert_accessible, shows
from tests.conftest import PASSWORD


def _team(live_app) -> dict:
    """A coordinator, two handlers with names of their own and two unassigned open cases older
    than any other test's, so they come first in the list and sit next to each other."""
    tag = uuid.uuid4().hex[:6]
    with live_app.app_context():
        coordinator = create_user(None, f"coord-{tag}@test.invalid", "coordinator", PASSWORD)
        anna = create_user(None, f"anna-{tag}@test.invalid", "handler", PASSWORD, f"Anna {tag}")
        bo = create_user(None, f"bo-{tag}@test.invalid", "handler", PASSWORD, f"Bo {tag}")
        rows = []
        for day, assignee in ((1, None), (2, None), (3, anna.id)):
            at = dt.datetime(2000, 1, day, 10, tzinfo=dt.UTC)
            rows.append({"channel": "phone", "received_at": at, "caller_type": "professional", "urgency": "normal",
                         "summary": "Skolkurator undrar över risk för bortförande.", "advice": "",
                         "status": "open", "created_by_id": anna.id, "assignee_id": assignee, "version": 1,
                         "created_at": at, "updated_at": at})
        ids = db.session.execute(insert(Inquiry).returning(Inquiry.id), rows).scalars().all()
        db.session.commit()
        return {"coordinator": coordinator.email, "anna": anna.display_name, "bo": bo.display_name,
                "bo_id": bo.id, "cases": ids}


def _row(page, name: str) -> list[str]:
    return page.locator(f'#team-figures tr:has(th:text-is("{name}")) td').all_inner_texts()


def test_coordinator_reassigns_two_cases_with_the_keyboard(page, live_server, live_app):
    team = _team(live_app)
    page.goto(live_server + "/login")
    page.fill("#email", team["coordinator"])
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server + "/")
    page.get_by_role("link", name="Översikt").click()
    page.wait_for_url(live_server + "/oversikt")
    shows(page, "h1", "Översikt över teamet", exact=True)
    assert _row(page, team["bo"]) == ["0", "0", "0", "0", "–"]
    unassigned_before = int(_row(page, "Utan handläggare")[0])
    assert_accessible(page)

    first, second, _annas = team["cases"]
    page.focus(f"#arende-{first}")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # the case's link
    page.keyboard.press("Tab")  # the next case's box
    assert page.evaluate("document.activeElement.id") == f"arende-{second}"
    page.keyboard.press("Space")
    assert page.is_checked(f"#arende-{first}") and page.is_checked(f"#arende-{second}")
    page.select_option("#assignee_id", str(team["bo_id"]))
    page.focus("#note")
    page.keyboard.type("Fördelat efter veckomötet.")
    page.focus("button:text('Tilldela de valda ärendena')")
    page.keyboard.press("Enter")
    page.wait_for_selector(".message-success")
    shows(page, ".message-success", "2 ärenden fick ny handläggare.", exact=True)
    assert _row(page, team["bo"])[:2] == ["2", "0"]
    assert _row(page, team["bo"])[4].endswith("dagar")
    assert int(_row(page, "Utan handläggare")[0]) == unassigned_before - 2
    assert_accessible(page)

    page.goto(f"{live_server}/arenden/{first}")
    assert "Tilldelning av " in page.inner_text("main") and "Fördelat efter veckomötet." in page.inner_text("main")

    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(live_server + "/oversikt")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # the tables scroll, not the page
    assert page.locator(f"#arende-{first}").is_visible()
    assert_accessible(page)
