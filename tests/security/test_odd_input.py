"""Input that gave a 500 with a traceback: deep JSON, digits that are not ASCII, numbers beyond
the database's range, floats where integers belong, impossible dates, lone surrogates and lists
where a code belongs. Each must be a 4xx with a Swedish message (pages) or with `errors` (API)."""

from __future__ import annotations

import json
import time

import pyotp
import pytest
from sqlalchemy import func, select

from supportline.extensions import db
from supportline.inquiries.models import Inquiry
from tests.conftest import csrf_from
from tests.inquiries.conftest import valid_payload
from tests.kb.test_kb_editor import FORM as ARTICLE_FORM

ODD_DIGITS = ["²", "١٢٣", "１", "٣"]


def inquiry_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Inquiry))


@pytest.mark.parametrize("path", ["/", "/finns-inte", "/api/v1/inquiries", "/api/v1/search", "/arenden/utkast",
                                  "/kunskap/sok"])
def test_deeply_nested_json_is_refused_on_any_url(client, path):
    body = "[" * 5000 + "]" * 5000
    response = client.post(path, data=body, content_type="application/json")
    assert 400 <= response.status_code < 500


def test_deeply_nested_json_gets_a_swedish_message(client):
    response = client.post("/api/v1/inquiries", data="[" * 5000 + "]" * 5000, content_type="application/json")
    assert response.status_code == 400
    assert "nästlat" in response.get_json()["error"]["message"]


def test_json_of_ordinary_depth_still_reaches_the_view(client, token_of, create_user):
    token = token_of(create_user("handler"))
    response = client.post("/api/v1/inquiries", json=valid_payload(), headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201


@pytest.mark.parametrize("digits", ODD_DIGITS)
def test_digits_other_than_ascii_in_query_strings(client, login_as, digits):
    login_as("admin")
    for path in (f"/arenden?sida={digits}", f"/arenden?handler={digits}", f"/admin/logg/?sida={digits}",
                 f"/admin/logg/?user={digits}", f"/admin/logg/?inquiry={digits}", f"/kunskap/sok?q=hot&page={digits}",
                 f"/statistik/kvartalsrapport?ar={digits}&kvartal={digits}"):
        response = client.get(path)
        assert response.status_code < 500, path
    # The filters say in Swedish what was wrong.
    page = client.get(f"/admin/logg/?user={digits}").get_data(as_text=True)
    assert "Välj en användare i listan." in page
    assert client.get(f"/arenden?handler={digits}").status_code == 400


@pytest.mark.parametrize("digits", ODD_DIGITS)
def test_digits_other_than_ascii_in_the_api(client, token_of, create_user, digits):
    token = token_of(create_user("handler"))
    headers = {"Authorization": f"Bearer {token}"}
    response = client.get(f"/api/v1/search?q=hot&page={digits}")
    assert response.status_code in (400, 422) and "page" in response.get_json()["errors"]
    response = client.get(f"/api/v1/inquiries?page={digits}", headers=headers)
    assert response.status_code == 422 and "page" in response.get_json()["errors"]


def test_fullwidth_digits_in_a_path_name_no_inquiry(client, token_of, create_user):
    handler = create_user("handler")
    token = token_of(handler)
    headers = {"Authorization": f"Bearer {token}"}
    inquiry_id = str(client.post("/api/v1/inquiries", json=valid_payload(), headers=headers).get_json()["id"])
    fullwidth = inquiry_id.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    arabic_indic = inquiry_id.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert client.get(f"/api/v1/inquiries/{inquiry_id}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/inquiries/{fullwidth}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/inquiries/{arabic_indic}", headers=headers).status_code == 404


@pytest.mark.parametrize("key", ["inquiry-²", "inquiry-１", "inquiry-99999999999", "inquiry-2147483648",
                                 "inquiry-", "inquiry--1"])
def test_odd_draft_keys_are_refused(app, client, login_as, key):
    login_as("handler")
    token = csrf_from(client.get("/arenden/nytt").get_data(as_text=True))
    response = client.post(f"/arenden/utkast?key={key}", json={"summary": "text"}, headers={"X-CSRFToken": token})
    assert response.status_code == 400


def test_article_form_with_an_odd_version(app, client, login_as):
    from supportline.kb.models import Article

    login_as("editor")
    token = csrf_from(client.get("/kunskap/redaktor/ny").get_data(as_text=True))
    assert client.post("/kunskap/redaktor/ny", data={**ARTICLE_FORM, "csrf_token": token}).status_code == 302
    with app.app_context():
        article_id = db.session.scalar(select(Article.id).where(Article.slug == ARTICLE_FORM["slug"]))
    for version in ODD_DIGITS:
        response = client.post(f"/kunskap/redaktor/{article_id}",
                               data={**ARTICLE_FORM, "csrf_token": token, "version": version})
        assert response.status_code < 500, version


def test_a_totp_code_in_other_digits_is_a_wrong_code(app, client, auth, create_user, enrol):
    user = create_user("handler")
    auth.login(user.email)
    secret, _codes = enrol()
    auth.logout()
    assert auth.login(user.email).headers["Location"].startswith("/login/kod")
    page = client.get("/login/kod").get_data(as_text=True)
    for code in ("²²²²²²", "１２３４５６", "١٢٣٤٥٦"):
        response = client.post("/login/kod", data={"csrf_token": csrf_from(page), "code": code})
        assert response.status_code in (200, 400, 401), code
        assert "stämmer inte" in response.get_data(as_text=True) or response.status_code == 401
    # The enrolment used the current time step; the next one is still accepted (clock drift).
    right = client.post("/login/kod", data={"csrf_token": csrf_from(page),
                                            "code": pyotp.TOTP(secret).at(time.time() + 30)})
    assert right.status_code == 302


def _post_raw(client, token, text: str):
    return client.post("/api/v1/inquiries", data=text, content_type="application/json",
                       headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("field,raw_value", [
    ("assignee_id", "1e400"),
    ("assignee_id", "1.5"),
    ("assignee_id", "-1e400"),
    ("duration_seconds", "Infinity"),
    ("duration_seconds", "NaN"),
    ("duration_seconds", "12.5"),
    ("received_at", '"9999-12-31T23:59:59-14:00"'),
    ("received_at", '"0001-01-01T00:00:00+14:00"'),
    ("follow_up_on", '"9999-12-31"'),
    ("channel", '["phone"]'),
    ("channel", '{"a": 1}'),
    ("municipality_code", '["0580"]'),
    ("county_code", '{"05": true}'),
    ("exposed_persons", '[{"age_group": ["13-15"], "gender": "girl_woman"}]'),
    ("exposed_persons", '[{"age_group": "13-15", "gender": {"x": 1}}]'),
    ("perpetrator_relations", '[["parent"]]'),
    ("caller_role", '["Kurator"]'),
])
def test_odd_values_in_api_fields_get_422_with_the_field(app, client, token_of, create_user, field, raw_value):
    token = token_of(create_user("handler"))
    payload = valid_payload()
    payload.pop(field, None)
    text = json.dumps(payload)[:-1] + f', "{field}": {raw_value}}}'
    response = _post_raw(client, token, text)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert field in response.get_json()["errors"]
    assert inquiry_count(app) == 0


def test_a_lone_surrogate_in_the_summary_is_refused(app, client, token_of, create_user):
    token = token_of(create_user("handler"))
    payload = valid_payload(summary="PLACEHOLDER")
    text = json.dumps(payload).replace("PLACEHOLDER", "Fr\\u00e5ga \\ud800 om hot")
    response = _post_raw(client, token, text)
    assert response.status_code == 400
    body = response.get_json()
    assert "surrogat" in body["error"]["message"] and "summary" in body["errors"]
    assert inquiry_count(app) == 0


def test_odd_values_in_the_inquiry_form_show_swedish_messages(app, client, login_as):
    login_as("handler")
    page = client.get("/arenden/nytt").get_data(as_text=True)
    form = {"csrf_token": csrf_from(page), "submission_key": "k" * 20, "channel": "phone",
            "caller_type": "professional", "urgency": "normal", "status": "open", "summary": "En fråga om hot.",
            "received_at": "9999-12-31T23:59", "duration_seconds": "²", "assignee_id": "１"}
    response = client.post("/arenden/nytt", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Välj en handläggare i listan." in html and "ligger i framtiden" in html
    assert "En fråga om hot." in html  # nothing typed is lost
    assert inquiry_count(app) == 0


def test_input_bounds(app, client, token_of, create_user):
    import datetime as dt

    from supportline.inquiries.service import today_local

    headers = {"Authorization": f"Bearer {token_of(create_user('handler'))}"}

    def errors(**fields):
        response = client.post("/api/v1/inquiries", json=valid_payload(**fields), headers=headers)
        return response.status_code, (response.get_json() or {}).get("errors", {})

    # Linköping (0580) lies in Östergötland (05), not in Skåne (12).
    status, found = errors(municipality_code="0580", county_code="12")
    assert status == 422 and "Linköping ligger inte i Skåne län" in found["municipality_code"]
    far = today_local() + dt.timedelta(days=3 * 365)
    status, found = errors(follow_up_on=far.isoformat())
    assert status == 422 and "mer än 2 år" in found["follow_up_on"]
    status, found = errors(callback_phone="٠٧٠-١٢٣ ٤٥ ٦٧")
    assert status == 422 and "callback_phone" in found
    status, found = errors(callback_phone="０７０-１２３ ４５ ６７")
    assert status == 422 and "callback_phone" in found
    # What a handler really types still goes through.
    assert errors(municipality_code="0580", county_code="05",
                  follow_up_on=(today_local() + dt.timedelta(days=365)).isoformat(),
                  callback_phone="070-123 45 67")[0] == 201
    assert inquiry_count(app) == 1


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_filter_dates_at_the_ends_of_the_calendar(client, login_as, day):
    login_as("admin")
    for path in (f"/arenden?date_from={day}", f"/arenden?date_to={day}", f"/admin/logg/?date_from={day}",
                 f"/admin/logg/?date_to={day}", f"/api/v1/inquiries?date_from={day}",
                 f"/admin/logg/granskning?manad={day[:7]}"):
        response = client.get(path)
        assert response.status_code in (400, 422), path
        text = response.get_data(as_text=True)
        assert "Ange ett datum mellan 2000-01-01 och 2100-12-31." in text, path


def test_a_nul_in_a_query_string_is_refused_outside_the_knowledge_search(client, login_as):
    login_as("admin")
    for path in ("/arenden/tidigare-kontakter?organisation=ab%00cd&phone=0701%0023456", "/arenden?q=a%00b",
                 "/admin/logg/?action=a%00b", "/api/v1/inquiries?q=a%00b"):
        assert client.get(path).status_code == 400, path
    assert client.get("/kunskap/sok?q=a%00b").status_code == 200
    assert client.get("/api/v1/search?q=a%00b").status_code == 200
