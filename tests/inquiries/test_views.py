"""The handler's pages: the form, the privacy guard, drafts, the case page, conflicts and the list."""

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from supportline.audit.models import AuditEvent
from supportline.extensions import db
from supportline.inquiries.models import Inquiry
from supportline.inquiries.service import today_local
from tests.conftest import csrf_from

FORM = {
    "channel": "phone", "received_at": "", "caller_type": "professional", "caller_sector": "social_services",
    "caller_role": "Socialsekreterare", "caller_organisation": "Socialtjänsten Linköping",
    "municipality_code": "0580", "county_code": "", "persons-0-age_group": "16-17", "persons-0-gender": "girl_woman",
    "persons-1-age_group": "", "persons-1-gender": "", "perpetrator_relations": ["parent", "sibling"],
    "exposure_types": ["control", "death_threat"], "question_topics": ["risk_assessment"], "urgency": "high",
    "summary": "Socialsekreteraren undrar hur en riskbedömning görs när en flicka hotas av familjen.",
    "advice": "Använd PATRIARK och samverka med polisen.", "referrals": ["police"], "follow_up_on": "",
    "status": "open", "assignee_id": "", "duration_seconds": "185", "started_at": "",
}


def _post_new(client, **changes):
    token = csrf_from(client.get("/arenden/nytt").get_data(as_text=True))
    return client.post("/arenden/nytt", data={**FORM, **changes, "csrf_token": token})


def test_new_form_has_timer_focus_checkboxes_and_labels(client, login_as):
    login_as("handler")
    html = client.get("/arenden/nytt").get_data(as_text=True)
    assert 'id="call-timer"' in html and 'role="timer"' in html
    assert re.search(r'<select[^>]*autofocus[^>]*name="channel"|<select[^>]*name="channel"[^>]*autofocus', html)
    assert 'type="checkbox"' in html and "multiple" not in html
    assert re.search(r"/static/inquiry-form\.[0-9a-f]+\.js", html) and "<script>" not in html  # fingerprinted name
    municipalities = re.search(r'<select[^>]*name="municipality_code".*?</select>', html, re.S).group(0)
    assert municipalities.count("<optgroup") == 21 and html.count('value="0580"') == 1
    for field_id in ["caller_role", "summary", "advice", "follow_up_on", "persons-0-age_group"]:
        assert f'for="{field_id}"' in html


def test_logging_a_call_saves_everything_and_shows_the_case(app, client, login_as):
    handler = login_as("handler")
    response = _post_new(client)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        inquiry = db.session.scalar(select(Inquiry))
        assert inquiry.county_code == "05" and inquiry.duration_seconds == 185
        assert inquiry.created_by_id == handler.id
        assert inquiry.codes_of("perpetrator_relations") == ["parent", "sibling"]
        assert len(inquiry.exposed_persons) == 1
        number = inquiry.id
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f"Ärende {number}: Öppen" in html and "Linköping, Östergötlands län" in html


def test_personnummer_is_refused_with_the_field_marked_and_can_be_redacted(app, client, login_as):
    login_as("handler")
    summary = "Flickan 20121212-1212 är hotad av sin pappa."
    response = _post_new(client, summary=summary)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "personnummer får inte sparas" in html and 'aria-invalid="true"' in html
    assert 'name="redact" value="summary"' in html and summary in html  # nothing typed is lost
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Inquiry)) == 0
    token = csrf_from(html)
    response = client.post("/arenden/nytt", data={**FORM, "summary": summary, "redact": "summary",
                                                  "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Flickan [borttaget] är hotad" in html
    assert "1 uppgift ersattes" in html
    response = client.post("/arenden/nytt", data={**FORM, "summary": "Flickan [borttaget] är hotad.",
                                                  "csrf_token": token})
    assert response.status_code == 302


def test_html_in_text_fields_is_shown_as_text(client, login_as):
    login_as("handler")
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = _post_new(client, summary=evil, advice=evil, caller_role=evil[:100], caller_organisation="<b>Org</b>")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html and "<b>Org</b>" not in html


def test_errors_keep_what_was_typed(client, login_as):
    login_as("handler")
    response = _post_new(client, channel="", follow_up_on="2001-01-01", caller_organisation="Norra skolan")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Välj kanal." in html and "redan passerat" in html
    assert 'value="Norra skolan"' in html and "riskbedömning görs" in html


def test_another_person_row_can_be_added_without_saving(app, client, login_as):
    login_as("handler")
    response = _post_new(client, action="add_person")
    assert response.status_code == 200 and 'id="persons-2-age_group"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Inquiry)) == 0


def test_draft_is_saved_with_csrf_header_and_offered_back(client, login_as):
    login_as("handler")
    token = csrf_from(client.get("/arenden/nytt").get_data(as_text=True))
    payload = {"summary": "Halvfärdig anteckning 121212-1212", "channel": "chat", "exposure_types": ["fgm"]}
    assert client.post("/arenden/utkast", json=payload).status_code == 400  # no CSRF header
    response = client.post("/arenden/utkast", json=payload, headers={"X-CSRFToken": token})
    assert response.status_code == 200 and "summary" in response.get_json()["findings"]
    html = client.get("/arenden/nytt").get_data(as_text=True)
    assert "osparat utkast" in html
    html = client.get("/arenden/nytt?utkast=aterstall").get_data(as_text=True)
    assert "Halvfärdig anteckning [borttaget]" in html
    assert re.search(r'value="fgm"[^>]*checked|checked[^>]*value="fgm"', html)
    assert re.search(r'<option selected value="chat">|<option value="chat" selected>', html)
    client.post("/arenden/utkast/kasta?key=new", data={"csrf_token": token})
    assert "osparat utkast" not in client.get("/arenden/nytt").get_data(as_text=True)


def test_case_page_timeline_actions(app, client, login_as, create_user, make_inquiry):
    handler = login_as("handler")
    colleague = create_user("handler", name="Kollega Karlsson")
    inquiry_id = make_inquiry(handler)
    page = client.get(f"/arenden/{inquiry_id}").get_data(as_text=True)
    token = csrf_from(page)
    base = f"/arenden/{inquiry_id}"
    assert client.post(base + "/handelse", data={"csrf_token": token, "kind": "contact",
                                                 "text": "Kuratorn ringde igen."}).status_code == 302
    bad = client.post(base + "/handelse", data={"csrf_token": token, "kind": "note", "text": "mejl: a@b.se"})
    assert bad.status_code == 422 and "e-postadress" in bad.get_data(as_text=True)
    assert 'name="redact" value="text"' in bad.get_data(as_text=True)
    assert client.post(base + "/status", data={"csrf_token": token, "status": "awaiting"}).status_code == 302
    assert client.post(base + "/tilldela", data={"csrf_token": token,
                                                 "assignee_id": str(colleague.id)}).status_code == 302
    tomorrow = (today_local() + dt.timedelta(days=1)).isoformat()
    assert client.post(base + "/uppfoljning", data={"csrf_token": token, "follow_up_on": tomorrow}).status_code == 302
    past = client.post(base + "/uppfoljning", data={"csrf_token": token, "follow_up_on": "2020-01-01"})
    assert past.status_code == 422 and "redan passerat" in past.get_data(as_text=True)
    html = client.get(base).get_data(as_text=True)
    for text in ["Kuratorn ringde igen.", "Öppen → Väntar på återkoppling", "Kollega Karlsson", tomorrow]:
        assert text in html
    with app.app_context():
        inquiry = db.session.get(Inquiry, inquiry_id)
        assert [e.kind for e in inquiry.timeline] == ["contact", "status", "assignment", "follow_up"]


def test_follow_up_shows_on_the_assignees_start_page(app, client, login_as, create_user, make_inquiry):
    other = create_user("handler")
    me = login_as("handler")
    today = today_local().isoformat()
    mine = make_inquiry(other, follow_up_on=today, assignee_id=me.id, summary="Uppföljning av placeringsfrågan.")
    make_inquiry(other, follow_up_on=today, summary="Någon annans ärende.")
    html = client.get("/").get_data(as_text=True)
    assert "Mina uppföljningar" in html and f"/arenden/{mine}" in html and "Någon annans" not in html


def test_stale_edit_shows_both_versions_side_by_side(app, client, login_as, create_user, make_inquiry):
    handler = login_as("handler")
    inquiry_id = make_inquiry(handler, summary="Ursprunglig text.")
    html = client.get(f"/arenden/{inquiry_id}/andra").get_data(as_text=True)
    token = csrf_from(html)
    assert 'name="version" type="hidden" value="1"' in html
    # a colleague saves in between
    from supportline.auth.models import User
    from supportline.inquiries.service import update_inquiry

    with app.app_context():
        update_inquiry(db.session.get(User, handler.id), inquiry_id, {"summary": "Kollegans text."},
                       expected_version=1)
    data = {**FORM, "summary": "Min text.", "version": "1", "csrf_token": token}
    response = client.post(f"/arenden/{inquiry_id}/andra", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Någon annan har ändrat samma uppgifter" in html and "Min text." in html and "Kollegans text." in html
    assert 'name="version" type="hidden" value="2"' in html
    with app.app_context():
        assert db.session.get(Inquiry, inquiry_id).summary == "Kollegans text."
    response = client.post(f"/arenden/{inquiry_id}/andra", data={**data, "version": "2"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Inquiry, inquiry_id).summary == "Min text."


def _edit_form(client, inquiry_id) -> dict:
    """The edit form as the browser would send it back unchanged."""
    html = client.get(f"/arenden/{inquiry_id}/andra").get_data(as_text=True)
    data = {"csrf_token": csrf_from(html)}
    for name in ("version", "base", "received_at", "caller_role", "caller_organisation"):
        match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html)
        data[name] = match.group(1).replace("&#34;", '"') if match else ""
    return {**FORM, **data, "summary": "Ursprunglig text.", "municipality_code": "0580", "county_code": "05"}


def _colleague_saves(app, inquiry_id, changes):
    from supportline.auth.models import User
    from supportline.auth.service import create_user
    from supportline.inquiries.service import update_inquiry

    with app.app_context():
        colleague = create_user(None, "kollega@test.invalid", "handler", "Lösenord-som-räcker-1", "Karin Kollega")
        update_inquiry(db.session.get(User, colleague.id), inquiry_id, changes, expected_version=1)


def test_a_colleagues_change_of_other_fields_is_kept_and_mine_saved(app, client, login_as, make_inquiry):
    handler = login_as("handler")
    inquiry_id = make_inquiry(handler, summary="Ursprunglig text.", **{k: FORM[k] for k in ("advice",)})
    form = _edit_form(client, inquiry_id)
    _colleague_saves(app, inquiry_id, {"advice": "Kollegans råd.", "exposure_types": ["death_threat", "control"]})
    # my form still holds the old advice and the codes in the form's own order
    response = client.post(f"/arenden/{inquiry_id}/andra", data={**form, "summary": "Min text."})
    assert response.status_code == 302
    assert "deras ändringar av Råd som gavs är kvar" in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        saved = db.session.get(Inquiry, inquiry_id)
        assert (saved.summary, saved.advice, saved.version) == ("Min text.", "Kollegans råd.", 3)


def test_a_field_both_changed_waits_for_a_choice_and_theirs_can_win(app, client, login_as, make_inquiry):
    handler = login_as("handler")
    inquiry_id = make_inquiry(handler, summary="Ursprunglig text.", advice=FORM["advice"])
    form = _edit_form(client, inquiry_id)
    _colleague_saves(app, inquiry_id, {"summary": "Kollegans text."})
    conflict = client.post(f"/arenden/{inquiry_id}/andra", data={**form, "summary": "Min text.",
                                                                 "caller_role": "Kurator"})
    html = conflict.get_data(as_text=True)
    assert conflict.status_code == 409 and "Ändrat av Karin Kollega" in html
    assert 'name="merge_fields" type="hidden" value="summary"' in html
    again = {**form, "summary": "Min text.", "caller_role": "Kurator", "version": "2", "merge_fields": "summary",
             "merge_since": "1", "base": re.search(r'name="base" type="hidden" value="([^"]*)"', html)
             .group(1).replace("&#34;", '"')}
    assert client.post(f"/arenden/{inquiry_id}/andra", data=again).status_code == 422
    assert client.post(f"/arenden/{inquiry_id}/andra", data={**again, "merge-summary": "theirs"}).status_code == 302
    with app.app_context():
        saved = db.session.get(Inquiry, inquiry_id)
        assert (saved.summary, saved.caller_role) == ("Kollegans text.", "Kurator")


def test_list_filters_live_in_the_url_and_are_audited(app, client, login_as, make_inquiry):
    handler = login_as("handler")
    a = make_inquiry(handler, summary="Tvångsgifte planeras.", municipality_code="1280")
    make_inquiry(handler, summary="Annat ärende om skolan.")
    html = client.get("/arenden?q=tvångsgifta&county=12").get_data(as_text=True)
    assert f'href="/arenden/{a}"' in html and "1 ärende," in html
    assert '<option value="12" selected>' in html and 'value="tvångsgifta"' in html
    bad = client.get("/arenden?status=bortglömd&date_from=igår")
    assert bad.status_code == 400 and "ÅÅÅÅ-MM-DD" in bad.get_data(as_text=True)
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "inquiry.list")).first()
        assert f"[{a}]" in event.detail


def test_list_paginates_with_filters_kept(client, login_as, make_inquiry):
    handler = login_as("handler")
    for _ in range(27):
        make_inquiry(handler, status="awaiting")
    html = client.get("/arenden?status=awaiting").get_data(as_text=True)
    assert "sida 1 av 2" in html and "sida=2" in html and "status=awaiting" in html
    html = client.get("/arenden?status=awaiting&sida=2").get_data(as_text=True)
    assert len(re.findall(r'href="/arenden/\d+"', html)) == 2


def test_previous_contacts_json(client, login_as, make_inquiry):
    handler = login_as("handler")
    first = make_inquiry(handler, caller_organisation="BUP Malmö")
    body = client.get("/arenden/tidigare-kontakter?organisation=bup  malmö").get_json()
    assert [i["id"] for i in body["inquiries"]] == [first]
    html = client.get(f"/arenden/{make_inquiry(handler, caller_organisation='BUP Malmö')}").get_data(as_text=True)
    assert "Tidigare kontakter" in html and f"/arenden/{first}" in html


@pytest.mark.parametrize("role", ["editor", "coordinator", "anonymous"])
def test_routes_check_the_role(app, client, auth, create_user, make_inquiry, role):
    owner = create_user("handler")
    inquiry_id = make_inquiry(owner)
    if role != "anonymous":
        user = create_user(role)
        auth.login(user.email)
    token = csrf_from(client.get("/login").get_data(as_text=True))
    writes = ["/arenden/utkast", "/arenden/utkast/kasta", f"/arenden/{inquiry_id}/handelse",
              f"/arenden/{inquiry_id}/status", f"/arenden/{inquiry_id}/tilldela", f"/arenden/{inquiry_id}/uppfoljning",
              f"/arenden/{inquiry_id}/andra"]
    expected = 302 if role == "anonymous" else 403
    for path in writes:
        assert client.post(path, data={"csrf_token": token}, headers={"X-CSRFToken": token}).status_code == expected
    reads = [f"/arenden/{inquiry_id}", "/arenden/tidigare-kontakter", f"/arenden/{inquiry_id}/andra"]
    for path in reads:
        status = client.get(path).status_code
        if role == "coordinator" and path == f"/arenden/{inquiry_id}":
            assert status == 200
        else:
            assert status == expected, path
    if role == "coordinator":
        html = client.get(f"/arenden/{inquiry_id}").get_data(as_text=True)
        assert "Återkontakt" not in html and "Lägg till i tidslinjen" not in html


def test_unknown_inquiry_is_404(client, login_as):
    login_as("handler")
    assert client.get("/arenden/2147483647").status_code == 404


def test_a_broad_list_stops_counting_and_still_pages_on(app, client, login_as, make_inquiry, monkeypatch):
    from supportline.inquiries import search

    handler = login_as("handler")
    for _ in range(8):
        make_inquiry(handler)
    monkeypatch.setattr(search, "COUNT_LIMIT", 5)
    with app.app_context():
        from supportline.auth.models import User
        from supportline.extensions import db

        actor = db.session.get(User, handler.id)
        first = search.search_inquiries(actor, search.Filters(), page=1, per_page=3)
        assert (first.total, first.total_exact, len(first.items), first.has_next) == (5, False, 3, True)
        last = search.search_inquiries(actor, search.Filters(), page=3, per_page=3)
        assert (len(last.items), last.has_next, last.pages) == (2, False, 3)
        exact = search.search_inquiries(actor, search.Filters(status="closed"), page=1, per_page=3)
        assert exact.total_exact and exact.total == 0
    page = client.get("/arenden").get_data(as_text=True)
    assert "Fler än 5 ärenden, sida 1." in page
    listed = client.get("/api/v1/inquiries").json
    assert listed["total"] == 5 and listed["total_exact"] is False and listed["has_next"] is False


def test_case_page_reads_the_case_once_and_logs_both_reads(app, client, login_as, make_inquiry):
    from sqlalchemy import event

    handler = login_as("handler")
    earlier = make_inquiry(handler, caller_organisation="Norra skolan")
    inquiry_id = make_inquiry(handler, caller_organisation="Norra skolan")
    token = csrf_from(client.get(f"/arenden/{inquiry_id}").get_data(as_text=True))
    assert client.post(f"/arenden/{inquiry_id}/handelse",
                       data={"csrf_token": token, "kind": "note", "text": "Ringer i morgon."}).status_code == 302
    statements = []

    def seen(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split()))

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            page = client.get(f"/arenden/{inquiry_id}").get_data(as_text=True)
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
        assert "Ringer i morgon." in page and f"/arenden/{earlier}" in page
        reads = [s for s in statements if s.startswith("SELECT inquiries.id, inquiries.channel")]
        timeline_reads = [s for s in statements if s.startswith("SELECT inquiry_timeline.")]
        assert (len(reads), len(timeline_reads)) == (1, 1), statements
        logged = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("inquiry.%"))
                                    .order_by(AuditEvent.id.desc()).limit(2)).all()
        assert logged == ["inquiry.list.previous", "inquiry.read"]
