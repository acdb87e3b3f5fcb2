"""Open redirects through next=: only paths on this site are followed."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

EVIL = [
    "https://evil.example/", "//evil.example/", "///evil.example/", "/\\evil.example", "\\\\evil.example",
    "/\\/evil.example", "http:evil.example", "https:/evil.example", "javascript:alert(1)", " //evil.example",
    "/\t/evil.example", "/\n/evil.example", "\t//evil.example", "%2F%2Fevil.example", "//evil.example%2F..",
    "/%09/evil.example", "https://stodtelefonen.example@evil.example", "data:text/html,<script>alert(1)</script>",
    "//%65vil.example", "/ /evil.example",
]


def _is_local(location: str) -> bool:
    parts = urlsplit(location)
    # Browsers drop tabs and newlines and read a backslash as a slash: judge what they would see.
    seen = location.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/")
    return not parts.scheme and not parts.netloc and seen.startswith("/") and not seen.startswith("//")


@pytest.mark.parametrize("target", EVIL)
def test_login_never_redirects_off_site(auth, create_user, target):
    user = create_user("handler")
    response = auth.login(user.email, next_url=target.replace("%", "%25") if "%" in target else target)
    assert response.status_code == 302
    assert _is_local(response.headers["Location"]), response.headers["Location"]


def test_a_local_next_is_kept(auth, create_user):
    user = create_user("handler")
    response = auth.login(user.email, next_url="/arenden?status=open")
    assert response.headers["Location"] == "/arenden?status=open"
