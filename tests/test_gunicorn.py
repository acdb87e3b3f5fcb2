"""The web process as the Procfile starts it: gunicorn with two workers, JSON logs on stderr, metrics
that add up across workers, and workers forked from a master that keeps no database connection."""

from __future__ import annotations

import json
import os
import secrets
import shlex
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _web_command() -> list[str]:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            return shlex.split(line.removeprefix("web:"))
    raise AssertionError("the Procfile has no web process")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - loopback test server
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.fixture
def web(app, tmp_path):
    port = _free_port()
    log = tmp_path / "web.log"
    env = {**os.environ, "SUPPORTLINE_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(32),
           "SUPPORTLINE_REQUIRE_MFA": "0", "SUPPORTLINE_SECURE_COOKIES": "0", "SUPPORTLINE_RATELIMIT_ENABLED": "0",
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://"),
           "SUPPORTLINE_INSTANCE_PATH": str(tmp_path / "instance"), "WEB_CONCURRENCY": "2",
           "PORT": str(port), "HOST": "127.0.0.1", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    env.pop("SUPPORTLINE_LOG_FORMAT", None)
    # the Procfile's commands are the virtual environment's
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    with open(log, "wb") as stderr:
        process = subprocess.Popen(_web_command(), cwd=ROOT, env=env,  # noqa: S603 - the Procfile's command
                                   stdout=subprocess.DEVNULL, stderr=stderr)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _get(base + "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        yield base, log, process.pid
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


def _sample(text: str, prefix: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(prefix))


def test_metrics_add_up_across_the_workers_and_logs_are_json_lines(web):
    base, log, _ = web
    # A different query each time: a repeated one is answered from the page a worker kept (kb.caching).
    for number in range(20):
        status, headers, _ = _get(f"{base}/kunskap/sok?q=tv%C3%A5ngsgifte+Amira+{number}",
                                  {"X-Request-ID": f"load-{number:08d}"})
        assert status == 200 and headers["X-Request-ID"] == f"load-{number:08d}"
    status, _, body = _get(base + "/metrics")
    assert status == 200
    text = body.decode()
    requests = _sample(text, 'supportline_http_requests_total{method="GET",route="/kunskap/sok",status="200"}')
    assert requests == 20
    assert _sample(text, 'supportline_search_duration_seconds_count{kind="knowledge"}') == 20

    # each worker writes its request lines on its own: read until all 20 are there (or ten seconds went by)
    deadline = time.monotonic() + 10
    while True:
        text = log.read_text()
        complete = text[:text.rfind("\n") + 1]  # a line still being written is read next time
        entries = [json.loads(line) for line in complete.splitlines() if line.strip()]  # gunicorn's too is JSON
        served = [e for e in entries if e["logger"] == "supportline.request" and e["route"] == "/kunskap/sok"]
        if len(served) >= 20 or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert any(e["logger"] == "gunicorn.error" and "Booting worker" in e["message"] for e in entries)
    assert sorted(e["request_id"] for e in served) == [f"load-{n:08d}" for n in range(20)]
    assert "Amira" not in log.read_text()


def _workers_of(master: int) -> list[int]:
    return [int(pid) for task in Path(f"/proc/{master}/task").iterdir()
            for pid in (task / "children").read_text().split()]


def _database_handles(pid: int, database_url: str) -> set[str]:
    """What a process holds open of the database: the SQLite file (with its -wal and -shm), or its TCP
    connections to the PostgreSQL server, each as the socket's inode."""
    links = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            links.add(os.readlink(fd))
        except FileNotFoundError:  # closed meanwhile
            pass
    url = urllib.parse.urlsplit(database_url)
    if url.scheme.startswith("sqlite"):
        database_file = "/" + url.path.lstrip("/")
        return {link for link in links if link.startswith(database_file)}
    server_port = f"{url.port or 5432:04X}"
    to_server = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[2].rsplit(":", 1)[1] == server_port and fields[3] == "01":  # ESTABLISHED
                to_server.add(f"socket:[{fields[9]}]")
    return links & to_server


def test_the_workers_share_no_database_connection_with_the_master(web, app):
    """gunicorn loads the app once and forks the workers from it (preload_app): a connection the master kept
    from loading (the index's catch-up reads the database) would be one socket, or one SQLite file handle,
    used by every worker at once."""
    base, _, master = web
    database_url = app.config["SQLALCHEMY_DATABASE_URI"]
    # Requests that read the database, until both workers hold a connection of their own.
    deadline = time.monotonic() + 10
    while True:
        assert _get(base + "/healthz")[0] == 200
        held = {pid: _database_handles(pid, database_url) for pid in _workers_of(master)}
        if len(held) == 2 and all(held.values()) or time.monotonic() > deadline:
            break
    assert len(held) == 2 and all(held.values()), f"not every worker reached the database: {held}"
    assert _database_handles(master, database_url) == set(), "the master kept a database connection"
    if not database_url.startswith("sqlite"):
        first, second = held.values()
        assert not first & second, "two workers share one connection to PostgreSQL"
