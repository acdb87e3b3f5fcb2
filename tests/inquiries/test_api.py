"""JSON API /api/v1/inquiries: the canonical record, validated by the JSON Schema."""

import jsonschema
import pytest

from supportline.inquiries.canonical import schema
from tests.conftest import csrf_from
from tests.inquiries.conftest import valid_payload


def _auth(value):
    return {"Authorization": f"Bearer {value}"}


def validate(record):
    jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker()).validate(record)


def test_schema_is_valid_2020_12():
    jsonschema.Draft202012Validator.check_schema(schema())


def test_create_get_patch_roundtrip_is_canonical(client, token):
    headers = _auth(token())
    response = client.post("/api/v1/inquiries", json=valid_payload(callback_phone="070-123 45 67"), headers=headers)
    assert response.status_code == 201, response.get_json()
    record = response.get_json()
    validate(record)
    assert response.headers["Location"] == f"/api/v1/inquiries/{record['id']}"
    assert record["county_code"] == "05" and record["version"] == 1 and record["timeline"] == []
    got = client.get(f"/api/v1/inquiries/{record['id']}", headers=headers).get_json()
    validate(got)
    patched = client.patch(f"/api/v1/inquiries/{record['id']}", headers=headers,
                           json={"version": 1, "status": "closed", "question_topics": ["lvu"]})
    assert patched.status_code == 200
    body = patched.get_json()
    validate(body)
    assert body["version"] == 2 and body["status"] == "closed" and body["question_topics"] == ["lvu"]
    assert [e["kind"] for e in body["timeline"]] == ["status", "edit"]
    # the record can be sent back as it is (read-only keys are ignored)
    body["summary"] = "Ändrad sammanfattning."
    again = client.patch(f"/api/v1/inquiries/{record['id']}", headers=headers, json=body)
    assert again.status_code == 200 and again.get_json()["summary"] == "Ändrad sammanfattning."


def test_stale_version_is_409_with_the_current_record(client, token):
    headers = _auth(token())
    record = client.post("/api/v1/inquiries", json=valid_payload(), headers=headers).get_json()
    client.patch(f"/api/v1/inquiries/{record['id']}", headers=headers, json={"version": 1, "urgency": "acute"})
    response = client.patch(f"/api/v1/inquiries/{record['id']}", headers=headers, json={"version": 1,
                                                                                        "urgency": "normal"})
    assert response.status_code == 409
    body = response.get_json()
    assert "version" in body["errors"] and body["current"]["urgency"] == "acute"
    [conflict] = body["conflicts"]
    assert conflict["field"] == "urgency" and conflict["label"] == "Hur brådskande"
    assert conflict["changed_by"] and conflict["changed_at"]


@pytest.mark.parametrize("field,value", [
    ("exposed_persons", True),
    ("exposed_persons", 7),
    ("received_at", "0001-01-01T00:00:00+14:00"),  # before year 1 in UTC
    ("received_at", "9999-12-31T23:59:59-14:00"),  # after year 9999 in UTC
])
def test_a_stale_change_with_a_value_validation_would_refuse_is_a_409_not_a_server_error(client, token, field,
                                                                                         value):
    """A stale PATCH is compared with the current record before it is validated."""
    headers = _auth(token())
    record = client.post("/api/v1/inquiries", json=valid_payload(), headers=headers).get_json()
    client.patch(f"/api/v1/inquiries/{record['id']}", headers=headers, json={"version": 1, "urgency": "acute"})
    response = client.patch(f"/api/v1/inquiries/{record['id']}", headers=headers, json={"version": 1, field: value})
    assert response.status_code == 409
    current = response.get_json()["current"]
    assert current["urgency"] == "acute" and current[field] == record[field]


def test_a_409_names_only_fields_both_changed_and_sets_compare_as_sets(client, token):
    headers = _auth(token())
    record = client.post("/api/v1/inquiries", json={**valid_payload(), "exposure_types": ["abroad", "control"]},
                         headers=headers).get_json()
    client.patch(f"/api/v1/inquiries/{record['id']}", headers=headers, json={"version": 1, "urgency": "acute"})
    # the same set of codes in another order, and a field nobody else changed
    response = client.patch(f"/api/v1/inquiries/{record['id']}", headers=headers, json={
        "version": 1, "exposure_types": ["control", "abroad"], "advice": "Ett nytt råd."})
    assert response.status_code == 409 and response.get_json()["conflicts"] == []


@pytest.mark.parametrize(("body", "field"), [
    ({**valid_payload(), "summary": "Pnr 121212-1212"}, "summary"),
    ({**valid_payload(), "exposure_types": ["nope"]}, "exposure_types"),
    ({**valid_payload(), "received_at": "2999-01-01T00:00:00Z"}, "received_at"),
    ({**valid_payload(), "colour": "blå"}, "colour"),
    ({**valid_payload(), "channel": None}, "channel"),
    ({**valid_payload(), "summary": 42}, "summary"),
    ({**valid_payload(), "exposed_persons": "två"}, "exposed_persons"),
])
def test_bad_input_is_422_with_errors_per_field(client, token, body, field):
    response = client.post("/api/v1/inquiries", json=body, headers=_auth(token()))
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_patch_needs_a_version(client, token):
    headers = _auth(token())
    record = client.post("/api/v1/inquiries", json=valid_payload(), headers=headers).get_json()
    response = client.patch(f"/api/v1/inquiries/{record['id']}", headers=headers, json={"status": "closed"})
    assert response.status_code == 422 and "version" in response.get_json()["errors"]


def test_tokens_and_roles(client, token):
    assert client.get("/api/v1/inquiries").status_code == 401
    assert client.get("/api/v1/inquiries", headers=_auth("slt_fel")).status_code == 401
    assert client.post("/api/v1/inquiries", json=valid_payload(), headers=_auth("slt_fel")).status_code == 401
    assert client.get("/api/v1/inquiries", headers=_auth(token("editor"))).status_code == 403
    coordinator = _auth(token("coordinator"))
    assert client.get("/api/v1/inquiries", headers=coordinator).status_code == 200
    assert client.post("/api/v1/inquiries", json=valid_payload(), headers=coordinator).status_code == 403
    handler = _auth(token())
    record = client.post("/api/v1/inquiries", json=valid_payload(callback_email="k@skola.se"), headers=handler)
    got = client.get(f"/api/v1/inquiries/{record.get_json()['id']}", headers=coordinator).get_json()
    assert "callback_email" not in got  # the coordinator does not need the caller's contact details
    assert client.get("/api/v1/inquiries/2147483647", headers=handler).status_code == 404


def test_list_filters_and_search(client, token):
    headers = _auth(token())
    client.post("/api/v1/inquiries", json=valid_payload(summary="Barnäktenskap i familjen."), headers=headers)
    client.post("/api/v1/inquiries", json=valid_payload(summary="Skyddat boende."), headers=headers)
    body = client.get("/api/v1/inquiries?q=barnäktenskapen", headers=headers).get_json()
    assert body["total"] == 1 and body["items"][0]["summary"] == "Barnäktenskap i familjen."
    assert client.get("/api/v1/inquiries?county=99", headers=headers).status_code == 422


def test_session_calls_need_the_csrf_header(client, login_as):
    login_as("handler")
    assert client.post("/api/v1/inquiries", json=valid_payload()).status_code == 400
    token = csrf_from(client.get("/arenden/nytt").get_data(as_text=True))
    response = client.post("/api/v1/inquiries", json=valid_payload(), headers={"X-CSRFToken": token})
    assert response.status_code == 201


def test_a_possible_personnummer_needs_confirmed_numbers(client, token):
    headers = _auth(token())
    body = valid_payload(summary="Skolans diarienummer 201001012384.")
    refused = client.post("/api/v1/inquiries", json=body, headers=headers)
    assert refused.status_code == 422
    assert "ser ut som ett personnummer" in refused.get_json()["errors"]["summary"]
    saved = client.post("/api/v1/inquiries", json={**body, "confirmed_numbers": ["201001012384"]}, headers=headers)
    assert saved.status_code == 201
    assert saved.get_json()["summary"] == "Skolans diarienummer 201001012384."
    assert "confirmed_numbers" not in saved.get_json()
