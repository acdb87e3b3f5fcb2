"""A save repeated after an error or a lost answer makes no second inquiry: the JSON API's
Idempotency-Key header and the new-inquiry form's hidden token."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from supportline.extensions import db
from supportline.inquiries import service, validation, writes
from supportline.inquiries.canonical import schema
from supportline.inquiries.models import Inquiry
from tests.conftest import csrf_from
from tests.inquiries.conftest import valid_payload
from tests.inquiries.test_views import FORM

URL = "/api/v1/inquiries"
KEY = "5f0b6c1e-8a53-4b8e-9d43-1c2f7a9e0b11"


def _headers(token_value, key=KEY):
    headers = {"Authorization": f"Bearer {token_value}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return headers


def _inquiries(app) -> list[Inquiry]:
    with app.app_context():
        rows = list(db.session.scalars(select(Inquiry).order_by(Inquiry.id)))
        db.session.expunge_all()
        return rows


def _lost_connection() -> OperationalError:
    """What a save sees when the connection to PostgreSQL dies under it."""
    return OperationalError("COMMIT", None, psycopg.OperationalError("server closed the connection unexpectedly"),
                            connection_invalidated=True)


# --- the JSON API --------------------------------------------------------------------------

def test_a_repeat_with_the_same_key_answers_the_inquiry_already_saved(app, client, token):
    headers = _headers(token())
    first = client.post(URL, json=valid_payload(), headers=headers)
    assert first.status_code == 201, first.get_json()
    assert "Idempotent-Replayed" not in first.headers
    again = client.post(URL, json=valid_payload(), headers=headers)
    assert again.status_code == 200, again.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.headers["Location"] == first.headers["Location"]
    assert len(_inquiries(app)) == 1
    # the key is an internal detail: not in the record, its schema or the handover
    assert "idempotency" not in json.dumps(again.get_json()).lower()
    assert "idempotency" not in json.dumps(schema()).lower()


def test_a_repeat_finds_its_inquiry_even_when_the_input_would_no_longer_pass(app, client, token, monkeypatch):
    headers = _headers(token())
    today = service.today_local()
    first = client.post(URL, json=valid_payload(follow_up_on=today.isoformat()), headers=headers)
    assert first.status_code == 201, first.get_json()
    # the retry arrives after midnight: the follow-up date has passed, a new save would be refused
    monkeypatch.setattr(validation, "today_local", lambda: today + dt.timedelta(days=1))
    again = client.post(URL, json=valid_payload(follow_up_on=today.isoformat()), headers=headers)
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
    assert len(_inquiries(app)) == 1


def test_the_same_key_with_another_body_is_refused_in_swedish(app, client, token):
    headers = _headers(token())
    first = client.post(URL, json=valid_payload(), headers=headers)
    assert first.status_code == 201
    other = client.post(URL, json=valid_payload(summary="En helt annan fråga om en annan elev."), headers=headers)
    assert other.status_code == 422
    body = other.get_json()
    assert body["error"] == "Idempotency-Key har redan använts med andra uppgifter."
    assert f"ärende {first.get_json()['id']}" in body["errors"]["Idempotency-Key"]
    [saved] = _inquiries(app)
    assert saved.summary == valid_payload()["summary"]


def test_keys_belong_to_one_account(app, client, token):
    first = client.post(URL, json=valid_payload(), headers=_headers(token()))
    second = client.post(URL, json=valid_payload(), headers=_headers(token()))
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.get_json()["id"] != second.get_json()["id"]
    assert len(_inquiries(app)) == 2


def test_without_a_key_every_post_is_a_new_inquiry(app, client, token):
    headers = _headers(token(), key=None)
    assert client.post(URL, json=valid_payload(), headers=headers).status_code == 201
    assert client.post(URL, json=valid_payload(), headers=headers).status_code == 201
    assert len(_inquiries(app)) == 2


@pytest.mark.parametrize("key", ["", "k" * 101, "med mellanslag"])
def test_a_malformed_key_is_400_and_saves_nothing(app, client, token, key):
    response = client.post(URL, json=valid_payload(), headers=_headers(token(), key=key))
    assert response.status_code == 400
    assert "Idempotency-Key" in response.get_json()["errors"]
    assert _inquiries(app) == []


def test_retries_racing_each_other_make_one_inquiry(app, token):
    headers = _headers(token())
    start = threading.Barrier(4, timeout=10)
    results = []

    def save():
        client = app.test_client()
        start.wait()
        response = client.post(URL, json=valid_payload(), headers=headers)
        results.append((response.status_code, (response.get_json() or {}).get("id")))

    threads = [threading.Thread(target=save) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)
    assert sorted(status for status, _ in results) == [200, 200, 200, 201]
    assert len({inquiry_id for _, inquiry_id in results}) == 1
    assert len(_inquiries(app)) == 1


def test_the_openapi_description_documents_the_header(client):
    post = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/inquiries"]["post"]
    assert [p["name"] for p in post["parameters"] if p["in"] == "header"] == ["Idempotency-Key"]
    assert {"200", "201", "422", "503"} <= set(post["responses"])
    assert "Idempotent-Replayed" in post["description"]


def _first_save_loses_its_connection(monkeypatch) -> list[int]:
    """The first save commits, then the connection is lost before the answer; returns the ids saved."""
    real = service.create_inquiry_once
    calls: list[int] = []

    def saved_then_connection_lost(*args, **kwargs):
        once = real(*args, **kwargs)
        calls.append(once.inquiry_id)
        if len(calls) == 1:
            raise _lost_connection()
        return once

    monkeypatch.setattr(service, "create_inquiry_once", saved_then_connection_lost)
    return calls


def test_a_503_answer_to_a_save_that_went_through_is_safe_to_retry(app, client, token, monkeypatch):
    calls = _first_save_loses_its_connection(monkeypatch)
    headers = _headers(token())
    lost = client.post(URL, json=valid_payload(), headers=headers)
    assert lost.status_code == 503
    assert lost.headers["Retry-After"].isdigit()
    assert lost.get_json()["error"]["title"] == "Tjänsten är tillfälligt otillgänglig"
    again = client.post(URL, json=valid_payload(), headers=headers)
    assert again.status_code == 200 and again.get_json()["id"] == calls[0]
    assert len(_inquiries(app)) == 1


# --- the form /arenden/nytt ----------------------------------------------------------------

def _open_form(client) -> dict:
    html = client.get("/arenden/nytt").get_data(as_text=True)
    match = re.search(r'name="submission_key" type="hidden" value="([^"]+)"|'
                      r'id="submission_key" name="submission_key" type="hidden" value="([^"]+)"', html)
    assert match, "the new-inquiry form has no submission token"
    return {**FORM, "csrf_token": csrf_from(html), "submission_key": match.group(1) or match.group(2)}


def _flash(client, response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_every_new_form_has_its_own_token(client, login_as):
    login_as("handler")
    assert _open_form(client)["submission_key"] != _open_form(client)["submission_key"]


def test_spara_pressed_twice_saves_one_inquiry(app, client, login_as):
    login_as("handler")
    form = _open_form(client)
    first = client.post("/arenden/nytt", data=form)
    first_page = _flash(client, first)
    [saved] = _inquiries(app)
    assert f"Ärende {saved.id} är sparat." in first_page
    # the call timer kept running: the second press sends a longer duration
    second = client.post("/arenden/nytt", data={**form, "duration_seconds": "191"})
    assert second.headers["Location"] == first.headers["Location"]
    assert f"Samtalet är redan sparat som ärende {saved.id}." in _flash(client, second)
    [again] = _inquiries(app)
    assert again.id == saved.id and again.duration_seconds == 185


def test_spara_again_after_a_503_when_the_first_save_went_through(app, client, login_as, monkeypatch, caplog):
    login_as("handler")
    form = _open_form(client)
    calls = _first_save_loses_its_connection(monkeypatch)
    lost = client.post("/arenden/nytt", data=form)
    assert lost.status_code == 503 and lost.headers["Retry-After"].isdigit()
    page = lost.get_data(as_text=True)
    assert "Tjänsten är tillfälligt otillgänglig" in page and "Försök igen om en liten stund." in page
    # the log names the failure, never the case text
    logged = [r.getMessage() for r in caplog.records if "database unavailable" in r.getMessage()]
    assert logged and "OperationalError" in logged[0] and "tvångsgifte" not in " ".join(logged)
    assert FORM["summary"] not in caplog.text
    again = client.post("/arenden/nytt", data=form)
    assert again.headers["Location"].endswith(f"/arenden/{calls[0]}")
    assert f"Samtalet är redan sparat som ärende {calls[0]}." in _flash(client, again)
    assert len(_inquiries(app)) == 1


def test_spara_again_after_a_503_when_nothing_was_saved(app, client, login_as, monkeypatch):
    login_as("handler")
    form = _open_form(client)
    real = service.create_inquiry
    calls = []

    def connection_lost_first(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise _lost_connection()
        return real(*args, **kwargs)

    monkeypatch.setattr(writes, "create_inquiry", connection_lost_first)
    assert client.post("/arenden/nytt", data=form).status_code == 503
    assert _inquiries(app) == []
    page = _flash(client, client.post("/arenden/nytt", data=form))
    [saved] = _inquiries(app)
    assert f"Ärende {saved.id} är sparat." in page


def test_a_form_changed_after_it_was_saved_says_the_change_is_not_saved(app, client, login_as):
    login_as("handler")
    form = _open_form(client)
    client.post("/arenden/nytt", data=form)
    changed = client.post("/arenden/nytt", data={**form, "advice": "Ett annat råd som lades till efteråt."})
    page = _flash(client, changed)
    [saved] = _inquiries(app)
    assert f"Samtalet är redan sparat som ärende {saved.id}, första gången formuläret skickades" in page
    assert saved.advice == FORM["advice"]


def test_a_restored_draft_keeps_the_forms_token(client, login_as):
    login_as("handler")
    form = _open_form(client)
    draft = {"summary": "Halvfärdig anteckning.", "submission_key": form["submission_key"]}
    assert client.post("/arenden/utkast", json=draft, headers={"X-CSRFToken": form["csrf_token"]}).status_code == 200
    html = client.get("/arenden/nytt?utkast=aterstall").get_data(as_text=True)
    assert f'value="{form["submission_key"]}"' in html


def test_the_form_of_a_call_already_saved_leaves_no_draft(client, login_as):
    login_as("handler")
    form = _open_form(client)
    client.post("/arenden/nytt", data=form)
    # Back after saving: the page saves a draft of what is already the saved case
    draft = {"summary": form["summary"], "submission_key": form["submission_key"]}
    assert client.post("/arenden/utkast", json=draft, headers={"X-CSRFToken": form["csrf_token"]}).status_code == 200
    assert "osparat utkast" not in client.get("/arenden/nytt").get_data(as_text=True)


def test_the_token_count_is_one_per_form_in_the_database(app, client, login_as):
    login_as("handler")
    client.post("/arenden/nytt", data=_open_form(client))
    client.post("/arenden/nytt", data=_open_form(client))
    with app.app_context():
        keys = db.session.scalars(select(Inquiry.idempotency_key)).all()
        assert len(keys) == 2 and len(set(keys)) == 2 and None not in keys
        assert db.session.scalar(select(func.count()).select_from(Inquiry)) == 2
