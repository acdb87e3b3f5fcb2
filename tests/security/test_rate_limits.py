"""Rate limits per client address on the JSON API, the public search and the article feedback:
they trip with a Swedish 429 and a Retry-After, in memory and in the shared Redis, while normal
use never meets them; switched off, nothing is limited."""

from __future__ import annotations

import os
import uuid

import pytest
import redis

from supportline.extensions import db
from supportline.ratelimit import EXTENSION_KEY
from tests.conftest import feedback_token_from, make_app, post_feedback
from tests.kb.conftest import articles_dir, imported  # noqa: F401 - fixtures

REDIS_URL = os.environ.get("SUPPORTLINE_TEST_REDIS", "redis://127.0.0.1:6379/0")


@pytest.fixture
def limits(app, monkeypatch):
    """limits(search=..., api=..., feedback=...): switch the limits on for this test's app, with
    the given values; the counters start and end empty."""
    limiter = app.extensions[EXTENSION_KEY]
    limiter.reset()

    def configure(**values):
        monkeypatch.setitem(app.config, "SUPPORTLINE_RATELIMIT_ENABLED", True)
        for name, value in values.items():
            monkeypatch.setitem(app.config, f"SUPPORTLINE_RATELIMIT_{name.upper()}", value)

    yield configure
    limiter.reset()


@pytest.fixture
def worker(app, tmp_path):
    """worker(**config): another app on the same database, as a second web worker or host would be."""
    built = []

    def build(**config):
        other = make_app(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / str(len(built)),
                         SUPPORTLINE_RATELIMIT_ENABLED=True, **config)
        built.append(other)
        return other

    yield build
    for other in built:
        with other.app_context():
            db.engine.dispose()


def assert_swedish_429(response):
    assert response.status_code == 429
    retry = int(response.headers["Retry-After"])
    assert 1 <= retry <= 3600
    if response.is_json:
        error = response.json["error"]
        assert error["status"] == 429 and error["title"] == "För många försök"
        assert "försök igen" in error["message"]
    else:
        html = response.get_data(as_text=True)
        assert '<html lang="sv">' in html and "För många försök" in html
        assert "Vänta " in html and "försök igen" in html
    return retry


def test_search_flood_gets_a_swedish_429_with_retry_after(client, limits):
    limits(search="5 per minute")
    codes = [client.get("/kunskap/sok", query_string={"q": f"tvångsgifte {i}"}).status_code for i in range(5)]
    assert codes == [200] * 5
    retry = assert_swedish_429(client.get("/kunskap/sok", query_string={"q": "hedersvåld"}))
    assert retry <= 60
    # the search page and the search API share one count: switching does not help
    assert_swedish_429(client.get("/api/v1/search", query_string={"q": "hedersvåld"}))
    # the rest of the public knowledge base is not part of it
    assert client.get("/kunskap/").status_code == 200


def test_api_limit_covers_every_api_route_and_answers_json(client, limits):
    limits(api="3 per minute")
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/api/v1/articles/finns-inte").status_code == 404
    assert client.get("/api/v1/inquiries").status_code == 401
    response = client.get("/api/v1/openapi.json")
    assert_swedish_429(response)
    assert response.is_json
    assert client.get("/kunskap/sok").status_code == 200  # pages outside the API are not counted


def test_the_api_description_tells_clients_about_the_429(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in ("/api/v1/search", "/api/v1/articles/{slug}", "/api/v1/inquiries/{inquiry_id}"):
        for operation in paths[path].values():
            assert "Retry-After" in operation["responses"]["429"]["headers"], path


def test_limits_are_per_address(app, limits):
    limits(search="2 per minute")
    first, second = app.test_client(), app.test_client()
    for _ in range(2):
        assert first.get("/kunskap/sok", environ_base={"REMOTE_ADDR": "192.0.2.10"}).status_code == 200
    assert first.get("/kunskap/sok", environ_base={"REMOTE_ADDR": "192.0.2.10"}).status_code == 429
    assert second.get("/kunskap/sok", environ_base={"REMOTE_ADDR": "192.0.2.11"}).status_code == 200


def test_forwarded_for_is_ignored_without_a_configured_proxy(client, limits):
    limits(search="2 per minute")
    codes = [client.get("/kunskap/sok", headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code
             for i in range(4)]
    assert codes == [200, 200, 429, 429]


def test_behind_a_configured_proxy_the_forwarded_client_address_counts(worker):
    proxied = worker(SUPPORTLINE_PROXY_FIX=1, SUPPORTLINE_RATELIMIT_SEARCH="2 per minute")
    client = proxied.test_client()

    def search(address):
        return client.get("/kunskap/sok", headers={"X-Forwarded-For": address}).status_code

    assert [search("198.51.100.1") for _ in range(3)] == [200, 200, 429]
    assert search("198.51.100.2") == 200  # another person behind the same proxy


@pytest.mark.usefixtures("imported")
def test_a_professional_paging_through_results_never_meets_the_default_limits(app, client, limits):
    limits()  # on, with the shipped defaults
    queries = ["tvångsgifte", "utreseförbud", "orosanmälan skola", "LVU", "hedersrelaterat våld",
               "barn utomlands", "socialtjänsten", "hot från familjen"]
    codes = []
    # Five colleagues behind one address search in the same minute, each paging and opening results.
    for _ in range(5):
        for query in queries[:4]:
            for page in (1, 2):
                codes.append(client.get("/kunskap/sok", query_string={"q": query, "page": page}).status_code)
        codes.append(client.get("/api/v1/search", query_string={"q": queries[4]}).status_code)
        codes.append(client.get("/kunskap/utreseforbud-kort").status_code)
    assert codes and set(codes) == {200}


@pytest.mark.usefixtures("imported")
def test_a_script_hammering_the_search_meets_the_default_limit(client, limits):
    limits()
    codes = [client.get("/api/v1/search", query_string={"q": f"tvångsgifte {i}"}).status_code for i in range(80)]
    assert 429 in codes
    first = codes.index(429)
    assert first >= 40  # not before a person could plausibly get there
    assert set(codes[first:]) == {429}  # and it stays shut for the rest of the window


@pytest.mark.usefixtures("imported")
def test_feedback_flood_gets_retry_after_in_swedish(client, limits):
    limits(feedback="2 per hour")
    token = feedback_token_from(client.get("/kunskap/utreseforbud-kort").get_data(as_text=True))

    def answer():
        return post_feedback(client, "utreseforbud-kort", token, helpful="ja")

    assert [answer().status_code for _ in range(2)] == [302, 302]
    retry = assert_swedish_429(answer())
    assert 3500 <= retry <= 3600  # an hour from the first answer
    assert "minuter" in answer().get_data(as_text=True)


@pytest.mark.usefixtures("imported")
def test_switched_off_nothing_is_limited(app, client, limits, monkeypatch):
    limits(search="1 per minute", api="1 per minute", feedback="1 per hour")
    monkeypatch.setitem(app.config, "SUPPORTLINE_RATELIMIT_ENABLED", False)
    assert {client.get("/api/v1/search", query_string={"q": "lvu"}).status_code for _ in range(5)} == {200}
    assert {client.get("/kunskap/sok", query_string={"q": "lvu"}).status_code for _ in range(5)} == {200}
    token = feedback_token_from(client.get("/kunskap/utreseforbud-kort").get_data(as_text=True))
    assert {post_feedback(client, "utreseforbud-kort", token, helpful="nej").status_code for _ in range(3)} == {302}


# --- the shared store -------------------------------------------------------------------------

@pytest.fixture
def redis_prefix():
    """A key prefix of this test's own in the real Redis; its keys are removed afterwards."""
    try:
        server = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        server.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis at {REDIS_URL} is unreachable: {exc}", pytrace=False)
    prefix = f"supportline-test-{uuid.uuid4().hex[:10]}"
    yield server, prefix
    keys = list(server.scan_iter(match=f"*{prefix}*"))
    if keys:
        server.delete(*keys)
    server.close()


def test_in_redis_the_count_is_shared_by_every_worker(worker, redis_prefix):
    server, prefix = redis_prefix
    config = {"SUPPORTLINE_RATELIMIT_STORAGE_URI": REDIS_URL, "SUPPORTLINE_RATELIMIT_KEY_PREFIX": prefix,
              "SUPPORTLINE_RATELIMIT_SEARCH": "3 per minute"}
    worker_a, worker_b = worker(**config), worker(**config)
    a, b = worker_a.test_client(), worker_b.test_client()
    assert [a.get("/kunskap/sok").status_code, b.get("/kunskap/sok").status_code,
            a.get("/kunskap/sok").status_code] == [200, 200, 200]
    assert_swedish_429(b.get("/kunskap/sok"))
    assert_swedish_429(a.get("/api/v1/search"))
    keys = [k.decode() for k in server.scan_iter(match=f"*{prefix}*")]
    assert keys, "the count is not in Redis"
    # the visitor's address is not stored, only a keyed hash of it
    assert not any("127.0.0.1" in k for k in keys)


def test_an_unreachable_redis_does_not_take_the_pages_down(worker):
    # Port 1 on loopback: nothing listens, the connection is refused at once.
    client = worker(SUPPORTLINE_RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0",
                    SUPPORTLINE_RATELIMIT_SEARCH="3 per minute").test_client()
    # counted in this process's memory until Redis is back
    assert [client.get("/kunskap/sok").status_code for _ in range(4)] == [200, 200, 200, 429]


# --- configuration ------------------------------------------------------------------------------

def test_configuration_from_the_environment(monkeypatch, tmp_path):
    from supportline import create_app
    from supportline.config import ConfigError

    def build():
        return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})

    monkeypatch.setenv("SUPPORTLINE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("SUPPORTLINE_RATELIMIT_ENABLED", raising=False)
    assert build().config["SUPPORTLINE_RATELIMIT_ENABLED"] is False  # the test suite's default
    monkeypatch.setenv("SUPPORTLINE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    production = build()
    assert production.config["SUPPORTLINE_RATELIMIT_ENABLED"] is True
    assert production.config["SUPPORTLINE_RATELIMIT_STORAGE_URI"] == "memory://"
    assert production.config["SUPPORTLINE_PROXY_FIX"] == 0
    monkeypatch.setenv("SUPPORTLINE_RATELIMIT_ENABLED", "0")
    monkeypatch.setenv("SUPPORTLINE_RATELIMIT_SEARCH", "20/minute")
    monkeypatch.setenv("SUPPORTLINE_PROXY_FIX", "2")
    configured = build()
    assert configured.config["SUPPORTLINE_RATELIMIT_ENABLED"] is False
    assert configured.config["SUPPORTLINE_RATELIMIT_SEARCH"] == "20/minute"
    assert configured.config["SUPPORTLINE_PROXY_FIX"] == 2
    monkeypatch.setenv("SUPPORTLINE_RATELIMIT_SEARCH", "tjugo i minuten")
    with pytest.raises(ConfigError, match="SUPPORTLINE_RATELIMIT_SEARCH ska vara en gräns"):
        build()
    monkeypatch.setenv("SUPPORTLINE_RATELIMIT_SEARCH", "20/minute")
    monkeypatch.setenv("SUPPORTLINE_PROXY_FIX", "alla")
    with pytest.raises(ConfigError, match="SUPPORTLINE_PROXY_FIX"):
        build()
