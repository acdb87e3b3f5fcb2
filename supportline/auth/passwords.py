"""Password hashing and the password policy."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP Password Storage Cheat Sheet, argon2id minimum: m=19 MiB, t=2, p=1.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)
MIN_LENGTH = 12
# Verified when the e-mail is unknown, so an unknown account costs the same time as a
# known one and the response time does not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash("ingen-anvandare-har-detta-losenord")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    text = resources.files("supportline.data").joinpath("common-passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def password_problem(password: str, email: str = "") -> str | None:
    """The reason a password is not acceptable, in Swedish, or None."""
    if len(password) < MIN_LENGTH:
        return f"Lösenordet måste vara minst {MIN_LENGTH} tecken."
    if len(password) > 256:
        return "Lösenordet får vara högst 256 tecken."
    lowered = password.lower()
    if lowered in _common_passwords() or len(set(lowered)) <= 2:
        return "Lösenordet är för vanligt och lätt att gissa. Välj ett annat, gärna en mening."
    local = email.split("@", 1)[0].lower()
    if len(local) >= 4 and local in lowered:
        return "Lösenordet får inte innehålla din e-postadress."
    return None
