"""Faults under gunicorn with two workers on PostgreSQL, as in production: PostgreSQL restarted and a
worker killed with SIGKILL while inquiries are being saved. Every save either succeeds or fails
clearly (a Swedish 503 with Retry-After, or no answer), never a 500; a client that retries with the
same Idempotency-Key ends up with every inquiry saved exactly once; the service recovers by itself.

(Two clock processes at the handover time writing one package: tests/handover/test_job.py.)"""

from __future__ import annotations

import json
import os
import signal
import time
import uuid

import pytest

from tests.production.conftest import (
    Deployment,
    SaveStream,
    assert_clear_failure,
    assert_every_key_saved_once,
    assert_logs_are_clean,
    wait_until,
)

KEYS = 40


def _keys(n: int = KEYS) -> list[str]:
    return [str(uuid.uuid4()) for _ in range(n)]


def _join(threads, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.1, deadline - time.monotonic()))
    assert not any(thread.is_alive() for thread in threads), "the client did not finish in time"


@pytest.mark.slow
def test_postgresql_restarted_during_a_stream_of_saves(own_cluster, start_gunicorn, tmp_path):
    url = own_cluster.url("supportline")
    deployment = Deployment(url, tmp_path / "instance")
    deployment.release()
    server = start_gunicorn(deployment)

    keys = _keys()
    stream = SaveStream(server.port, deployment.token)
    threads = stream.run_in_background(keys)
    wait_until(lambda: len(stream.saved) >= 8, 60, what="the first saves")

    own_cluster.stop("fast")  # terminates the connections of saves in progress
    # a save while PostgreSQL is down fails within seconds, in Swedish, and says when to retry
    probe_key = str(uuid.uuid4())
    during = stream.post(probe_key)
    assert during.status == 503, during
    assert_clear_failure(during)
    assert during.seconds < 10, during
    status, body = server.get("/healthz?detail")
    assert status == 503 and json.loads(body)["database"]["ok"] is False
    time.sleep(1)
    own_cluster.start()

    stream.save(probe_key)
    _join(threads)
    keys.append(probe_key)
    assert_every_key_saved_once(stream, keys, url)
    # the pool replaced its dead connections by itself: the service answers again
    wait_until(server.healthy, 30, what="/healthz after the restart")
    again = stream.post(str(uuid.uuid4()))
    assert again.status == 201, again
    assert_logs_are_clean(server)
    assert "database unavailable on POST /api/v1/inquiries: sqlalchemy.exc.OperationalError" in server.errors()
    failed = stream.count(lambda a: a.status != 201 and a.status != 200)
    print(f"\n{len(stream.attempts)} saves sent, {failed} failed clearly and were retried "
          f"({stream.count(lambda a: a.status == 503)} × 503, {stream.count(lambda a: a.status is None)} without "
          f"an answer, {stream.count(lambda a: a.status == 200)} repeats answered 200)")


@pytest.mark.slow
def test_a_worker_killed_with_sigkill_during_saves(scratch_database, start_gunicorn, tmp_path):
    deployment = Deployment(scratch_database, tmp_path / "instance")
    deployment.release()
    server = start_gunicorn(deployment)
    before = server.workers()
    assert len(before) == 2

    keys = _keys()
    stream = SaveStream(server.port, deployment.token)
    threads = stream.run_in_background(keys)
    wait_until(lambda: len(stream.saved) >= 8, 60, what="the first saves")
    # with two clients saving back to back, both workers are almost always inside a save
    victim = min(before)
    os.kill(victim, signal.SIGKILL)

    # gunicorn's master starts a replacement; the other worker serves meanwhile
    def replacement():
        workers = server.workers()
        return workers if len(workers) == 2 and victim not in workers else None

    replaced = wait_until(replacement, 60, what="gunicorn to replace the killed worker")
    _join(threads)
    assert_every_key_saved_once(stream, keys, scratch_database)
    assert victim not in replaced and len(replaced - before) == 1
    wait_until(server.healthy, 30, what="/healthz after the kill")
    for _ in range(4):  # both workers, the new one included, save
        again = stream.post(str(uuid.uuid4()))
        assert again.status == 201, again
    assert_logs_are_clean(server)
    print(f"\n{len(stream.attempts)} saves sent; {stream.count(lambda a: a.status is None)} got no answer "
          f"and were retried, {stream.count(lambda a: a.status == 200)} repeats answered 200")
