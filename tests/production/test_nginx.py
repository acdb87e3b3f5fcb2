"""deploy/nginx.conf, run with Debian's nginx on a free loopback port in front of the app.

The file is used as shipped (deploy/nginx_local.py replaces only the four values it marks
"ADAPT"), with a prefix and temporary folders of the test's own, so no root set-up is needed.
`make test` installs nginx when it is missing."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from flask_migrate import upgrade
from werkzeug.serving import make_server

from deploy import nginx_local
from tests.conftest import PASSWORD, make_app
from tests.kb.conftest import article_text
from tests.production.conftest import free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]
MAX_AGE = 1
SLUG = "utreseforbud-kort"


class App:
    """The app served by werkzeug on loopback, in a thread; stop() closes its socket."""

    def __init__(self, app, port: int):
        self.app, self.port = app, port
        self.server = make_server("127.0.0.1", port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Proxy:
    url: str
    app: App
    flask_app: object


@pytest.fixture
def proxy(tmp_path, migrated_sqlite):
    if nginx_local.binary() is None:
        pytest.fail("nginx is missing: run `make test`, which installs Debian's nginx", pytrace=False)
    app = make_app(migrated_sqlite(tmp_path / "app.db"), tmp_path, SUPPORTLINE_PUBLIC_MAX_AGE=MAX_AGE)
    content = tmp_path / "content"
    content.mkdir()
    (content / f"{SLUG}.md").write_text(article_text(
        slug=SLUG, title="Utreseförbud i korthet", topics="[exit_ban, lvu]",
        summary="Ett utreseförbud kan hindra att ett barn förs utomlands.",
        body="## Gör så här\n\nKontakta socialtjänsten om ett barn riskerar att föras utomlands."), encoding="utf-8")
    with app.app_context():
        upgrade()
        from supportline.auth.service import create_user
        from supportline.kb.service import import_directory, reindex

        import_directory(None, content)
        reindex()
        create_user(None, "redaktor@test.invalid", "editor", PASSWORD)

    app_port, listen = free_port(), free_port()
    served = App(app, app_port)
    prefix = tmp_path / "nginx"
    process = nginx_local.start(prefix, listen, app_port)
    url = f"http://127.0.0.1:{listen}"

    def up():
        if process.poll() is not None:
            raise AssertionError(f"nginx exited: {nginx_local.logs(prefix)}")
        try:
            return requests.get(url + "/healthz", timeout=2).status_code == 200
        except requests.ConnectionError:
            return False

    try:
        wait_until(up, timeout=15, what="nginx")
        yield Proxy(url, served, app)
    finally:
        nginx_local.stop(process)
        served.stop()


def read(url: str, session: requests.Session | None = None) -> requests.Response:
    response = (session or requests).get(url, timeout=5)
    assert response.status_code == 200, response.text[:500]
    return response


def test_the_second_anonymous_read_of_an_article_is_a_cache_hit(proxy):
    first = read(f"{proxy.url}/kunskap/{SLUG}")
    second = read(f"{proxy.url}/kunskap/{SLUG}")
    assert first.headers["X-Cache-Status"] == "MISS"
    assert second.headers["X-Cache-Status"] == "HIT"
    assert second.text == first.text and "Set-Cookie" not in second.headers
    assert second.headers["Content-Encoding"] == "gzip"  # requests asks for gzip


def test_a_logged_in_read_is_never_from_the_cache(proxy):
    read(f"{proxy.url}/kunskap/{SLUG}")
    read(f"{proxy.url}/kunskap/{SLUG}")  # now in the cache for anonymous readers
    staff = requests.Session()
    page = staff.get(f"{proxy.url}/login", timeout=5).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    login = staff.post(f"{proxy.url}/login", data={"email": "redaktor@test.invalid", "password": PASSWORD,
                                                   "csrf_token": token}, timeout=5, allow_redirects=False)
    assert login.status_code == 302
    for _ in range(2):
        response = read(f"{proxy.url}/kunskap/{SLUG}", staff)
        assert response.headers["X-Cache-Status"] == "BYPASS"
        assert response.headers["Cache-Control"] == "private, no-store"
        assert "Redigera artikeln" in response.text  # the staff's own page, not the cached one
    # And the staff's page did not end up in the cache for anonymous readers.
    assert "Redigera artikeln" not in read(f"{proxy.url}/kunskap/{SLUG}").text


def test_an_editors_change_is_visible_within_max_age(proxy):
    from supportline.kb.service import get_article, save_article, to_doc

    assert "Ny rubrik" not in read(f"{proxy.url}/kunskap/{SLUG}").text
    assert read(f"{proxy.url}/kunskap/{SLUG}").headers["X-Cache-Status"] == "HIT"
    with proxy.flask_app.app_context():
        row = get_article(SLUG)
        doc = to_doc(row)
        doc.title = "Ny rubrik om utreseförbud"
        save_article(None, doc, article_id=row.id)
    time.sleep(MAX_AGE + 1.1)
    assert "Ny rubrik om utreseförbud" in read(f"{proxy.url}/kunskap/{SLUG}").text


def test_with_the_app_stopped_a_cached_article_is_still_served(proxy):
    original = read(f"{proxy.url}/kunskap/{SLUG}").text
    proxy.app.stop()
    time.sleep(MAX_AGE + 1.1)  # past max-age: the cache would ask the app
    response = read(f"{proxy.url}/kunskap/{SLUG}")
    assert response.headers["X-Cache-Status"] == "STALE"
    assert response.text == original
    # A page it never had is an error, not an empty success.
    assert requests.get(f"{proxy.url}/kunskap/finns-inte", timeout=5).status_code == 502


def test_fingerprinted_static_files_are_kept_for_a_year(proxy):
    html = read(f"{proxy.url}/kunskap/").text
    path = re.search(r'href="(/static/style\.[0-9a-f]{12}\.css)"', html).group(1)
    response = read(proxy.url + path)
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.content == (ROOT / "supportline" / "static" / "style.css").read_bytes()


def test_a_pickup_link_of_a_written_question_is_not_in_the_access_log(proxy, tmp_path):
    """The code in /fraga/<kod> opens a question: it must not be left in nginx's log."""
    code = "x" * 40
    assert requests.get(f"{proxy.url}/fraga/{code}", timeout=5).status_code == 404
    read(f"{proxy.url}/kunskap/{SLUG}")
    log = tmp_path / "nginx" / "logs" / "access.log"
    # nginx writes the line as the request ends: wait for the later request's line.
    wait_until(lambda: log.exists() and f"/kunskap/{SLUG}" in log.read_text(), timeout=5, what="the access log")
    access = log.read_text()
    assert code not in access and "/fraga/" not in access
