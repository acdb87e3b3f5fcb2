"""The lock files are what make install and a deployment install: they must still hold every dependency
pyproject.toml names, at a version it allows, or a fresh clone installs something nobody tested (or
fails on a package the lock lacks). After a change to the dependencies: make lock."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.MULTILINE)


def pins(name: str) -> dict[str, str]:
    text = (ROOT / name).read_text(encoding="utf-8")
    return {canonicalize_name(package): version for package, version in PIN.findall(text)}


def hashed(name: str) -> bool:
    """Every pin carries at least one hash, so pip install --require-hashes accepts the file."""
    entries = re.split(r"\n(?=[A-Za-z0-9])", (ROOT / name).read_text(encoding="utf-8"))
    return all("--hash=sha256:" in entry for entry in entries if PIN.match(entry))


def unmet(requirements: list[str], locked: dict[str, str]) -> list[str]:
    missing = []
    for line in requirements:
        requirement = Requirement(line)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        version = locked.get(canonicalize_name(requirement.name))
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            missing.append(f"{line} (låst: {version or 'saknas'})")
    return missing


PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


@pytest.mark.parametrize("lock, requirements", [
    ("requirements.lock", PROJECT["dependencies"]),
    ("requirements-dev.lock", PROJECT["dependencies"] + PROJECT["optional-dependencies"]["dev"]),
], ids=["runtime", "dev"])
def test_the_lock_holds_every_dependency_at_an_allowed_version(lock, requirements):
    assert unmet(requirements, pins(lock)) == [], "kör make lock"
    assert hashed(lock)


def test_the_tests_run_on_the_versions_that_are_deployed():
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    assert {name: dev.get(name) for name in runtime} == runtime


def test_test_tools_are_not_deployed():
    runtime = pins("requirements.lock")
    assert {"pytest", "playwright", "jsonschema", "hypothesis", "pip-tools"} & set(runtime) == set()


def test_a_missing_or_outdated_pin_is_named():
    assert unmet(["zxcvbn>=4.5,<5", "flask>=3.1,<4"], {"flask": "3.0.3"}) == [
        "zxcvbn>=4.5,<5 (låst: saknas)", "flask>=3.1,<4 (låst: 3.0.3)"]
