"""Path traversal through slugs, static paths and handover export names."""

from __future__ import annotations

from pathlib import Path

import pytest

ATTEMPTS = [
    "/kunskap/..%2F..%2Fetc%2Fpasswd", "/kunskap/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "/kunskap/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/kunskap/....//....//etc/passwd",
    "/kunskap/..%5C..%5Cwindows%5Cwin.ini", "/kunskap/%252e%252e%252fetc%252fpasswd",
    "/api/v1/articles/..%2F..%2Fetc%2Fpasswd", "/static/../../etc/passwd", "/static/..%2F..%2Fetc%2Fpasswd",
    "/static/%2e%2e/%2e%2e/supportline/config.py", "/arenden/static/..%2F..%2Fconfig.py",
    "/kunskap/..%2F..%2Finstance%2Fsupportline.db", "/kunskap/%00", "/kunskap/x%00.md",
]


@pytest.mark.parametrize("path", ATTEMPTS)
def test_traversal_finds_nothing(client, path):
    response = client.get(path)
    assert response.status_code in (404, 400, 308), (path, response.status_code)
    body = response.get_data()
    assert b"root:" not in body and b"SECRET_KEY" not in body and b"SQLite format" not in body


def test_handover_kind_cannot_choose_the_file_name(app, client, login_as, tmp_path):
    """The coordinator's form sends a kind; a path in it must not reach the file system."""
    from tests.conftest import csrf_from

    out = Path(app.config["SUPPORTLINE_HANDOVER_DIR"])
    login_as("coordinator")
    token = csrf_from(client.get("/admin/overlamning/").get_data(as_text=True))
    client.post("/admin/overlamning/", data={"csrf_token": token, "kind": "../../../tmp/evil"})
    escaped = [p for p in out.parent.rglob("*evil*")] if out.parent.exists() else []
    assert escaped == []
    if out.exists():
        for path in out.iterdir():
            assert path.resolve().parent == out.resolve()
            assert ".." not in path.name and "evil" not in path.name
