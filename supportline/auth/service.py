"""Accounts, logins, sessions and API tokens. Every change takes the acting user."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select, update

from supportline.audit.service import record
from supportline.auth.models import ApiToken, LoginFailure, Role, User, UserSession
from supportline.auth.passwords import hash_password, password_problem, verify_password
from supportline.db import utcnow
from supportline.extensions import db
from supportline.transactions import begin_write

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


class AccountError(ValueError):
    """A refused account change; the message is Swedish and safe to show."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class LoginThrottled(Exception):
    pass


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _check_role(role: str) -> str:
    try:
        return Role(role).value
    except ValueError:
        raise AccountError("Okänd roll. Välj handläggare, redaktör, samordnare eller administratör.",
                           "role") from None


# --- accounts -----------------------------------------------------------------

def create_user(actor: User | None, email: str, role: str, password: str, name: str = "") -> User:
    email = normalise_email(email)
    if not EMAIL_RE.match(email) or len(email) > 320:
        raise AccountError("Ange en giltig e-postadress.", "email")
    role = _check_role(role)
    problem = password_problem(password, email)
    if problem:
        raise AccountError(problem, "password")
    begin_write()
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError("Det finns redan ett konto med den e-postadressen.", "email")
    user = User(email=email, role=role, name=name.strip()[:200], password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    record("user.create", actor, object_type="user", object_id=user.id, detail={"email": email, "role": role})
    db.session.commit()
    return user


def change_role(actor: User, user: User, role: str) -> None:
    role = _check_role(role)
    begin_write()
    if user.id == actor.id and role != Role.ADMIN:
        raise AccountError("Du kan inte ta bort din egen administratörsroll.", "role")
    old = user.role
    user.role = role
    record("user.role", actor, object_type="user", object_id=user.id, detail={"from": old, "to": role})
    db.session.commit()


def set_active(actor: User, user: User, active: bool) -> None:
    begin_write()
    if user.id == actor.id and not active:
        raise AccountError("Du kan inte inaktivera ditt eget konto.")
    user.active = active
    if not active:
        _revoke_all(user)
    record("user.activate" if active else "user.deactivate", actor, object_type="user", object_id=user.id)
    db.session.commit()


def set_password(actor: User | None, user: User, password: str) -> None:
    problem = password_problem(password, user.email)
    if problem:
        raise AccountError(problem, "password")
    begin_write()
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    _revoke_all(user)
    record("user.password", actor, object_type="user", object_id=user.id)
    db.session.commit()


def _revoke_all(user: User) -> None:
    now = utcnow()
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


# --- login --------------------------------------------------------------------

@dataclass
class LoginResult:
    user: User | None
    session_token: str | None = None
    # 'verify' or 'enrol' when the password was right but a second factor must follow.
    second_step: str | None = None


def _recent_failures(column, value) -> int:
    minutes = current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"]
    since = utcnow() - dt.timedelta(minutes=minutes)
    return db.session.scalar(
        select(func.count()).select_from(LoginFailure).where(column == value, LoginFailure.at >= since)
    ) or 0


def _check_throttle(email: str, remote_addr: str) -> None:
    cfg = current_app.config
    if (_recent_failures(LoginFailure.email, email) >= cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
            or _recent_failures(LoginFailure.remote_addr, remote_addr) >= cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"]):
        begin_write()
        record("login.throttled", None, actor=email, detail={"remote_addr": remote_addr})
        db.session.commit()
        raise LoginThrottled()


def authenticate(email: str, password: str, remote_addr: str) -> LoginResult:
    """Check a login. Raises LoginThrottled when the account or address has failed too often.

    Failures are counted in the database so that every worker process sees the same count.
    When a second factor is due, no session is made yet: see complete_second_step.
    """
    from supportline.auth import mfa

    email = normalise_email(email)[:320]
    remote_addr = (remote_addr or "okänd")[:64]
    _check_throttle(email, remote_addr)
    user = get_user_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    begin_write()
    if not ok or user is None or not user.active:
        db.session.add(LoginFailure(email=email, remote_addr=remote_addr))
        reason = "unknown" if user is None else ("inactive" if not user.active else "password")
        record("login.failed", user, actor=email, detail={"reason": reason})
        db.session.commit()
        return LoginResult(None)
    step = mfa.second_step(user)
    if step is not None:
        record("login.password_ok", user, detail={"next": step})
        db.session.commit()
        return LoginResult(user, None, step)
    token = _new_session(user, remote_addr)
    record("login", user)
    db.session.commit()
    return LoginResult(user, token)


def _new_session(user: User, remote_addr: str | None) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(token_hash=_token_hash(token), user_id=user.id,
                               remote_addr=(remote_addr or "okänd")[:64]))
    return token


def complete_second_step(user_id: int, code: str, remote_addr: str) -> LoginResult:
    """The second step of a login whose password was right: a TOTP or recovery code.

    Wrong codes count as failed logins (the same throttle), so the six digits cannot be guessed.
    """
    from supportline.auth import mfa

    remote_addr = (remote_addr or "okänd")[:64]
    user = db.session.get(User, user_id)
    if user is None:
        return LoginResult(None)
    _check_throttle(user.email, remote_addr)
    begin_write()
    method = mfa.check_code(user, code) if user.active else None
    if method is None:
        db.session.add(LoginFailure(email=user.email, remote_addr=remote_addr))
        record("login.failed", user, detail={"reason": "second_factor"})
        db.session.commit()
        return LoginResult(None)
    token = _new_session(user, remote_addr)
    record("login", user, detail={"second_factor": method})
    db.session.commit()
    return LoginResult(user, token)


def start_session_after_enrolment(user: User, remote_addr: str) -> str:
    """The login of a user who had to enrol first ends here, their first code just confirmed."""
    begin_write()
    token = _new_session(user, remote_addr)
    record("login", user, detail={"second_factor": "enrolment"})
    db.session.commit()
    return token


def change_own_password(user: User, current: str, new: str, remote_addr: str) -> str:
    """A user changes their own password. Every session of theirs ends, this one included, and
    a fresh session token is returned for the browser that made the change.

    A wrong current password counts as a failed login, so a borrowed session cannot be used to
    guess it.
    """
    remote_addr = (remote_addr or "okänd")[:64]
    _check_throttle(user.email, remote_addr)
    if not verify_password(user.password_hash, current or ""):
        begin_write()
        db.session.add(LoginFailure(email=user.email, remote_addr=remote_addr))
        record("user.password_failed", user, object_type="user", object_id=user.id)
        db.session.commit()
        raise AccountError("Det nuvarande lösenordet stämmer inte.", "current_password")
    if new == current:
        raise AccountError("Välj ett annat lösenord än det nuvarande.", "new_password")
    problem = password_problem(new, user.email)
    if problem:
        raise AccountError(problem, "new_password")
    begin_write()
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    _revoke_all(user)
    token = _new_session(user, remote_addr)
    record("user.password", user, object_type="user", object_id=user.id, detail={"self": True})
    db.session.commit()
    return token


def logout_everywhere(user: User) -> None:
    """End every session of the user, on every device."""
    begin_write()
    _revoke_all(user)
    record("logout.everywhere", user, object_type="user", object_id=user.id)
    db.session.commit()


def load_session(token: str | None) -> UserSession | None:
    """The live session for a cookie's token, touching its idle timer; None if expired or revoked."""
    if not token:
        return None
    row = db.session.scalar(select(UserSession).where(UserSession.token_hash == _token_hash(token)))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    now = utcnow()
    cfg = current_app.config
    idle = dt.timedelta(minutes=cfg["SESSION_IDLE_MINUTES"])
    absolute = dt.timedelta(hours=cfg["SESSION_ABSOLUTE_HOURS"])
    if now - row.last_seen_at > idle or now - row.created_at > absolute:
        return None
    # Only write when the idle clock has moved noticeably, so page views stay read-only.
    if now - row.last_seen_at > dt.timedelta(seconds=60):
        begin_write()
        db.session.execute(update(UserSession).where(UserSession.id == row.id).values(last_seen_at=now))
        db.session.commit()
    return row


def logout(user: User, token: str | None) -> None:
    begin_write()
    if token:
        db.session.execute(
            update(UserSession)
            .where(UserSession.token_hash == _token_hash(token), UserSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    record("logout", user)
    db.session.commit()


# --- API tokens ---------------------------------------------------------------

def issue_api_token(actor: User | None, user: User) -> str:
    """A new token, shown once; only its hash is stored."""
    token = "slt_" + secrets.token_urlsafe(32)
    begin_write()
    db.session.add(ApiToken(token_hash=_token_hash(token), user_id=user.id))
    record("token.issue", actor, object_type="user", object_id=user.id)
    db.session.commit()
    return token


def user_for_api_token(token: str) -> User | None:
    row = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _token_hash(token), ApiToken.revoked_at.is_(None))
    )
    if row is None or not row.user.active:
        return None
    return row.user
