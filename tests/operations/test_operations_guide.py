"""docs/OPERATIONS.md, followed step by step against the PostgreSQL server at 127.0.0.1:5432.

The guide marks the blocks an operator runs with `<!-- ops:NAME -->` on the line before the fence. This test
reads those blocks out of the guide (with the parser of scripts/ops_guide.py, the operator's way to list, show
and run them) and runs them as they stand (`bash -euo pipefail`, in the repository, with the variables the guide
names set), and runs the Procfile's lines the way a platform does. So the guide and the test cannot drift apart:
editing a marked block edits the test, and a marked block the test does not use fails it.

The installation runs in the production configuration (SUPPORTLINE_ENV=production, a real SECRET_KEY, second
factor required). Every database it creates is dropped at the end, and every process it starts is stopped.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import psycopg
import pyotp
import pyrage
import pytest

from tests.conftest import BACKENDS, PG_ADMIN_URL

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "OPERATIONS.md"
OPS_SCRIPT = ROOT / "scripts" / "ops_guide.py"
PROCFILE = ROOT / "Procfile"
BIN = Path(sys.executable).parent  # the virtualenv's bin: supportline, gunicorn, python3

ADMIN_EMAIL = "drift.admin@example.org"
ADMIN_PASSWORD = "grön-lykta-över-fjärden-19"
OWN_PASSWORD = "eget-val-efter-forsta-inloggningen-7"
SEARCHES = ["tvångsäktenskap", "orosanmälan", "könsstympning", "skyddat boende", "LVU"]

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
MFA_SECRET = re.compile(r'<code class="mfa-secret">([A-Z2-7 ]+)</code>')


# --- the guide ----------------------------------------------------------------------


def _ops_script():
    spec = importlib.util.spec_from_file_location("ops_guide", OPS_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


guide_blocks = _ops_script().guide_blocks


def procfile_lines(text: str) -> dict[str, str]:
    lines = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            process, _, command = line.partition(":")
            lines[process.strip()] = command.strip()
    return lines


class Guide:
    """Runs the guide's marked blocks and remembers which ones it ran."""

    def __init__(self):
        self.blocks = guide_blocks()
        self.used: set[str] = set()

    def block(self, name: str) -> str:
        assert name in self.blocks, f"{GUIDE.name} has no block marked ops:{name}"
        self.used.add(name)
        return self.blocks[name]

    def run(self, name: str, env: dict, *, stdin: str | None = None, epilogue: str = "",
            check: bool = True) -> subprocess.CompletedProcess:
        return run_shell(self.block(name) + epilogue, env, stdin=stdin, check=check, what=f"ops:{name}")


def run_shell(script: str, env: dict, *, stdin: str | None = None, check: bool = True,
              what: str = "") -> subprocess.CompletedProcess:
    # A session of its own: no controlling terminal, so password prompts read standard input.
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=ROOT, env=env, input=stdin,
                            capture_output=True, text=True, timeout=120, start_new_session=True)
    if check:
        assert result.returncode == 0, (
            f"{what or script!r} failed with exit code {result.returncode}\n"
            f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}")
    return result


# --- databases, environment and processes ----------------------------------------------


def _pg_parts() -> dict[str, str]:
    url = urllib.parse.urlsplit(PG_ADMIN_URL)
    parts = {"PGHOST": url.hostname or "127.0.0.1", "PGPORT": str(url.port or 5432),
             "PGUSER": urllib.parse.unquote(url.username or "postgres")}
    if url.password:
        parts["PGPASSWORD"] = urllib.parse.unquote(url.password)
    return parts


def database_url(name: str) -> str:
    """The plain libpq form the guide asks for (the app adds its driver itself)."""
    pg = _pg_parts()
    auth = urllib.parse.quote(pg["PGUSER"])
    if "PGPASSWORD" in pg:
        auth += ":" + urllib.parse.quote(pg["PGPASSWORD"])
    return f"postgresql://{auth}@{pg['PGHOST']}:{pg['PGPORT']}/{name}"


def clean_env(**settings: str | None) -> dict:
    """The environment of a production process: nothing inherited that configures Supportline or libpq."""
    dropped = ("SUPPORTLINE_", "PG", "PROMETHEUS_")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(dropped) and k not in {"DATABASE_URL", "SECRET_KEY", "PORT", "WEB_CONCURRENCY",
                                                       "FLASK_APP", "FLASK_DEBUG", "GUNICORN_CMD_ARGS"}}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(_pg_parts())
    env.update({k: v for k, v in settings.items() if v is not None})
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Web:
    """The Procfile's web line, started as the platform would, with PORT and WEB_CONCURRENCY set."""

    def __init__(self, command: str, env: dict, log_path: Path):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._log = open(log_path, "wb")  # closed in stop()
        # Loopback only, and the workers' metrics files beside the log rather than in the system's temp folder.
        settings = {"PORT": str(self.port), "WEB_CONCURRENCY": "2", "HOST": "127.0.0.1",
                    "PROMETHEUS_MULTIPROC_DIR": str(log_path.with_suffix(".metrics"))}
        self.proc = subprocess.Popen(["bash", "-c", f"exec {command}"], cwd=ROOT, env={**env, **settings},
                                     stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def wait_until_up(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"the web process exited with {self.proc.returncode}:\n{self.log()}", pytrace=False)
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    status, _, _ = http(f"{self.base_url}/healthz")
                    if status in (200, 503):
                        return
            except OSError:
                pass
            time.sleep(0.1)
        pytest.fail(f"the web process did not answer within {timeout:.0f} s:\n{self.log()}", pytrace=False)

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # gunicorn's master stops its workers
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self._log.close()


def http(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 - loopback only
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def get_json(url: str, headers: dict | None = None) -> dict:
    status, _, body = http(url, headers)
    assert status == 200, f"GET {url}: {status} {body[:500]!r}"
    return json.loads(body)


def inquiry_records(base_url: str, token: str) -> dict[int, dict]:
    """Every inquiry's canonical record, as the API serves it."""
    auth = {"Authorization": f"Bearer {token}"}
    ids, page = [], 1
    while True:
        listing = get_json(f"{base_url}/api/v1/inquiries?page={page}", auth)
        ids += [item["id"] for item in listing["items"]]
        if page >= listing["pages"]:
            break
        page += 1
    return {i: get_json(f"{base_url}/api/v1/inquiries/{i}", auth) for i in ids}


def search_results(base_url: str) -> dict[str, tuple[int, list[str]]]:
    results = {}
    for query in SEARCHES:
        body = get_json(f"{base_url}/api/v1/search?q={urllib.parse.quote(query)}")
        results[query] = (body["total"], [hit["slug"] for hit in body["hits"]])
    return results


def counts(output: str) -> dict[str, str]:
    return dict(line.split("|", 1) for line in output.split() if "|" in line)


@pytest.fixture
def databases():
    """Names for this run's databases; each one that exists at the end is dropped."""
    if "postgresql" not in BACKENDS:
        pytest.skip("the operations guide needs PostgreSQL (SUPPORTLINE_TEST_DATABASES excludes it)")
    for tool in ("pg_dump", "pg_restore", "createdb", "psql", "curl"):
        assert shutil.which(tool), f"{tool} must be on PATH for the operations guide"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL at {PG_ADMIN_URL} is unreachable: {exc}", pytrace=False)
    stem = f"supportline_ops_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    names = {"live": stem, "restored": f"{stem}_restored"}
    try:
        yield names
    finally:
        for name in names.values():
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def processes():
    started: list[Web] = []
    yield started
    for web in started:
        web.stop()


# --- the in-process browser for the login steps ------------------------------------------


class Browser:
    """A Flask test client over HTTPS (production cookies are Secure) for an app made from the environment."""

    def __init__(self, monkeypatch, env: dict):
        for key in list(os.environ):
            if key.startswith("SUPPORTLINE_") or key in {"SECRET_KEY", "DATABASE_URL"}:
                monkeypatch.delenv(key)
        for key, value in env.items():
            if key.startswith("SUPPORTLINE_") or key in {"SECRET_KEY", "DATABASE_URL"}:
                monkeypatch.setenv(key, value)
        from supportline import create_app

        self.app = create_app()
        assert self.app.config["SUPPORTLINE_ENV"] == "production" and self.app.config["SUPPORTLINE_REQUIRE_MFA"]
        self.client = self.app.test_client()

    def get(self, path):
        return self.client.get(path, base_url="https://localhost")

    def post_form(self, path, data):
        page = self.get(path).get_data(as_text=True)
        token = CSRF.search(page)
        assert token, f"{path} has no CSRF token"
        # Over HTTPS, CSRF protection also wants a same-site Referer, as a browser sends it.
        return self.client.post(path, data={**data, "csrf_token": token.group(1)}, base_url="https://localhost",
                                headers={"Referer": f"https://localhost{path}"})

    def login_password(self, password: str = ADMIN_PASSWORD):
        return self.post_form("/login", {"email": ADMIN_EMAIL, "password": password})

    def session_cookie(self) -> str:
        cookie = self.client.get_cookie(self.app.config["SESSION_COOKIE_NAME"], domain="localhost")
        assert cookie is not None, "no session cookie"
        return cookie.value

    def set_session_cookie(self, value: str) -> None:
        self.client.set_cookie(self.app.config["SESSION_COOKIE_NAME"], value, domain="localhost", secure=True,
                               httponly=True)

    def close(self):
        from supportline.extensions import db

        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()


def location(response) -> str:
    """Where a redirect goes; a page that is not a redirect fails with its status and text."""
    assert response.status_code in (302, 303), (
        f"expected a redirect, got {response.status_code}: {response.get_data(as_text=True)[:3000]}")
    return urllib.parse.urlsplit(response.headers["Location"]).path


def rotate_handover_key(guide: Guide, env: dict, tmp_path: Path) -> None:
    """Section 10, the handover key: packages for key A, the recipient changed to key B, a delta for B, in one
    folder (one chain); the receiver checks each with its own key, and with one file holding both keys."""
    keys = {}
    for name in ("a", "b"):
        identity = pyrage.x25519.Identity.generate()
        keys[name] = (str(identity.to_public()), tmp_path / f"identity-{name}.txt")
        keys[name][1].write_text(f"{identity}\n", encoding="utf-8")
    both = tmp_path / "identity-both.txt"
    both.write_text(keys["a"][1].read_text() + keys["b"][1].read_text(), encoding="utf-8")
    outbox = Path(env["SUPPORTLINE_HANDOVER_DIR"])
    run_shell("supportline handover export --kind full", {**env, "SUPPORTLINE_HANDOVER_RECIPIENT": keys["a"][0]},
              what="export for key A")
    run_shell("supportline handover export --kind delta", {**env, "SUPPORTLINE_HANDOVER_RECIPIENT": keys["b"][0]},
              what="export for key B")
    # by sequence number: both may carry the same second in their names, and "delta" sorts before "full"
    first, second = sorted(outbox.glob("supportline-handover-*.tar.age"), key=lambda p: p.name.rsplit("-", 1)[1])
    assert "-full-000001" in first.name and "-delta-000002" in second.name
    receiver = clean_env()  # the receiver has neither the database nor any configuration
    for package, identity in ((first, keys["a"][1]), (second, keys["b"][1]), (first, both)):
        checked = guide.run("handover-verify", {**receiver, "PACKAGE": str(package), "IDENTITY_FILE": str(identity)})
        assert "fel hittades" not in checked.stdout, checked.stdout
    refused = guide.run("handover-verify", {**receiver, "PACKAGE": str(first), "IDENTITY_FILE": str(keys["b"][1])},
                        check=False)
    assert refused.returncode != 0 and "dekrypteras" in refused.stdout + refused.stderr, (
        "a package written for key A opened with key B")


def outage(database: str, base_url: str, token: str) -> None:
    """Section 5: the database goes away (no new connections, the open ones cut) and comes back."""
    auth = {"Authorization": f"Bearer {token}"}
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
        try:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (database,))
            status, _, body = http(f"{base_url}/healthz")
            assert status == 503 and json.loads(body)["status"] == "down"
            status, _, body = http(f"{base_url}/kunskap/")
            assert status == 503 and "Tjänsten är tillfälligt otillgänglig" in body.decode()
            status, _, body = http(f"{base_url}/api/v1/inquiries", auth)
            assert status == 503 and "error" in json.loads(body)
        finally:
            admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
    for _ in range(4):  # each worker's pool finds its dead connections and replaces them
        assert http(f"{base_url}/api/v1/inquiries", auth)[0] == 200
    assert json.loads(http(f"{base_url}/healthz")[2])["status"] == "ok"


# --- the test --------------------------------------------------------------------------


@pytest.mark.slow
def test_the_operations_guide_step_by_step(databases, processes, tmp_path, monkeypatch):
    guide = Guide()

    # The operator's view of the same blocks: scripts/ops_guide.py lists every one and shows them as the test runs them.
    listed = run_shell(f'python3 "{OPS_SCRIPT}" list', clean_env(), what="ops_guide.py list").stdout
    assert [line.split()[0] for line in listed.splitlines()] == list(guide.blocks)
    shown = run_shell(f'python3 "{OPS_SCRIPT}" show backup restore', clean_env(), what="ops_guide.py show").stdout
    assert shown == guide.blocks["backup"] + guide.blocks["restore"]

    # Section 1: the Procfile the guide shows is the repository's.
    procfile = guide.block("procfile")
    assert procfile_lines(procfile) == procfile_lines(PROCFILE.read_text(encoding="utf-8")), (
        "the Procfile in docs/OPERATIONS.md and the repository's Procfile differ")
    procfile = procfile_lines(procfile)
    assert set(procfile) == {"release", "web", "clock"}

    # Section 2: secrets as the guide makes them. This installation never sets SUPPORTLINE_MFA_KEY, so that
    # section 10's rotation meets the case it warns about.
    secret_key = guide.run("make-secret", clean_env()).stdout.strip()
    assert len(secret_key) >= 48
    live_url, restored_url = database_url(databases["live"]), database_url(databases["restored"])
    instance = tmp_path / "instance"
    host_a = {"SUPPORTLINE_INSTANCE_PATH": str(instance / "a"), "SUPPORTLINE_INDEX_DIR": str(tmp_path / "index-a"),
              "SUPPORTLINE_HANDOVER_DIR": str(tmp_path / "handover")}
    host_b = {**host_a, "SUPPORTLINE_INSTANCE_PATH": str(instance / "b"),
              "SUPPORTLINE_INDEX_DIR": str(tmp_path / "index-b")}
    live = clean_env(SECRET_KEY=secret_key, DATABASE_URL=live_url, SUPPORTLINE_BASE_URL="https://localhost",
                     ADMIN_EMAIL=ADMIN_EMAIL, ADMIN_NAME="Åsa Driftansvarig", **host_a)

    # The database, and the release step from the Procfile migrating it from empty.
    run_shell(f'createdb --template=template0 --encoding=UTF8 "{databases["live"]}"', live, what="createdb")
    release = run_shell(procfile["release"], live, what="release")
    assert "Running upgrade" in release.stderr and "-> 0001" in release.stderr

    # The first administrator (the password is typed twice), the guidance articles and an API token.
    created = guide.run("first-admin", live, stdin=f"{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n")
    assert ADMIN_EMAIL in created.stdout
    # Test data, the one step outside the guide: demo data is refused in production.
    seeded = run_shell("supportline demo seed --inquiries 50", {**live, "SUPPORTLINE_ENV": "test"}, what="seed")
    assert "50 påhittade ärenden" in seeded.stdout
    imported = guide.run("kb-import", live)
    articles = int(re.search(r"Sökindexet har (\d+) artiklar", imported.stdout).group(1))
    assert articles >= 20
    token = guide.run("api-token", live).stdout.strip().splitlines()[0]
    assert token.startswith("slt_")
    # What the clock does every night; a restore must find nothing more to anonymise than the live service did.
    run_shell("supportline retention run", live, what="retention")
    # The installation at work: handover packages (anonymised inquiries among them), and the handover key rotated
    # between two of them.
    rotate_handover_key(guide, live, tmp_path)

    # Host A: the Procfile's web line against the live database.
    web_a = Web(procfile["web"], live, tmp_path / "web-a.log")
    processes.append(web_a)
    web_a.wait_until_up()
    health = json.loads(guide.run("health", {**live, "BASE_URL": web_a.base_url}).stdout)
    assert health["status"] == "ok" and health["database"]["ok"] and health["index"]["documents"] == articles
    records_before = inquiry_records(web_a.base_url, token)
    assert len(records_before) == 50
    searches_before = search_results(web_a.base_url)
    assert all(total > 0 for total, _ in searches_before.values()), searches_before
    web_a.stop()

    # Section 6: the backup, and section 7: the restore into a new database, compared row for row.
    backup_file = tmp_path / "backups" / "supportline.dump"
    backup_file.parent.mkdir()
    counts_before = counts(guide.run("counts", live).stdout)
    guide.run("backup", {**live, "BACKUP_FILE": str(backup_file)})
    assert backup_file.stat().st_size > 0
    guide.run("restore", {**live, "BACKUP_FILE": str(backup_file), "RESTORE_DB": databases["restored"]})
    restored = {**live, "DATABASE_URL": restored_url, **host_b}
    counts_after = counts(guide.run("counts", restored).stdout)
    assert counts_after == counts_before and int(counts_after["inquiries"]) == 50
    after_restore = guide.run("after-restore", restored)
    assert "(head)" in after_restore.stdout + after_restore.stderr
    assert "Running upgrade" not in after_restore.stderr  # the backup is from this release
    # A new host: its index folder is empty until the rebuild.
    reindexed = guide.run("reindex", restored)
    assert f"med {articles} publicerade artiklar" in reindexed.stdout

    # Host B: the Procfile's web line against the restored database serves the same inquiries and articles.
    metrics_token = uuid.uuid4().hex
    web_b = Web(procfile["web"], {**restored, "SUPPORTLINE_METRICS_TOKEN": metrics_token}, tmp_path / "web-b.log")
    processes.append(web_b)
    web_b.wait_until_up()
    health = json.loads(guide.run("health", {**restored, "BASE_URL": web_b.base_url,
                                             "SUPPORTLINE_METRICS_TOKEN": metrics_token}).stdout)
    assert health["status"] == "ok" and health["index"]["documents"] == articles and health["index"]["lag"] == 0
    records_after = inquiry_records(web_b.base_url, token)  # the token issued before the backup
    assert records_after.keys() == records_before.keys()
    for inquiry_id, record in records_before.items():
        assert records_after[inquiry_id] == record, f"inquiry {inquiry_id} differs after the restore"
    assert search_results(web_b.base_url) == searches_before

    # Section 4: the request id goes in and out, and the logs hold neither search terms nor case text.
    request_id = f"ops-guide-{uuid.uuid4().hex}"
    secret_word = f"opsguidesokord{uuid.uuid4().hex[:8]}"
    status, headers, _ = http(f"{web_b.base_url}/api/v1/search?q={secret_word}", {"X-Request-ID": request_id})
    assert status == 200
    assert {k.lower(): v for k, v in headers.items()}.get("x-request-id") == request_id
    # /metrics with the token, as the guide scrapes it, and not without.
    scraped = guide.run("metrics", {**restored, "BASE_URL": web_b.base_url,
                                    "SUPPORTLINE_METRICS_TOKEN": metrics_token}).stdout
    assert 'supportline_http_requests_total{method="GET",route="/api/v1/inquiries/<int:inquiry_id>"' in scraped
    assert http(f"{web_b.base_url}/metrics")[0] == 403

    # Section 5: a database outage answers 503 (a Swedish page, JSON for the API) and ends without a restart.
    outage(databases["restored"], web_b.base_url, token)
    web_b.stop()
    log = web_b.log()
    assert request_id in log, "the request id is not in the web log"
    assert secret_word not in log, "a search term was written to the web log"
    assert not [r["summary"] for r in records_before.values() if r.get("summary") and r["summary"] in log], (
        "case text was written to the web log")
    for line in filter(None, log.splitlines()):
        assert isinstance(json.loads(line), dict), f"a log line is not JSON: {line!r}"

    # Section 8: the upgrade commands on the restored database, already upgraded once by ops:after-restore: the
    # database is at the code's head, and running the upgrade again changes nothing.
    upgrade = guide.run("upgrade", restored)
    current_before, heads, current_after = [line for line in upgrade.stdout.splitlines() if line.strip()]
    assert current_before == heads == current_after and current_after.endswith("(head)"), upgrade.stdout
    assert "Running upgrade" not in upgrade.stderr

    # Section 10: rotating SECRET_KEY on an installation without SUPPORTLINE_MFA_KEY.
    old = Browser(monkeypatch, restored)
    assert location(old.login_password()) == "/konto/tvastegs"  # production: enrol at the first login
    secret = MFA_SECRET.search(old.get("/konto/tvastegs").get_data(as_text=True)).group(1).replace(" ", "")
    totp = pyotp.TOTP(secret)
    enrolled = old.post_form("/konto/tvastegs", {"code": totp.now()})
    assert enrolled.status_code == 200 and "reservkod" in enrolled.get_data(as_text=True).lower()
    # The password given to `users create` is temporary: the administrator chooses their own first.
    assert location(old.get("/konto")) == "/konto/losenord"
    changed = old.post_form("/konto/losenord", {"current_password": ADMIN_PASSWORD, "new_password": OWN_PASSWORD,
                                                "repeat_password": OWN_PASSWORD})
    assert location(changed) == "/konto", changed.get_data(as_text=True)[:2000]
    assert old.get("/konto").status_code == 200
    old_cookie = old.session_cookie()
    old.close()

    rotation = guide.run("rotate-secret-key", restored,
                         epilogue='printf "%s\\n%s\\n" "$SECRET_KEY" "$SUPPORTLINE_MFA_KEY"\n')
    new_secret_key, mfa_key = rotation.stdout.split()
    assert new_secret_key != secret_key and mfa_key == secret_key

    # Only SECRET_KEY changed (what the guide warns against): the enrolled second factor no longer works.
    careless = Browser(monkeypatch, {**restored, "SECRET_KEY": new_secret_key})
    assert location(careless.login_password(OWN_PASSWORD)) == "/login/kod"
    assert careless.post_form("/login/kod", {"code": totp.now()}).status_code == 401
    careless.close()

    # As the guide says: the old cookie is refused, and the administrator logs in again with password and code.
    rotated = Browser(monkeypatch, {**restored, "SECRET_KEY": new_secret_key, "SUPPORTLINE_MFA_KEY": mfa_key})
    rotated.set_session_cookie(old_cookie)
    assert location(rotated.get("/konto")) == "/login", "the session cookie signed with the old key still works"
    assert location(rotated.login_password(OWN_PASSWORD)) == "/login/kod"
    # The next time step's code: the enrolment used up this one (a code counts once).
    logged_in = rotated.post_form("/login/kod", {"code": totp.at(time.time() + 30)})
    assert logged_in.status_code == 302, logged_in.get_data(as_text=True)[:2000]
    assert rotated.get("/konto").status_code == 200
    # API tokens do not depend on SECRET_KEY.
    me = rotated.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}, base_url="https://localhost")
    assert me.status_code == 200
    rotated.close()

    # Every marked block of the guide has been followed.
    assert guide.used == set(guide.blocks), f"marked blocks the test did not use: {set(guide.blocks) - guide.used}"
