"""Synthetic demo data. Never real persons; safe to run again."""

from __future__ import annotations

from supportline.auth.models import Role, User
from supportline.auth.service import create_user, get_user_by_email

DEMO_PASSWORD = "demo-losenord-2026"  # noqa: S105 - printed to the developer by make run, dev only
DEMO_USERS = [
    ("handlaggare@demo.invalid", Role.HANDLER, "Hanna Handläggare"),
    ("redaktor@demo.invalid", Role.EDITOR, "Rasmus Redaktör"),
    ("samordnare@demo.invalid", Role.COORDINATOR, "Sara Samordnare"),
    ("admin@demo.invalid", Role.ADMIN, "Adam Administratör"),
]


def seed_demo_users() -> list[User]:
    users = []
    for email, role, name in DEMO_USERS:
        user = get_user_by_email(email) or create_user(None, email, role.value, DEMO_PASSWORD, name)
        users.append(user)
    return users
