"""`make run` on a fresh checkout starts on the receiving side: the demo history arrives through
a real handover package, and running it again receives nothing twice."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import func, select

from supportline import create_app
from supportline.extensions import db
from supportline.handover import lifecycle, service
from supportline.handover.models import HandoverReception
from supportline.inquiries.models import Inquiry

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _make_run_until_serving(instance: Path, timeout: float = 180) -> float:
    """Start `make run` with its own instance folder, wait for /healthz, stop it; returns the seconds
    until the line answered."""
    port = _free_port()
    env = {**os.environ, "SUPPORTLINE_INSTANCE_PATH": str(instance), "SUPPORTLINE_ENV": "dev"}
    env.pop("DATABASE_URL", None)
    started = time.monotonic()
    proc = subprocess.Popen(["make", "--no-print-directory", "run", f"PORT={port}"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        while time.monotonic() - started < timeout:
            if proc.poll() is not None:
                raise AssertionError("make run stopped:\n" + proc.stdout.read().decode(errors="replace")[-3000:])
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return time.monotonic() - started
            except OSError:
                time.sleep(0.1)  # the seconds until it answers are measured: poll finely
        raise AssertionError(f"make run did not answer within {timeout} s")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        proc.stdout.close()


def _state(instance: Path, monkeypatch) -> dict:
    monkeypatch.setenv("SUPPORTLINE_INSTANCE_PATH", str(instance))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"SUPPORTLINE_INDEX_DIR": str(instance / "index")})
    with app.app_context():
        try:
            return {"role": lifecycle.role(),
                    "receptions": [(r.sequence, r.verified_by) for r in
                                   db.session.scalars(select(HandoverReception))],
                    "inquiries": db.session.scalar(select(func.count()).select_from(Inquiry)),
                    "due": service.due_slots(lifecycle.now()),
                    "intake_closed": lifecycle.intake_closed_message()}
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.mark.slow
def test_make_run_starts_on_the_receiving_side_and_is_idempotent(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    first = _make_run_until_serving(instance)
    state = _state(instance, monkeypatch)
    assert state == {"role": lifecycle.RECEIVING, "receptions": [(1, "NCK (demo)")], "inquiries": 500,
                     "due": [], "intake_closed": None}
    # the sending side exists beside it, with NCK's receipt recorded against its final package
    receipt = (instance / "demo-sender" / "kvitto.json").read_text(encoding="utf-8")
    assert '"verified_by": "NCK (demo)"' in receipt

    again = _make_run_until_serving(instance)
    assert _state(instance, monkeypatch) == state
    print(f"make run answered after {first:.1f} s on a fresh instance, {again:.1f} s the second time")
    assert first < 120 and again < 60
