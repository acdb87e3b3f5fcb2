"""Brute-force login: 429 by account and by address, and no way to tell which accounts exist."""

from __future__ import annotations

import re

from tests.conftest import PASSWORD, csrf_from


def _normalised(html: str, email: str) -> str:
    html = re.sub(r'value="[^"]*"', 'value=""', html)
    return html.replace(email, "EMAIL")


def test_unknown_and_known_accounts_answer_alike(auth, create_user):
    user = create_user("handler")
    known = auth.login(user.email, "fel-losenord-helt-klart")
    unknown = auth.login("finns-inte@test.invalid", "fel-losenord-helt-klart")
    assert known.status_code == unknown.status_code == 401
    assert _normalised(known.get_data(as_text=True), user.email) == \
        _normalised(unknown.get_data(as_text=True), "finns-inte@test.invalid")


def test_one_address_is_throttled_across_many_accounts(app, auth, create_user):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 6
    try:
        for n in range(6):
            assert auth.login(f"gissning{n}@test.invalid", "fel-losenord-helt-klart").status_code == 401
        user = create_user("handler")
        assert auth.login(user.email, PASSWORD).status_code == 429
    finally:
        app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 30


def test_throttled_answers_are_the_same_for_known_and_unknown_accounts(auth, create_user):
    user = create_user("handler")
    for email in (user.email, "ghost@test.invalid"):
        for _ in range(5):
            auth.login(email, "fel-losenord-helt-klart")
    known = auth.login(user.email, PASSWORD)
    unknown = auth.login("ghost@test.invalid", PASSWORD)
    assert known.status_code == unknown.status_code == 429
    assert _normalised(known.get_data(as_text=True), user.email) == \
        _normalised(unknown.get_data(as_text=True), "ghost@test.invalid")


def test_the_login_429_says_when_to_try_again(app, auth, client, create_user, login_as):
    user = create_user("handler")
    for _ in range(5):
        auth.login(user.email, "fel-losenord-helt-klart")
    response = auth.login(user.email, PASSWORD)
    assert response.status_code == 429
    wait = int(response.headers["Retry-After"])
    window = app.config["LOGIN_FAILURE_WINDOW_MINUTES"] * 60
    assert window - 60 < wait <= window
    assert f"Vänta {-(-wait // 60)} minuter" in response.get_data(as_text=True)
    # The password page of a logged-in user counts wrong current passwords the same way.
    other = login_as("handler")
    page = client.get("/konto/losenord").get_data(as_text=True)
    for _ in range(6):
        response = client.post("/konto/losenord", data={
            "csrf_token": csrf_from(page), "current_password": "fel-losenord-helt-klart",
            "new_password": "ett-helt-nytt-losenord-99", "repeat_password": "ett-helt-nytt-losenord-99"})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0, other.email
