"""Production-like set-ups for the fault tests: a PostgreSQL cluster of the test's own, a scratch
database on the shared test server, the `supportline` CLI run as in a release, gunicorn with two
workers, and a client that saves inquiries over HTTP with an Idempotency-Key each and retries a
failed save with the same key. Every wait is bounded."""

from __future__ import annotations

import glob
import http.client
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from tests.conftest import PASSWORD, scratch_pg_database
from tests.inquiries.conftest import valid_payload

ROOT = Path(__file__).resolve().parents[2]
UNAVAILABLE_TITLE = "Tjänsten är tillfälligt otillgänglig"
UNAVAILABLE_MESSAGE = "Försök igen om en liten stund."
# Put in every saved summary; the logs must never show it.
CASE_TEXT_MARKER = "testströmmen"
HANDLER_EMAIL = "handlaggare@test.invalid"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout: float, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def run_checked(command: list[str], timeout: float, also=None) -> str:
    """Run a command; on failure the assertion shows its output (and `also()`, e.g. a server log)."""
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, (f"{' '.join(command)} exited with {result.returncode}:\n{result.stdout}"
                                    f"{result.stderr}{also() if also else ''}")
    return result.stdout


# --- PostgreSQL -----------------------------------------------------------------------------

def _pg_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return candidates[-1] if candidates else None


@dataclass
class Cluster:
    """A throwaway PostgreSQL cluster: trust authentication, loopback TCP on its own port and a
    socket in its own directory. Run as the `postgres` user when the tests run as root, since
    PostgreSQL refuses to run as root."""

    pg_ctl: str
    base: Path
    port: int
    owner: list[str]

    @property
    def data(self) -> Path:
        return self.base / "data"

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _ctl(self, *args: str, check: bool = True) -> None:
        command = [*self.owner, self.pg_ctl, "-D", str(self.data), *args]
        if check:
            run_checked(command, timeout=60, also=self.log)
        else:
            subprocess.run(command, capture_output=True, timeout=60)

    def start(self) -> None:
        options = (f"-k {self.base / 'sock'} -p {self.port} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c shared_buffers=16MB -c max_connections=40")
        self._ctl("-l", str(self.base / "server.log"), "-w", "-t", "45", "-o", options, "start")

    def stop(self, mode: str = "fast", check: bool = True) -> None:
        self._ctl("-w", "-t", "45", "-m", mode, "stop", check=check)

    def log(self) -> str:
        path = self.base / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""


@pytest.fixture
def own_cluster():
    """A PostgreSQL cluster of the test's own, stopped and removed afterwards, also on failure."""
    initdb, pg_ctl = _pg_binary("initdb"), _pg_binary("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("initdb and pg_ctl (PostgreSQL server binaries) are not installed")
    owner: list[str] = []
    account = None
    if os.geteuid() == 0:
        if not shutil.which("runuser"):
            pytest.skip("running as root and runuser is not installed to start PostgreSQL as postgres")
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres account to run PostgreSQL as")
        owner = ["runuser", "-u", "postgres", "--"]
    base = Path(tempfile.mkdtemp(prefix="supportline-pg-"))
    cluster = Cluster(pg_ctl=pg_ctl, base=base, port=free_port(), owner=owner)
    try:
        (base / "sock").mkdir()
        if account is not None:
            for path in (base, base / "sock"):
                os.chown(path, account.pw_uid, account.pw_gid)
        run_checked([*owner, initdb, "-D", str(cluster.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                     "--locale=C", "--no-sync"], timeout=120)
        cluster.start()
        with psycopg.connect(cluster.url("postgres"), autocommit=True, connect_timeout=10) as admin:
            admin.execute('CREATE DATABASE "supportline"')
        yield cluster
    finally:
        if cluster.data.exists():
            cluster.stop("immediate", check=False)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def scratch_database():
    """A database of the test's own on the shared test server (127.0.0.1:5432), dropped afterwards."""
    with scratch_pg_database("supportline_prod") as url:
        yield url


def saved_keys(database_url: str) -> dict[str, tuple[int, list[int]]]:
    """idempotency key -> (how many inquiries carry it, their ids)."""
    with psycopg.connect(database_url, connect_timeout=10) as conn:
        rows = conn.execute("SELECT idempotency_key, count(*), array_agg(id ORDER BY id) FROM inquiries "
                            "GROUP BY idempotency_key").fetchall()
    return {key: (count, ids) for key, count, ids in rows}


# --- a deployment: the CLI and gunicorn ------------------------------------------------------

def _console_script(name: str) -> str:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else (shutil.which(name) or name)


@dataclass
class Deployment:
    """The environment of a production deployment, and its release steps run with the CLI."""

    database_url: str
    instance: Path
    env: dict = field(init=False)
    token: str = ""

    def __post_init__(self):
        self.instance.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, "SUPPORTLINE_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(48),
                    "DATABASE_URL": self.database_url, "SUPPORTLINE_INSTANCE_PATH": str(self.instance),
                    "SUPPORTLINE_REQUIRE_MFA": "0", "SUPPORTLINE_SECURE_COOKIES": "0", "PYTHONUNBUFFERED": "1"}

    def cli(self, *args: str, stdin: str | None = None) -> str:
        result = subprocess.run([_console_script("supportline"), *args], env=self.env, input=stdin,
                                capture_output=True, text=True, timeout=90, cwd=ROOT)
        assert result.returncode == 0, f"supportline {' '.join(args)}: {result.stdout}{result.stderr}"
        return result.stdout

    def release(self) -> None:
        """Migrate, create a handler and an API token for it, as an operator would."""
        self.cli("db", "upgrade")
        self.cli("users", "create", HANDLER_EMAIL, "--role", "handler", "--password-stdin", stdin=PASSWORD + "\n")
        self.token = self.cli("users", "token", HANDLER_EMAIL).strip().splitlines()[0]
        assert self.token.startswith("slt_")


def children_of(pid: int) -> set[int]:
    found = set()
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            text = Path(stat).read_text()
        except OSError:
            continue
        # the command name in parentheses may hold spaces: the fields after the last ")" are fixed
        fields = text[text.rfind(")") + 2:].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            found.add(int(Path(stat).parent.name))
    return found


class Gunicorn:
    """`gunicorn wsgi:app` with two sync workers on a free loopback port, as the Procfile runs it."""

    def __init__(self, deployment: Deployment, logs: Path, workers: int = 2):
        self.port = free_port()
        self.workers_wanted = workers
        self.access_log = logs / "access.log"
        self.error_log = logs / "error.log"
        # The error log goes to stderr (gunicorn's default) and from there to a file: the app's own log
        # lines then reach it at once (PYTHONUNBUFFERED), not when a worker's file buffer is flushed.
        self._stderr = open(self.error_log, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}",
             "--timeout", "30", "--graceful-timeout", "5", "--access-logfile", str(self.access_log),
             "--access-logformat", "%(s)s %(m)s %(U)s", "--error-logfile", "-", "wsgi:app"],
            cwd=ROOT, env=deployment.env, stdout=subprocess.DEVNULL, stderr=self._stderr)
        self.seen_workers: set[int] = set()

    def get(self, path: str, timeout: float = 10) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def healthy(self) -> bool:
        assert self.process.poll() is None, f"gunicorn exited:\n{self.errors()}"
        try:
            return self.get("/healthz", timeout=5)[0] == 200
        except OSError:
            return False

    def wait_ready(self, timeout: float = 60) -> None:
        wait_until(self.healthy, timeout, interval=0.2, what=f"gunicorn to answer /healthz\n{self.errors()}")
        wait_until(lambda: len(self.workers()) == self.workers_wanted, timeout, what="gunicorn's workers")

    def workers(self) -> set[int]:
        pids = children_of(self.process.pid)
        self.seen_workers |= pids
        return pids

    def errors(self) -> str:
        return self.error_log.read_text(errors="replace") if self.error_log.exists() else ""

    def statuses(self) -> list[int]:
        if not self.access_log.exists():
            return []
        return [int(line.split()[0]) for line in self.access_log.read_text().splitlines() if line.strip()]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        # A worker left behind by a master that did not shut down cleanly; the command line is checked
        # so that a recycled pid of some other process is never signalled.
        for pid in self.seen_workers:
            try:
                if f"127.0.0.1:{self.port}".encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                    os.kill(pid, signal.SIGKILL)
            except (OSError, ProcessLookupError):
                pass
        self._stderr.close()


@pytest.fixture
def start_gunicorn(tmp_path):
    started: list[Gunicorn] = []

    def start(deployment: Deployment) -> Gunicorn:
        server = Gunicorn(deployment, tmp_path)
        started.append(server)
        server.wait_ready()
        return server

    yield start
    for server in started:
        server.stop()


# --- the client -----------------------------------------------------------------------------

@dataclass
class Attempt:
    key: str
    status: int | None  # None: no HTTP answer (refused, reset, timed out)
    error: str = ""
    body: dict | None = None
    retry_after: str | None = None
    seconds: float = 0.0


class SaveStream:
    """Saves inquiries through POST /api/v1/inquiries, each with its own Idempotency-Key; a save
    that fails (503 or no answer) is sent again with the same key and body until it succeeds, as
    a well-behaved client would. Anything else (a 500, a 4xx) is recorded and not retried."""

    RETRY_PAUSE = 0.25  # shorter than Retry-After, to keep the test short

    def __init__(self, port: int, token: str, deadline_seconds: float = 90):
        self.port = port
        self.token = token
        self.deadline = time.monotonic() + deadline_seconds
        self.attempts: list[Attempt] = []
        self.saved: dict[str, int] = {}
        self.given_up: list[Attempt] = []
        self.lock = threading.Lock()

    @staticmethod
    def body() -> dict:
        # Case text only: digits from the key could read as a phone number to the privacy guard.
        return valid_payload(summary=f"Skolkuratorn frågar om stöd vid oro för tvångsäktenskap ({CASE_TEXT_MARKER}).")

    def post(self, key: str, timeout: float = 20) -> Attempt:
        started = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("POST", "/api/v1/inquiries", body=json.dumps(self.body()),
                         headers={"Authorization": f"Bearer {self.token}", "Idempotency-Key": key,
                                  "Content-Type": "application/json"})
            response = conn.getresponse()
            raw = response.read()
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            attempt = Attempt(key, response.status, body=body, retry_after=response.getheader("Retry-After"))
        except (OSError, http.client.HTTPException) as exc:
            attempt = Attempt(key, None, error=type(exc).__name__)
        finally:
            conn.close()
        attempt.seconds = time.monotonic() - started
        with self.lock:
            self.attempts.append(attempt)
        return attempt

    def save(self, key: str) -> None:
        while time.monotonic() < self.deadline:
            attempt = self.post(key)
            if attempt.status in (200, 201):
                with self.lock:
                    self.saved[key] = attempt.body["id"]
                return
            if attempt.status not in (None, 503):
                with self.lock:
                    self.given_up.append(attempt)
                return
            time.sleep(self.RETRY_PAUSE)
        with self.lock:
            self.given_up.append(Attempt(key, None, error="deadline"))

    def run_in_background(self, keys: list[str], threads: int = 2) -> list[threading.Thread]:
        def worker(mine):
            for key in mine:
                self.save(key)

        started = [threading.Thread(target=worker, args=(keys[i::threads],), daemon=True) for i in range(threads)]
        for thread in started:
            thread.start()
        return started

    def count(self, predicate) -> int:
        with self.lock:
            return sum(1 for a in self.attempts if predicate(a))


def assert_clear_failure(attempt: Attempt) -> None:
    """A failed save must say so clearly: a Swedish 503 with Retry-After, or no answer at all."""
    if attempt.status is None:
        return
    assert attempt.status == 503, attempt
    assert attempt.body and attempt.body["error"]["title"] == UNAVAILABLE_TITLE, attempt
    assert attempt.body["error"]["message"] == UNAVAILABLE_MESSAGE, attempt
    assert attempt.retry_after and attempt.retry_after.isdigit(), attempt


def assert_every_key_saved_once(stream: SaveStream, keys: list[str], database_url: str) -> None:
    assert stream.given_up == [], stream.given_up
    for attempt in stream.attempts:
        if attempt.status not in (200, 201):
            assert_clear_failure(attempt)
    assert set(stream.saved) == set(keys)
    in_database = saved_keys(database_url)
    assert {k: v[0] for k, v in in_database.items()} == dict.fromkeys(keys, 1)
    # the id the client was finally given is the one inquiry saved under its key
    assert {k: v[1][0] for k, v in in_database.items()} == stream.saved


def assert_logs_are_clean(server: Gunicorn) -> None:
    log = server.errors()
    assert 500 not in server.statuses()
    assert "unhandled error" not in log  # the 500 handler's line
    assert CASE_TEXT_MARKER not in log and "[parameters:" not in log
