"""Property tests: every route's parameters (path, query string, form fields) and every field of
the inquiry API get odd values (digits that are not ASCII, numbers beyond the database's range,
floats, impossible dates, lists, objects, lone surrogates, long text), anonymously and as an
admin. No answer may be a server error. test_api_fuzz.py covers the API from its OpenAPI
description; this covers the pages, the forms and the values a schema does not describe."""

from __future__ import annotations

import json
import re
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from supportline.auth.models import User
from supportline.extensions import db
from tests.conftest import csrf_from
from tests.inquiries.conftest import valid_payload

EXAMPLES = 6
ODD_STRINGS = ["²", "١٢٣", "１", "٣٤", "-1", "0", "00", "+5", " 7 ", "1_000", "99999999999999999999", "2147483648",
               "9223372036854775808", "1e400", "Infinity", "NaN", "1.5", "", " ", "9999-12-31", "0001-01-01",
               "2026-02-30", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "[]", "{}", "'", '"', "\\",
               "../../etc", "%00", "ab\x00cd", "<script>", "a" * 3000, "inquiry-²", "inquiry-99999999999", "new",
               "true"]
odd_text = st.one_of(st.sampled_from(ODD_STRINGS), st.text(max_size=40))
QUERY_NAMES = ["page", "sida", "user", "inquiry", "handler", "key", "q", "topic", "audience", "ar", "kvartal",
               "date_from", "date_to", "from", "to", "period", "county", "sector", "status", "exposure", "urgency",
               "organisation", "phone", "utom", "utkast", "next", "version", "manad", "format", "action", "detail"]
FORM_NAMES = ["code", "email", "password", "name", "role", "status", "assignee_id", "follow_up_on", "version",
              "summary", "advice", "received_at", "duration_seconds", "county_code", "municipality_code", "channel",
              "caller_type", "urgency", "note", "body", "title", "slug", "sources", "reviewed_on", "helpful",
              "comment", "q", "kind", "text", "entry_type", "submission_key", "exposed-0-age_group", "action",
              "redact", "from", "to", "format", "period"]
# Routes that end the admin's own session; fuzzing them would leave the rest of the run anonymous.
SESSION_ENDING = re.compile(r"logout|logga-ut|tvastegs-aterstall|losenord|inaktivera")
ARG_RE = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")


def path_values(rule) -> st.SearchStrategy[str]:
    """A URL for the rule with odd values in its parameters (ints, ids and slugs alike)."""
    parts = []
    last = 0
    for match in ARG_RE.finditer(rule.rule):
        parts.append(st.just(rule.rule[last:match.start()]))
        converter, options = match.group(1), match.group(2)
        if converter == "any":
            choices = [c.strip().strip("'\"") for c in options.split(",")]
            parts.append(st.sampled_from(choices))
        else:
            parts.append(st.one_of(st.integers(0, 2**40).map(str), st.sampled_from(["1", "2"]), odd_text)
                         .map(lambda v: quote(v, safe="")) .filter(bool))
        last = match.end()
    parts.append(st.just(rule.rule[last:]))
    return st.tuples(*parts).map("".join)


def query_values(names) -> st.SearchStrategy[dict]:
    return st.dictionaries(st.sampled_from(names), odd_text, max_size=4)


def rules(app, method: str):
    return [r for r in app.url_map.iter_rules()
            if method in r.methods and not r.rule.startswith("/static") and r.rule != "/metrics"]


def fuzz(rule, method, client, failures, csrf_token=None):
    names = QUERY_NAMES if method == "GET" else FORM_NAMES

    @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(path=path_values(rule), values=query_values(names))
    def run(path, values):
        if method == "GET":
            response = client.get(path + ("?" + urlencode(values) if values else ""))
        else:
            response = client.post(path, data={**values, "csrf_token": csrf_token})
        if response.status_code >= 500:
            failures.append((method, path, values, response.status_code))

    run()


def seed(app, create_user):
    """Something for the ids to find: an admin, an inquiry, an article."""
    from supportline.inquiries.service import create_inquiry

    handler = create_user("handler")
    with app.app_context():
        create_inquiry(db.session.get(User, handler.id), valid_payload())


@pytest.mark.slow
def test_no_page_parameter_gives_a_server_error(app, client, login_as, create_user):
    seed(app, create_user)
    failures = []
    anonymous = app.test_client()
    assert len(rules(app, "GET")) > 40  # every page, not a handful
    for rule in rules(app, "GET"):
        fuzz(rule, "GET", anonymous, failures)
    login_as("admin")
    for rule in rules(app, "GET"):
        fuzz(rule, "GET", client, failures)
    assert failures == []


@pytest.mark.slow
def test_no_form_field_gives_a_server_error(app, client, login_as, create_user):
    seed(app, create_user)
    login_as("admin")
    failures = []
    # A valid CSRF token with every fuzzed form, so that the views really read the fields.
    token = csrf_from(client.get("/admin/").get_data(as_text=True))
    for rule in rules(app, "POST"):
        if not rule.rule.startswith("/api/") and not SESSION_ENDING.search(rule.rule):
            fuzz(rule, "POST", client, failures, csrf_token=token)
    assert failures == []
    assert client.get("/admin/").status_code == 200  # still logged in: the forms were really reached


surrogate_text = st.text(st.one_of(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
                                   st.characters(codec="utf-8")), max_size=10)
json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
                      st.floats(allow_nan=True, allow_infinity=True), odd_text, surrogate_text)
json_value = st.recursive(json_leaf, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                             st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                          max_leaves=6)


def test_no_api_field_gives_a_server_error(app, client, create_user):
    from supportline.auth.service import issue_api_token
    from supportline.inquiries.service import WRITABLE_FIELDS

    handler = create_user("handler")
    with app.app_context():
        token = issue_api_token(None, db.session.get(User, handler.id))
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    created = client.post("/api/v1/inquiries", json=valid_payload(), headers=headers).get_json()
    failures = []

    @settings(max_examples=150, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(changes=st.dictionaries(st.sampled_from([*WRITABLE_FIELDS, "version"]), json_value, min_size=1,
                                   max_size=3),
           method=st.sampled_from(["POST", "PATCH"]))
    def run(changes, method):
        body = json.dumps({**valid_payload(), **changes} if method == "POST" else {"version": 1, **changes})
        url = "/api/v1/inquiries" if method == "POST" else f"/api/v1/inquiries/{created['id']}"
        response = client.open(url, method=method, data=body, headers=headers)
        if response.status_code >= 500:
            failures.append((method, body[:300], response.status_code))

    run()
    assert failures == []
