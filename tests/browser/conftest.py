"""Browser tests: the real app served on loopback, driven in Debian's headless Chromium
with Playwright, and every visited page checked with axe-core for WCAG 2.1 A/AA."""

from __future__ import annotations

import functools
import os
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from tests.conftest import make_app

# Debian's chromium-headless-shell: the same source and version as its chromium package, in the headless mode
# built for automation (Playwright's own default for headless Chromium). The whole browser in its new headless
# mode also runs a window's interface for every context; the browser tests took 1.75 times the machine's CPU
# in it (bench/bench_browsers.py: a median of 167.6 s against 95.8 s). SUPPORTLINE_CHROMIUM=/usr/bin/chromium
# runs them in the whole browser.
CHROMIUM = os.environ.get("SUPPORTLINE_CHROMIUM", "/usr/bin/chromium-headless-shell")
AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PAGE_TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    app = make_app(f"sqlite:///{tmp / 'browser.db'}", tmp)
    with app.app_context():
        upgrade()
    return app


@contextmanager
def serving(app):
    """The app on a loopback port of its own, for as long as the block runs; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


@pytest.fixture(scope="session")
def live_server(live_app):
    with serving(live_app) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run `make test`, which installs it", pytrace=False)
    if not AXE_JS.exists():
        pytest.fail("axe-core is missing: run `make test`, which installs it with npm", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    # axe-core is injected as a script; the app's CSP rightly forbids that, so the test
    # context bypasses CSP (the CSP itself is tested in tests/test_access.py).
    context = browser.new_context(locale="sv-SE", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    yield page
    context.close()


# Every rule of the tags still runs on every node; resultTypes only spares axe from describing each node that
# passed (it keeps one example a rule), and the page hands back just the fields the failure message shows.
# The full result of every pass, serialised to Python, was most of a check's time.
AXE_RUN = """async (tags) => {
    const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
    return result.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
                                          nodes: v.nodes.slice(0, 5).map((n) => n.target)}));
}"""


@functools.cache
def axe_script_url() -> str:
    """axe-core served on a loopback port of its own, with a long max-age, for as long as the process runs.

    Loaded by URL, a browser context fetches and compiles it once and takes it from its caches for every
    later check; injected as the file's text, all 0.5 MB went from Python through Playwright's driver to
    the page and was compiled anew at every check (bench/bench_axe.py: 0.083 s a check against 0.045 s)."""
    body = AXE_JS.read_bytes()

    class AxeScript(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the name http.server calls
            self.send_response(200)
            self.send_header("Content-Type", "text/javascript; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "max-age=86400")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):  # noqa: A002 - http.server's signature
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), AxeScript)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}/axe.min.js"


def axe_violations(page) -> list[dict]:
    page.add_script_tag(url=axe_script_url())
    return page.evaluate(AXE_RUN, WCAG_TAGS)


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert violations == [], f"WCAG 2.1 A/AA violations on {page.url}: {violations}"


def shows(page, selector: str, text: str, *, exact: bool = False) -> None:
    """Assert that the first element the selector finds shows the text as a reader sees it (innerText), waiting
    for it as long as the page waits for anything.

    A form posted back to its own address, or a page that has the same heading or status region as the one it
    replaces, can still be on screen when the click returns; reading it once would read the page before."""
    from playwright.sync_api import expect

    shown = expect(page.locator(selector).first)
    if exact:
        shown.to_have_text(text, use_inner_text=True, timeout=PAGE_TIMEOUT_MS)
    else:
        shown.to_contain_text(text, use_inner_text=True, timeout=PAGE_TIMEOUT_MS)
