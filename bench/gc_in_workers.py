"""A pytest plugin that tells what Python's garbage collector cost each process of a test run.

    PYTHONPATH=bench .venv/bin/pytest -p gc_in_workers -n auto --dist worksteal -q [--gc-as-python]

At the end, each worker writes one line to supportline-gc-<pid>.txt in the temporary directory
(and the controller its own): the collections of each generation and the seconds they took (from
gc.callbacks), the objects the collector still watches, and how long one full collection of them
takes. --gc-as-python undoes what tests/conftest.py does after collection (gc.freeze() and a higher
threshold for full collections), so that one run of each, back to back, compares the two.
"""

from __future__ import annotations

import collections
import gc
import os
import tempfile
import time
from pathlib import Path

import pytest

OUT = Path(tempfile.gettempdir())
_started: dict[int, float] = {}
_seconds: collections.Counter = collections.Counter()
_count: collections.Counter = collections.Counter()


def _timer(phase: str, info: dict) -> None:
    generation = info["generation"]
    if phase == "start":
        _started[generation] = time.perf_counter()
    elif generation in _started:
        _seconds[generation] += time.perf_counter() - _started.pop(generation)
        _count[generation] += 1


def pytest_addoption(parser):
    parser.addoption("--gc-as-python", action="store_true",
                     help="keep Python's own collector settings in the workers (no freeze, default thresholds)")


def pytest_configure(config):
    gc.callbacks.append(_timer)


@pytest.hookimpl(trylast=True)  # after tests/conftest.py's own
def pytest_collection_finish(session):
    if session.config.getoption("--gc-as-python"):
        gc.unfreeze()
        gc.set_threshold(700, 10, 10)


def pytest_sessionfinish(session):
    watched = len(gc.get_objects())
    start = time.perf_counter()
    gc.collect()
    full = time.perf_counter() - start
    role = os.environ.get("PYTEST_XDIST_WORKER", "controller")
    settings = "as Python" if session.config.getoption("--gc-as-python") else "as tests/conftest.py"
    figures = "; ".join(f"generation {g}: {_count[g]} collections, {_seconds[g]:.2f} s" for g in sorted(_count))
    (OUT / f"supportline-gc-{os.getpid()}.txt").write_text(
        f"{role} ({settings}): {figures}; {watched} objects watched at the end, a full collection of them "
        f"{full:.2f} s, {gc.get_freeze_count()} frozen\n", encoding="utf-8")
