"""After anonymisation: the next handover delta carries the emptied record, and nobody can change
the inquiry any more, in the forms, the drafts or the API."""

from __future__ import annotations

import json
import re
import tarfile

import pytest
from sqlalchemy import func, select

from supportline.auth.models import User
from supportline.extensions import db
from supportline.inquiries.models import Inquiry, InquiryDraft, TimelineEntry
from supportline.retention import service as retention
from tests.conftest import csrf_from
from tests.inquiries.test_views import FORM
from tests.privacy.conftest import ago

SUMMARY = "Flickan berättar att familjen planerar en resa för att gifta bort henne i sommar."


def anonymise(app, backdate, inquiry_id):
    """Let two years pass since the last change and run retention, as the clock would."""
    backdate(inquiry_id, updated=ago(days=800))
    with app.app_context():
        done = retention.run(trigger="test")
    assert [c.id for c in done.anonymise] == [inquiry_id]


def stored(app, inquiry_id) -> dict:
    with app.app_context():
        inquiry = db.session.get(Inquiry, inquiry_id)
        entries = db.session.scalar(select(func.count()).select_from(TimelineEntry)
                                    .where(TimelineEntry.inquiry_id == inquiry_id))
        return {"summary": inquiry.summary, "advice": inquiry.advice, "status": inquiry.status,
                "version": inquiry.version, "follow_up_on": inquiry.follow_up_on,
                "assignee_id": inquiry.assignee_id, "entries": entries}


def package_records(path) -> list[dict]:
    with tarfile.open(path) as tar:
        lines = tar.extractfile("inquiries.jsonl").read().decode("utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_the_next_handover_delta_carries_the_anonymisation(app, handler, make_inquiry, backdate, tmp_path):
    from supportline.handover import service as handover

    inquiry_id = make_inquiry(handler, status="closed", summary=SUMMARY)
    backdate(inquiry_id, updated=ago(days=800))
    with app.app_context():
        first = handover.export(kind="delta", out_dir=tmp_path, recipient=None, plaintext=True).file_name
    assert [r["summary"] for r in package_records(tmp_path / first)] == [SUMMARY]

    with app.app_context():
        retention.run(trigger="test")
        second = handover.export(kind="delta", out_dir=tmp_path, recipient=None, plaintext=True).file_name
    records = package_records(tmp_path / second)
    # the receiver's copy must lose the text too
    assert [r["id"] for r in records] == [inquiry_id]
    assert records[0]["summary"] == "" and records[0]["advice"] == ""

    # and nothing restarts from the moved date: the next run and the next delta find nothing
    with app.app_context():
        assert retention.run(trigger="test").counts == {"anonymised": 0, "callbacks_removed": 0, "drafts": 0}
        third = handover.export(kind="delta", out_dir=tmp_path, recipient=None, plaintext=True).file_name
    assert package_records(tmp_path / third) == []


def test_the_edit_form_refuses_an_anonymised_inquiry(app, client, login_as, make_inquiry, backdate):
    handler = login_as("handler")
    inquiry_id = make_inquiry(handler, status="closed", summary=SUMMARY)
    # the edit form was left open in a browser tab over the night retention ran
    html = client.get(f"/arenden/{inquiry_id}/andra").get_data(as_text=True)
    token = csrf_from(html)
    opened_version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    anonymise(app, backdate, inquiry_id)
    after = stored(app, inquiry_id)

    data = {**FORM, "summary": SUMMARY, "version": opened_version, "csrf_token": token}
    response = client.post(f"/arenden/{inquiry_id}/andra", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert f"Ärende {inquiry_id} avidentifierades" in html and "kan inte längre ändras" in html
    assert "registrera ett nytt ärende" in html
    assert "Någon annan har ändrat ärendet" not in html  # no conflict page offering "save anyway"
    # based on the current version it is refused all the same
    response = client.post(f"/arenden/{inquiry_id}/andra", data={**data, "version": str(after["version"])})
    assert response.status_code == 409 and "kan inte längre ändras" in response.get_data(as_text=True)
    assert stored(app, inquiry_id) == after
    assert after["summary"] == "" and after["status"] == "closed"

    # opening the form again leads to the case page, which says why and offers no changes
    response = client.get(f"/arenden/{inquiry_id}/andra")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/arenden/{inquiry_id}")
    page = client.get(f"/arenden/{inquiry_id}").get_data(as_text=True)
    assert "kan inte längre ändras" in page and "enligt gallringsreglerna" in page
    assert f"/arenden/{inquiry_id}/andra" not in page
    assert "Lägg till i tidslinjen" not in page and "Ändra status" not in page


def test_timeline_status_assignment_follow_up_and_drafts_are_refused(app, client, login_as, create_user,
                                                                     make_inquiry, backdate):
    handler = login_as("handler")
    colleague = create_user("handler")
    inquiry_id = make_inquiry(handler, status="closed")
    anonymise(app, backdate, inquiry_id)
    before = stored(app, inquiry_id)
    token = csrf_from(client.get("/arenden/nytt").get_data(as_text=True))
    for path, data in [("handelse", {"kind": "note", "text": "Ringde igen om resan."}),
                       ("status", {"status": "open"}),
                       ("tilldela", {"assignee_id": str(colleague.id)}),
                       ("uppfoljning", {"follow_up_on": "2030-01-15"})]:
        response = client.post(f"/arenden/{inquiry_id}/{path}", data={**data, "csrf_token": token})
        assert response.status_code == 409, path
        assert "kan inte längre ändras" in response.get_data(as_text=True), path
    assert stored(app, inquiry_id) == before

    response = client.post(f"/arenden/utkast?key=inquiry-{inquiry_id}", json={"summary": SUMMARY},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 409 and "kan inte längre ändras" in response.json["error"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(InquiryDraft)) == 0


@pytest.fixture
def api_token(app, create_user):
    from supportline.auth.service import issue_api_token

    def make(user):
        with app.app_context():
            return issue_api_token(None, db.session.get(User, user.id))

    return make


def test_the_api_refuses_to_patch_an_anonymised_inquiry(app, client, handler, make_inquiry, backdate, api_token):
    inquiry_id = make_inquiry(handler, status="closed")
    anonymise(app, backdate, inquiry_id)
    before = stored(app, inquiry_id)
    headers = {"Authorization": f"Bearer {api_token(handler)}"}
    current = client.get(f"/api/v1/inquiries/{inquiry_id}", headers=headers).json
    assert current["summary"] == ""
    response = client.patch(f"/api/v1/inquiries/{inquiry_id}", headers=headers,
                            json={"version": current["version"], "summary": SUMMARY, "status": "open"})
    assert response.status_code == 409
    body = response.json
    assert "avidentifierades" in body["error"] and "kan inte längre ändras" in body["errors"]["anonymised_at"]
    assert "current" not in body  # fetching it again and retrying cannot help
    assert stored(app, inquiry_id) == before


def test_inquiries_that_are_not_anonymised_can_still_be_changed(app, client, login_as, make_inquiry):
    handler = login_as("handler")
    inquiry_id = make_inquiry(handler, status="closed")
    token = csrf_from(client.get("/arenden/nytt").get_data(as_text=True))
    response = client.post(f"/arenden/{inquiry_id}/status", data={"status": "open", "csrf_token": token})
    assert response.status_code == 302
    assert stored(app, inquiry_id)["status"] == "open"
