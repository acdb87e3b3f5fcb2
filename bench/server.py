"""Running the app for a benchmark: the CLI, a gunicorn process on a free loopback port, its health."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_cli(args: list[str], env: dict, timeout: float, stdin: str | None = None) -> tuple[float, str]:
    """Run `supportline ARGS`; returns (seconds taken, its output). A failure raises with the output."""
    start = time.perf_counter()
    done = subprocess.run([str(BIN / "supportline"), *args], cwd=ROOT, env=env, input=stdin, capture_output=True,
                          text=True, timeout=timeout)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"supportline {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return elapsed, done.stdout.strip()


def get(url: str, timeout: float = 5.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # loopback only
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def wait_healthy(base: str, proc: subprocess.Popen, documents: int, timeout: float = 60.0) -> dict:
    """Wait until /healthz?detail reports the database up and an index with `documents` articles."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            status, body = get(base + "/healthz?detail", timeout=2.0)  # details: loopback, no token set
            last = (status, body[:300])
            if status == 200:
                health = json.loads(body)
                if health["database"].get("ok") and health["index"].get("ok") \
                        and health["index"].get("documents") == documents:
                    return health
        except (OSError, ValueError) as exc:
            last = repr(exc)
        time.sleep(0.25)
    raise RuntimeError(f"/healthz not ready within {timeout} s: {last}")


def stop(proc: subprocess.Popen) -> None:
    """Stop the gunicorn we started: TERM to its master, then KILL to its own process group."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
    # start_new_session=True made the master the leader of a group of its own: only our workers are in it.
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=5)
