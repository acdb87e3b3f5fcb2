"""Data subject requests: find, export and erase what is stored about a professional."""

from __future__ import annotations

import json

from sqlalchemy import select

from supportline.audit.models import AuditEvent
from supportline.auth.models import User
from supportline.extensions import db
from supportline.inquiries.models import Inquiry, InquiryDraft
from tests.conftest import csrf_from

KIM = {"callback_name": "Kim Kurator", "callback_phone": "070-123 45 67", "callback_email": "Kim@Skola.se",
       "caller_role": "Skolkurator", "caller_organisation": "Lindskolan"}


def _form(client, **fields):
    token = csrf_from(client.get("/admin/personuppgifter/").get_data(as_text=True))
    return {"csrf_token": token, "email": "", "phone": "", **fields}


def _setup(app, handler, make_inquiry):
    from supportline.inquiries.service import save_draft

    ids = [make_inquiry(handler, **KIM), make_inquiry(handler, **{**KIM, "callback_email": None}),
           make_inquiry(handler, callback_phone="08-555 123 45")]
    with app.app_context():
        save_draft(db.session.get(User, handler.id), "new", {"callback_phone": "+46 70 123 45 67",
                                                              "summary": "pågående samtal"})
    return ids


def test_find_by_email_or_phone(app, client, login_as, handler, make_inquiry):
    kim, kim_phone_only, other = _setup(app, handler, make_inquiry)
    login_as("coordinator")
    page = client.post("/admin/personuppgifter/", data=_form(client, email="kim@skola.SE")).get_data(as_text=True)
    assert "1 ärende och 0 utkast" in page and f"<td>{kim}</td>" in page and "Lindskolan" in page
    page = client.post("/admin/personuppgifter/", data=_form(client, phone="0701234567")).get_data(as_text=True)
    assert "2 ärenden och 1 utkast" in page
    # The inquiries' table only: a draft's number in the table below may be the same as an inquiry's.
    inquiries_table = page.split("<caption>Ärenden</caption>", 1)[1].split("</table>", 1)[0]
    assert f"<td>{kim_phone_only}</td>" in inquiries_table and f"<td>{other}</td>" not in inquiries_table
    page = client.post("/admin/personuppgifter/", data=_form(client, email="ingen@example.org")).get_data(as_text=True)
    assert "Inga ärenden eller utkast" in page
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "privacy.search")).all()
        assert len(events) == 3
        # the log proves a search happened, without becoming a copy of the address searched for
        assert all("skola" not in e.detail.lower() and "070" not in e.detail for e in events)
        assert json.loads(events[1].detail)["ids"] == [kim, kim_phone_only]


def test_bad_input_is_shown_on_the_field(client, login_as):
    login_as("coordinator")
    response = client.post("/admin/personuppgifter/", data=_form(client))
    assert response.status_code == 422
    assert "Ange e-postadressen eller telefonnumret" in response.get_data(as_text=True)
    response = client.post("/admin/personuppgifter/", data=_form(client, email="inte-en-adress", phone="12"))
    page = response.get_data(as_text=True)
    assert "Ange en giltig e-postadress" in page and "minst sex siffror" in page
    assert 'value="inte-en-adress"' in page
    assert client.post("/admin/personuppgifter/", data={"email": "a@b.se"}).status_code in (400, 403)


def test_export_as_json(app, client, login_as, handler, make_inquiry):
    kim, kim_phone_only, _ = _setup(app, handler, make_inquiry)
    login_as("coordinator")
    response = client.post("/admin/personuppgifter/export", data=_form(client, phone="070-123 45 67"))
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    body = json.loads(response.get_data(as_text=True))
    assert [r["inquiry_id"] for r in body["inquiries"]] == [kim, kim_phone_only]
    assert body["inquiries"][0]["callback_email"] == "Kim@Skola.se"
    assert body["inquiries"][0]["caller_organisation"] == "Lindskolan"
    assert "summary" not in body["inquiries"][0]  # the case is about someone else
    assert body["drafts"][0]["callback_phone"] == "+46 70 123 45 67"
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "privacy.export")) is not None


def test_erase_needs_confirmation_then_removes_everything_about_them(app, client, login_as, handler, make_inquiry):
    from supportline.inquiries.search import Filters, search_inquiries

    kim, kim_phone_only, other = _setup(app, handler, make_inquiry)
    coordinator = login_as("coordinator")
    response = client.post("/admin/personuppgifter/radera", data=_form(client, email="kim@skola.se",
                                                                        phone="070 123 45 67"))
    assert response.status_code == 422 and "Bekräfta att du kontrollerat" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Inquiry, kim).callback_email

    response = client.post("/admin/personuppgifter/radera", data=_form(client, email="kim@skola.se",
                                                                        phone="070 123 45 67", confirm="yes"))
    assert response.status_code == 303
    assert "raderade från 2 ärenden och 1 utkast" in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        for inquiry_id in (kim, kim_phone_only):
            inquiry = db.session.get(Inquiry, inquiry_id)
            assert (inquiry.callback_name, inquiry.callback_phone, inquiry.callback_email) == (None, None, None)
            assert (inquiry.caller_role, inquiry.caller_organisation) == ("", "")
            assert inquiry.summary  # the case text and codes stay
            assert inquiry.timeline[-1].detail["reason"] == "privacy_request"
        assert db.session.get(Inquiry, other).callback_phone == "08-555 123 45"
        draft = db.session.scalar(select(InquiryDraft))
        assert "callback_phone" not in draft.payload and draft.payload["summary"] == "pågående samtal"
        actor = db.session.get(User, coordinator.id)
        assert search_inquiries(actor, Filters(q="Lindskolan"), audit=False).total == 0
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "privacy.erase")
                                    .order_by(AuditEvent.id)).all()
        assert [e.object_id for e in events] == [str(kim), str(kim_phone_only), None]
        assert all("Kim" not in e.detail and "Lindskolan" not in e.detail for e in events)
