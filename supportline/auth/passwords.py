"""Password hashing and the password policy."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP Password Storage Cheat Sheet, argon2id minimum: m=19 MiB, t=2, p=1.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)
MIN_LENGTH = 12
# zxcvbn's score from 0 to 4; 3 means about 10^8 guesses or more ("safely unguessable" against
# online attacks, moderate against an offline one on a slow hash such as ours).
MIN_SCORE = 3
# Only the start is estimated: zxcvbn refuses longer input (its matching grows fast with length),
# and 72 characters that pass the other checks are not the weak part of anything.
ESTIMATE_CHARS = 72
# Words a guesser aims at this service with, whoever the user is.
SITE_WORDS = ("stödtelefonen", "supportline", "stodtelefon", "heder", "hedersrelaterat", "länsstyrelsen",
              "östergötland", "kvinnofrid", "nck", "uppsala universitet", "nationella")
WEAK_MESSAGE = ("Lösenordet är för lätt att gissa: det bygger på upprepningar, tangent- eller sifferföljder, datum "
                "eller vanliga ord. Välj ett längre, till exempel några ovanliga ord i en mening.")


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """Verified when the e-mail is unknown, so an unknown account costs the same time as a known
    one and the response time does not reveal which accounts exist. Made on first use, not at import,
    where every process of the app (each CLI command too) paid for it; wsgi.py makes it before serving."""
    return _hasher.hash("ingen-anvandare-har-detta-losenord")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    text = resources.files("supportline.data").joinpath("common-passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def _ascii_folded(word: str) -> str:
    return unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()


@lru_cache(maxsize=1)
def _swedish_words() -> list[str]:
    """Common Swedish words in rank order, each followed by its spelling without å, ä, ö."""
    text = resources.files("supportline.data").joinpath("swedish-words.txt").read_text("utf-8")
    words = [line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return list(dict.fromkeys(variant for word in words for variant in (word, _ascii_folded(word))))


@lru_cache(maxsize=1)
def _estimator():
    """zxcvbn with its English lists and ours: hejhejhejhej and sommarstugan2024 are weak in Sweden."""
    from zxcvbn import matching, zxcvbn

    matching.add_frequency_lists({"swedish": _swedish_words()})
    return zxcvbn


def strength(password: str, email: str = "") -> int:
    """zxcvbn's score (0-4) of the password, counting the e-mail address and the service's words as known."""
    local, _, domain = email.lower().partition("@")
    known = [word for word in (local, *domain.split("."), *SITE_WORDS) if word]
    return _estimator()(password[:ESTIMATE_CHARS], user_inputs=known)["score"]


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
    if strength(password, email) < MIN_SCORE:
        return WEAK_MESSAGE
    return None
