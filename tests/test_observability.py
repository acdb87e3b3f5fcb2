"""What an operator sees: JSON log lines with a request id and no case text, and /metrics."""

from __future__ import annotations

import json
import logging
import re

import pytest

from supportline.dates import today_local
from supportline.observability.logs import JsonFormatter
from tests.kb.conftest import articles_dir, imported  # noqa: F401 - fixtures used by name

CASE_TEXT = "Amira femton år tvångsgifte Rinkeby"


def _metric(text: str, name: str, **labels) -> float:
    """The value of one sample in Prometheus text format (0 when absent)."""
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        sample, _, value = line.rpartition(" ")
        match = re.fullmatch(rf"{re.escape(name)}(?:\{{(.*)\}})?", sample)
        if not match:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(value)
    return 0.0


@pytest.fixture
def json_log(app):
    """The JSON lines the app logs during a test."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(JsonFormatter().format(record))

    handler = Collect(level=logging.INFO)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lines
    finally:
        root.removeHandler(handler)


def test_every_request_logs_one_json_line_with_its_id_and_route_but_no_case_text(client, login_as, json_log):
    login_as("handler")
    json_log.clear()
    response = client.get(f"/arenden?q={CASE_TEXT}&county=01", headers={"X-Request-ID": "lb-0123456789abcdef"})
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "lb-0123456789abcdef"
    entries = [json.loads(line) for line in json_log]
    request_lines = [e for e in entries if e["logger"] == "supportline.request"]
    assert request_lines == [{**request_lines[0], "route": "/arenden", "status": 200, "method": "GET",
                              "request_id": "lb-0123456789abcdef"}]
    assert isinstance(request_lines[0]["duration_ms"], float)
    # neither the search text nor any part of the query string reaches the log
    for word in CASE_TEXT.split():
        assert all(word not in line for line in json_log), word


def test_a_request_id_that_could_forge_a_log_line_is_replaced(client):
    response = client.get("/healthz", headers={"X-Request-ID": 'x" {"level": "ERROR"} <script>'})
    given = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", given)
    assert client.get("/healthz").headers["X-Request-ID"] != given


def test_an_inquiry_page_is_logged_by_its_route_pattern_not_its_id(client, login_as, json_log):
    login_as("handler")
    client.get("/arenden/424242")
    routes = [json.loads(line)["route"] for line in json_log if '"supportline.request"' in line]
    assert routes[-1] == "/arenden/<int:inquiry_id>"


def test_an_unexpected_error_is_logged_with_its_class_and_the_request_id(app, json_log, tmp_path):
    from tests.conftest import make_app

    fresh = make_app(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)

    @fresh.get("/__boom")
    def boom():
        raise ValueError("a crash")

    try:
        response = fresh.test_client().get("/__boom", headers={"X-Request-ID": "req-boom-000001"})
    finally:
        from supportline.extensions import db

        with fresh.app_context():
            db.engine.dispose()
    assert response.status_code == 500 and "Något gick fel" in response.get_data(as_text=True)
    errors = [json.loads(line) for line in json_log if '"ERROR"' in line]
    assert errors and errors[0]["exc_type"] == "ValueError" and errors[0]["request_id"] == "req-boom-000001"
    assert [json.loads(line)["status"] for line in json_log if '"supportline.request"' in line] == [500]


def test_metrics_count_requests_per_route_and_time_searches(client, app):
    before = client.get("/metrics").get_data(as_text=True)
    # Three different queries: a repeated one is answered from the page the process kept (kb.caching).
    for query in ("orosanmälan", "utreseförbud", "skyddat boende"):
        assert client.get("/kunskap/sok", query_string={"q": query}).status_code == 200
    after = client.get("/metrics")
    assert after.status_code == 200 and after.content_type.startswith("text/plain")
    text = after.get_data(as_text=True)
    labels = {"method": "GET", "route": "/kunskap/sok", "status": "200"}
    assert _metric(text, "supportline_http_requests_total", **labels) - \
        _metric(before, "supportline_http_requests_total", **labels) == 3
    assert _metric(text, "supportline_http_request_duration_seconds_count", method="GET", route="/kunskap/sok") - \
        _metric(before, "supportline_http_request_duration_seconds_count", method="GET", route="/kunskap/sok") == 3
    assert _metric(text, "supportline_search_duration_seconds_count", kind="knowledge") - \
        _metric(before, "supportline_search_duration_seconds_count", kind="knowledge") == 3
    # scrapes are not counted as traffic
    assert _metric(text, "supportline_http_requests_total", route="/metrics") == 0


def test_metrics_read_due_follow_ups_and_handover_batches_from_the_database(client, app, create_user):
    import datetime as dt

    from supportline.extensions import db
    from supportline.handover.models import HandoverBatch
    from supportline.inquiries.models import Inquiry

    handler = create_user("handler")
    with app.app_context():
        today = today_local()
        for days, status in [(-3, "open"), (0, "open"), (5, "open"), (-1, "closed")]:
            db.session.add(Inquiry(
                channel="phone", received_at=dt.datetime.now(dt.UTC), caller_type="professional",
                urgency="normal", summary="Fråga om orosanmälan.",
                status=status, follow_up_on=today + dt.timedelta(days=days), created_by_id=handler.id))
        db.session.add(HandoverBatch(slot="2026-07-01", kind="full", sequence=1, status="done", trigger="test",
                                     finished_at=dt.datetime(2026, 7, 1, 0, 5, tzinfo=dt.UTC)))
        db.session.commit()
    text = client.get("/metrics").get_data(as_text=True)
    assert _metric(text, "supportline_follow_ups_due") == 2
    assert _metric(text, "supportline_handover_batches", status="done") == 1
    assert _metric(text, "supportline_handover_last_done_timestamp_seconds") == \
        dt.datetime(2026, 7, 1, 0, 5, tzinfo=dt.UTC).timestamp()


@pytest.mark.usefixtures("imported")
def test_metrics_report_the_index_state(client, app):
    text = client.get("/metrics").get_data(as_text=True)
    assert _metric(text, "supportline_index_up") == 1
    assert _metric(text, "supportline_index_documents") == 3
    assert 0 <= _metric(text, "supportline_index_age_seconds") < 600
    client.get("/kunskap/sok?q=utomlands")
    assert _metric(client.get("/metrics").get_data(as_text=True), "supportline_index_lag_changes") == 0


def test_metrics_are_only_for_loopback_without_a_token(client):
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 403
    # passed on by a reverse proxy on the same host: not a local scrape
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 403


def test_metrics_ask_for_the_token_when_one_is_set(client, app):
    app.config["SUPPORTLINE_METRICS_TOKEN"] = "s3cret-metrics-token"
    try:
        assert client.get("/metrics").status_code == 403
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
        ok = client.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics-token"},
                        environ_base={"REMOTE_ADDR": "10.1.2.3"})
        assert ok.status_code == 200 and "supportline_http_requests_total" in ok.get_data(as_text=True)
    finally:
        app.config["SUPPORTLINE_METRICS_TOKEN"] = None


def test_a_bad_log_format_setting_is_refused_in_swedish(monkeypatch, tmp_path):
    from supportline.config import ConfigError, load_config

    monkeypatch.setenv("SUPPORTLINE_LOG_FORMAT", "yaml")
    with pytest.raises(ConfigError, match="json eller text"):
        load_config(str(tmp_path))


def test_invented_http_methods_make_no_new_metric_series(client):
    def series(text: str) -> set[str]:
        return {line.rpartition(" ")[0] for line in text.splitlines()
                if line.startswith("supportline_http_request")}

    client.open("/", method="GET")
    client.open("/", method="OTHERWISE")  # the "other" series exist before the count starts
    client.open("/finns-inte", method="OTHERWISE")
    before = series(client.get("/metrics").get_data(as_text=True))
    for number in range(40):
        assert client.open("/", method=f"X{number}").status_code == 405
        assert client.open(f"/finns-inte-{number}", method=f"Y{number}").status_code in (404, 405)
    after_text = client.get("/metrics").get_data(as_text=True)
    assert series(after_text) == before
    assert 'method="X1"' not in after_text and 'method="Y1"' not in after_text
    assert _metric(after_text, "supportline_http_requests_total", method="other", status="405") >= 41


def test_an_error_log_carries_neither_the_exception_message_nor_the_path(app, json_log, tmp_path):
    from tests.conftest import make_app

    fresh = make_app(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)

    @fresh.get("/__boom/<int:number>")
    def boom(number):
        from flask import request

        int(request.args["n"])

    try:
        response = fresh.test_client().open("/__boom/4711?n=²", method="GET")
        fresh.test_client().open("/__boom/4712", method="INVENTED")
    finally:
        from supportline.extensions import db

        with fresh.app_context():
            db.engine.dispose()
    assert response.status_code == 500
    everything = "\n".join(json_log)
    errors = [json.loads(line) for line in json_log if '"ERROR"' in line]
    assert errors[0]["exc_type"] == "ValueError" and "/__boom/<int:number>" in errors[0]["message"]
    assert "boom" in errors[0]["exc"]  # the traceback is there ...
    # ... what was sent is not; the log's own values (time, random request id, duration) may hold any digits
    sent = "\n".join(json.dumps({k: v for k, v in json.loads(line).items()
                                 if k not in ("ts", "request_id", "duration_ms")}) for line in json_log)
    assert "²" not in everything and "4711" not in sent
    assert "INVENTED" not in everything and '"method": "other"' in everything
