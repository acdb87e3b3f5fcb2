"""Synthetic demo data. Never real persons; safe to run again."""

from __future__ import annotations

from pathlib import Path

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


def ensure_demo_handover_key(instance_path: str) -> Path:
    """An age key pair for trying the handover in dev (never used in production)."""
    import pyrage

    from supportline.config import DEMO_IDENTITY_FILE

    path = Path(instance_path) / DEMO_IDENTITY_FILE
    if not path.exists():
        identity = pyrage.x25519.Identity.generate()
        path.write_text(f"# demo key for the handover, dev only\n# public key: {identity.to_public()}\n{identity}\n",
                        encoding="utf-8")
        path.chmod(0o600)
    return path
