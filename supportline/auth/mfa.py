"""Two-factor login with TOTP (RFC 6238) and single-use recovery codes.

The TOTP secret is encrypted with AES-GCM under a key derived from SUPPORTLINE_MFA_KEY (or,
if that is unset, SECRET_KEY), so a leaked database backup alone cannot produce codes. To
rotate that key, the old value goes into SUPPORTLINE_MFA_KEY_FALLBACKS: secrets that open only
with an old key are sealed again under the current one when they are next used, or all at once
by `supportline users mfa-rekey`. A secret that no key opens needs an admin's reset.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field

import pyotp
import segno
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from sqlalchemy import delete, select, update

from supportline.audit.service import record
from supportline.auth.models import MfaRecoveryCode, User, UserMfa
from supportline.auth.sessions import revoke_all_sessions
from supportline.db import utcnow
from supportline.extensions import db
from supportline.query_args import is_ascii_digits
from supportline.transactions import write_transaction

ISSUER = "Stödtelefonen"
RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: the codes are read off paper and typed by hand.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_STEP = 30


class MfaError(ValueError):
    """A refused code; the message is Swedish and safe to show."""


# --- the secret at rest -----------------------------------------------------------

def _derive(material: str) -> bytes:
    # A separate derivation so the key is never the raw session-signing secret.
    return hashlib.sha256(b"supportline-mfa-v1\x00" + material.encode()).digest()


def _keys() -> list[bytes]:
    """The current key first, then the old ones still accepted for reading."""
    cfg = current_app.config
    own = cfg.get("SUPPORTLINE_MFA_KEY")
    materials = [own or cfg["SECRET_KEY"], *(cfg.get("SUPPORTLINE_MFA_KEY_FALLBACKS") or [])]
    if not own:
        # Without a key of its own the MFA key is SECRET_KEY, so the old values of SECRET_KEY
        # are this key's old values too: rotating SECRET_KEY with fallbacks keeps codes working.
        materials += cfg.get("SECRET_KEY_FALLBACKS") or []
    keys: list[bytes] = []
    for material in materials:
        key = _derive(material)
        if key not in keys:
            keys.append(key)
    return keys


def encrypt_secret(secret: str, user_id: int) -> str:
    nonce = secrets.token_bytes(12)
    # The user id is authenticated data: a ciphertext copied to another user's row fails.
    sealed = AESGCM(_keys()[0]).encrypt(nonce, secret.encode(), str(user_id).encode())
    return "v1:" + base64.urlsafe_b64encode(nonce + sealed).decode()


def open_secret(value: str, user_id: int) -> tuple[str | None, bool]:
    """The secret and whether it was sealed under an old key (and should be sealed again);
    (None, False) when no key opens it."""
    if not value.startswith("v1:"):
        return None, False
    try:
        raw = base64.urlsafe_b64decode(value[3:].encode())
    except ValueError:
        return None, False
    # AES-GCM authenticates: a wrong key fails with InvalidTag, never with a wrong secret.
    for index, key in enumerate(_keys()):
        try:
            return AESGCM(key).decrypt(raw[:12], raw[12:], str(user_id).encode()).decode(), index > 0
        except InvalidTag:
            continue
    return None, False


def decrypt_secret(value: str, user_id: int) -> str | None:
    return open_secret(value, user_id)[0]


def _read_secret(row: UserMfa) -> str | None:
    """The row's secret; one found under an old key is sealed again under the current key in
    the caller's write transaction, so a rotation completes itself as people log in."""
    secret, stale = open_secret(row.secret_encrypted, row.user_id)
    if secret is not None and stale:
        row.secret_encrypted = encrypt_secret(secret, row.user_id)
    return secret


# --- state ----------------------------------------------------------------------------

def required() -> bool:
    return bool(current_app.config.get("SUPPORTLINE_REQUIRE_MFA"))


def mfa_row(user: User) -> UserMfa | None:
    return db.session.scalar(select(UserMfa).where(UserMfa.user_id == user.id))


def is_enrolled(user: User) -> bool:
    row = mfa_row(user)
    return row is not None and row.confirmed_at is not None


def second_step(user: User) -> str | None:
    """What a login needs after the password: 'verify' (a code), 'enrol' (set up first) or None."""
    if is_enrolled(user):
        return "verify"
    if required():
        return "enrol"
    return None


def pending_secret(actor: User) -> str:
    """The secret being enrolled, made on first use and kept until confirmed (a reload shows the
    same QR code). Raises MfaError if the user already has a confirmed second factor."""
    with write_transaction():
        row = mfa_row(actor)
        if row is not None and row.confirmed_at is not None:
            raise MfaError("Tvåstegsverifiering är redan aktiverad.")
        secret = _read_secret(row) if row is not None else None
        if secret is None:
            secret = pyotp.random_base32()
            if row is None:
                db.session.add(UserMfa(user_id=actor.id, secret_encrypted=encrypt_secret(secret, actor.id)))
            else:
                row.secret_encrypted = encrypt_secret(secret, actor.id)
    return secret


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """The QR code as an SVG data: URI, made on the server (no external service, and allowed by
    the CSP's img-src data:)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, dark="#000", light="#fff")


def format_secret(secret: str) -> str:
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _normalise(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())[:40]


def _recovery_hash(user_id: int, code: str) -> str:
    return hashlib.sha256(f"{user_id}:{_normalise(code)}".encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    db.session.execute(delete(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user.id))
    db.session.add_all(MfaRecoveryCode(user_id=user.id, code_hash=_recovery_hash(user.id, c)) for c in codes)
    return codes


def _totp_step(secret: str, code: str, last_step: int | None, now: float | None = None) -> int | None:
    """The time step a code belongs to (this one or one either side, for clock drift), or None."""
    code = _normalise(code)
    if len(code) != 6 or not is_ascii_digits(code):
        return None
    now = time.time() if now is None else now
    totp = pyotp.TOTP(secret)
    current = int(now // _STEP)
    for step in (current, current - 1, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if secrets.compare_digest(totp.at(step * _STEP), code):
            return step
    return None


def confirm_enrolment(actor: User, code: str) -> list[str]:
    """Activate the pending secret with a first code; returns the recovery codes (shown once)."""
    with write_transaction():
        return confirm_enrolment_in_transaction(actor, code)


def confirm_enrolment_in_transaction(actor: User, code: str) -> list[str]:
    """confirm_enrolment inside the caller's write transaction (the caller commits, or rolls
    back on MfaError): the login that must enrol first ends in the same transaction."""
    row = mfa_row(actor)
    if row is None or row.confirmed_at is not None:
        raise MfaError("Börja om: ladda om sidan för att få en ny QR-kod.")
    secret = _read_secret(row)
    step = _totp_step(secret, code, None) if secret else None
    if step is None:
        raise MfaError("Koden stämmer inte. Ange de sex siffrorna som appen visar just nu.")
    row.confirmed_at = utcnow()
    row.last_used_step = step
    codes = _new_recovery_codes(actor)
    record("mfa.enrol", actor, object_type="user", object_id=actor.id)
    return codes


def check_code(user: User, code: str) -> str | None:
    """Check a login code: 'totp' or 'recovery' when accepted (and used up), None otherwise.

    Must be called inside the caller's write transaction; the caller commits.
    """
    row = mfa_row(user)
    if row is None or row.confirmed_at is None:
        return None
    normalised = _normalise(code)
    if len(normalised) == 6 and is_ascii_digits(normalised):
        secret = _read_secret(row)
        step = _totp_step(secret, normalised, row.last_used_step) if secret else None
        if step is None:
            return None
        row.last_used_step = step
        return "totp"
    if len(normalised) == 10:
        used = db.session.execute(
            update(MfaRecoveryCode)
            .where(MfaRecoveryCode.user_id == user.id, MfaRecoveryCode.used_at.is_(None),
                   MfaRecoveryCode.code_hash == _recovery_hash(user.id, normalised))
            .values(used_at=utcnow())
        ).rowcount
        return "recovery" if used else None
    return None


def recovery_codes_left(user: User) -> int:
    return len(db.session.scalars(select(MfaRecoveryCode.id).where(
        MfaRecoveryCode.user_id == user.id, MfaRecoveryCode.used_at.is_(None))).all())


def new_recovery_codes(actor: User) -> list[str]:
    """Replace the user's recovery codes (the old ones stop working)."""
    with write_transaction():
        if not is_enrolled(actor):
            raise MfaError("Aktivera tvåstegsverifiering först.")
        codes = _new_recovery_codes(actor)
        record("mfa.recovery_codes", actor, object_type="user", object_id=actor.id)
    return codes


def reset(actor: User, user: User) -> None:
    """An admin removes a user's second factor (lost phone); the user enrols again at the next
    login, and every session of theirs ends."""
    with write_transaction():
        db.session.execute(delete(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user.id))
        db.session.execute(delete(UserMfa).where(UserMfa.user_id == user.id))
        revoke_all_sessions(user)
        record("mfa.reset", actor, object_type="user", object_id=user.id)


def enrolled_user_ids() -> set[int]:
    return set(db.session.scalars(select(UserMfa.user_id).where(UserMfa.confirmed_at.is_not(None))).all())


@dataclass
class RekeyReport:
    rekeyed: int = 0
    current: int = 0
    # e-mail addresses of enrolled accounts whose secret no configured key opens
    unreadable: list[str] = field(default_factory=list)


def rekey_all() -> RekeyReport:
    """Seal every TOTP secret under the current key (after a rotation, with the old key among
    the fallbacks); afterwards the fallbacks can be removed. Audited as mfa.rekey."""
    report = RekeyReport()
    with write_transaction():
        rows = db.session.execute(select(UserMfa, User.email).join(User, User.id == UserMfa.user_id)
                                  .order_by(UserMfa.id)).all()
        for row, email in rows:
            secret, stale = open_secret(row.secret_encrypted, row.user_id)
            if secret is None:
                # An unconfirmed enrolment gets a new secret when its page is next opened.
                if row.confirmed_at is not None:
                    report.unreadable.append(email)
            elif stale:
                row.secret_encrypted = encrypt_secret(secret, row.user_id)
                report.rekeyed += 1
            else:
                report.current += 1
        record("mfa.rekey", None, detail={"rekeyed": report.rekeyed, "current": report.current,
                                          "unreadable": len(report.unreadable)})
    return report
