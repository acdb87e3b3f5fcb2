"""Accounts, logins, sessions and API tokens. Every change takes the acting user."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select, update

from supportline.audit.service import record
from supportline.auth import mfa
from supportline.auth.models import ApiToken, LoginFailure, PendingLogin, Role, User, UserSession
from supportline.auth.passwords import hash_password, password_problem, verify_password
from supportline.auth.sessions import revoke_all_sessions
from supportline.db import utcnow
from supportline.extensions import db
from supportline.transactions import write_transaction

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


class AccountError(ValueError):
    """A refused account change; the message is Swedish and safe to show."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class LoginThrottled(Exception):
    """Too many failed logins; `retry_after` is how many seconds until one more is allowed."""

    def __init__(self, retry_after: int):
        super().__init__(f"login throttled for {retry_after} s")
        self.retry_after = retry_after


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

def create_user(actor: User | None, email: str, role: str, password: str, name: str = "", *,
                temporary: bool = False) -> User:
    """A new account. temporary=True when someone other than its owner chose the password
    (an admin): the owner must change it at the first login."""
    email = normalise_email(email)
    if not EMAIL_RE.match(email) or len(email) > 320:
        raise AccountError("Ange en giltig e-postadress.", "email")
    role = _check_role(role)
    problem = password_problem(password, email)
    if problem:
        raise AccountError(problem, "password")
    with write_transaction():
        if db.session.scalar(select(User.id).where(User.email == email)) is not None:
            raise AccountError("Det finns redan ett konto med den e-postadressen.", "email")
        user = User(email=email, role=role, name=name.strip()[:200], password_hash=hash_password(password),
                    must_change_password=temporary)
        db.session.add(user)
        db.session.flush()
        record("user.create", actor, object_type="user", object_id=user.id,
               detail={"email": email, "role": role, "temporary_password": temporary})
    return user


def change_role(actor: User, user: User, role: str) -> None:
    role = _check_role(role)
    with write_transaction():
        if user.id == actor.id and role != Role.ADMIN:
            raise AccountError("Du kan inte ta bort din egen administratörsroll.", "role")
        old = user.role
        user.role = role
        record("user.role", actor, object_type="user", object_id=user.id, detail={"from": old, "to": role})


def set_active(actor: User, user: User, active: bool) -> None:
    """Deactivation ends the account's sessions and revokes its API tokens for good: activating
    it again must not bring back a credential that was handed out before."""
    with write_transaction():
        if user.id == actor.id and not active:
            raise AccountError("Du kan inte inaktivera ditt eget konto.")
        user.active = active
        if not active:
            revoke_all_sessions(user)
            revoked = _revoke_api_tokens(user)
            if revoked:
                record("token.revoke", actor, object_type="user", object_id=user.id,
                       detail={"tokens": revoked, "reason": "deactivate"})
        record("user.activate" if active else "user.deactivate", actor, object_type="user", object_id=user.id)


def set_password(actor: User | None, user: User, password: str) -> None:
    problem = password_problem(password, user.email)
    if problem:
        raise AccountError(problem, "password")
    with write_transaction():
        user.password_hash = hash_password(password)
        user.password_changed_at = utcnow()
        revoke_all_sessions(user)
        record("user.password", actor, object_type="user", object_id=user.id)


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


# --- login --------------------------------------------------------------------

@dataclass
class LoginResult:
    user: User | None
    session_token: str | None = None
    # 'verify' or 'enrol' when the password was right but a second factor must follow.
    second_step: str | None = None
    # The random token of the half-way login (its hash is the PendingLogin row).
    pending_token: str | None = None
    # The half-way login is unknown, used, too old or out of attempts: start again at /login.
    expired: bool = False


# A half-way login (password right, second factor due) lasts this long and allows this many
# codes; after that the password must be given again.
PENDING_LOGIN_MINUTES = 10
PENDING_LOGIN_MAX_ATTEMPTS = 5


def _recent_failures(column, value) -> int:
    minutes = current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"]
    since = utcnow() - dt.timedelta(minutes=minutes)
    return db.session.scalar(
        select(func.count()).select_from(LoginFailure).where(column == value, LoginFailure.at >= since)
    ) or 0


def _seconds_until_below(column, value, count: int, limit: int) -> int:
    """When enough of the counted failures have left the window for one more try: the one that
    must leave last is the (count - limit + 1)-th oldest."""
    window = dt.timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])
    since = utcnow() - window
    at = db.session.scalar(select(LoginFailure.at).where(column == value, LoginFailure.at >= since)
                           .order_by(LoginFailure.at).offset(count - limit).limit(1))
    if at is None:
        return 1
    return max(1, math.ceil((at + window - utcnow()).total_seconds()))


def _check_throttle(email: str, remote_addr: str) -> None:
    cfg = current_app.config
    waits = []
    for column, value, limit in ((LoginFailure.email, email, cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"]),
                                 (LoginFailure.remote_addr, remote_addr, cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"])):
        count = _recent_failures(column, value)
        if count >= limit:
            waits.append(_seconds_until_below(column, value, count, limit))
    if waits:
        # Recorded in a transaction of its own, committed before the refusal is raised: the
        # audit log must show the throttled attempt although the request then fails.
        with write_transaction():
            record("login.throttled", None, actor=email, detail={"remote_addr": remote_addr})
        raise LoginThrottled(max(waits))


def authenticate(email: str, password: str, remote_addr: str) -> LoginResult:
    """Check a login. Raises LoginThrottled when the account or address has failed too often.

    Failures are counted in the database so that every worker process sees the same count.
    When a second factor is due, no session is made yet: see complete_second_step.
    """
    email = normalise_email(email)[:320]
    remote_addr = (remote_addr or "okänd")[:64]
    _check_throttle(email, remote_addr)
    user = get_user_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    with write_transaction():
        if not ok or user is None or not user.active:
            # The failure counts (and is audited) although the login is refused: the block
            # commits because the refusal is a result, not an exception.
            db.session.add(LoginFailure(email=email, remote_addr=remote_addr))
            reason = "unknown" if user is None else ("inactive" if not user.active else "password")
            record("login.failed", user, actor=email, detail={"reason": reason})
            return LoginResult(None)
        step = mfa.second_step(user)
        if step is not None:
            pending_token = secrets.token_urlsafe(32)
            db.session.add(PendingLogin(token_hash=_token_hash(pending_token), user_id=user.id, step=step))
            record("login.password_ok", user, detail={"next": step})
            return LoginResult(user, None, step, pending_token=pending_token)
        token = _new_session(user, remote_addr)
        record("login", user)
    return LoginResult(user, token)


def _new_session(user: User, remote_addr: str | None) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(token_hash=_token_hash(token), user_id=user.id,
                               remote_addr=(remote_addr or "okänd")[:64]))
    return token


def pending_login(token: str | None, step: str, *, for_update: bool = False) -> PendingLogin | None:
    """The half-way login a cookie's token names, if it is for this step, unused, recent and
    its user active. A row out of attempts is still returned: the caller refuses it after the
    throttle check, so that a locked account answers 429 as it would at the password.
    """
    if not token:
        return None
    stmt = select(PendingLogin).where(PendingLogin.token_hash == _token_hash(token))
    if for_update:
        # Read the row afresh, not from the session's earlier look at it: a parallel request
        # with the same token may have used it up since.
        stmt = stmt.execution_options(populate_existing=True)
        if db.engine.dialect.name == "postgresql":
            # Two requests with the same token queue here; SQLite's write lock already does that.
            stmt = stmt.with_for_update()
    row = db.session.scalar(stmt)
    if row is None or row.step != step or row.consumed_at is not None or not row.user.active:
        return None
    if utcnow() - row.created_at > dt.timedelta(minutes=PENDING_LOGIN_MINUTES):
        return None
    return row


def _claim_pending(token: str | None, step: str) -> PendingLogin | None:
    """Inside a write transaction: the half-way login, locked, or None (ended as out of
    attempts when it is)."""
    row = pending_login(token, step, for_update=True)
    if row is not None and row.attempts >= PENDING_LOGIN_MAX_ATTEMPTS:
        row.consumed_at = utcnow()
        record("login.pending_exhausted", row.user, detail={"step": step})
        return None
    return row


def complete_second_step(pending_token: str | None, code: str, remote_addr: str) -> LoginResult:
    """The second step of a login whose password was right: a TOTP or recovery code.

    Wrong codes count as failed logins (the same throttle), so the six digits cannot be guessed,
    and as attempts on this half-way login. A right code uses the half-way login up.
    """
    remote_addr = (remote_addr or "okänd")[:64]
    row = pending_login(pending_token, "verify")
    if row is None:
        return LoginResult(None, expired=True)
    _check_throttle(row.user.email, remote_addr)
    with write_transaction():
        row = _claim_pending(pending_token, "verify")
        if row is None:
            return LoginResult(None, expired=True)
        user = row.user
        method = mfa.check_code(user, code)
        if method is None:
            row.attempts += 1
            db.session.add(LoginFailure(email=user.email, remote_addr=remote_addr))
            record("login.failed", user, detail={"reason": "second_factor"})
            return LoginResult(None)
        row.consumed_at = utcnow()
        token = _new_session(user, remote_addr)
        record("login", user, detail={"second_factor": method})
    return LoginResult(user, token)


def complete_enrolment(pending_token: str | None, code: str, remote_addr: str) -> tuple[LoginResult, list[str]]:
    """The login of a user who had to enrol first: their first code confirms the second factor
    and starts the session in one transaction, using the half-way login up.

    Returns the login and the recovery codes; raises MfaError (Swedish) for a wrong code, which
    counts as an attempt on the half-way login.
    """
    remote_addr = (remote_addr or "okänd")[:64]
    refused: mfa.MfaError | None = None
    with write_transaction():
        row = _claim_pending(pending_token, "enrol")
        if row is None:
            return LoginResult(None, expired=True), []
        user = row.user
        try:
            codes = mfa.confirm_enrolment_in_transaction(user, code)
        except mfa.MfaError as error:
            # Nothing of the enrolment was changed; only the attempt is kept, so the block
            # must commit and the refusal is raised after it.
            row.attempts += 1
            refused = error
        else:
            row.consumed_at = utcnow()
            token = _new_session(user, remote_addr)
            record("login", user, detail={"second_factor": "enrolment"})
    if refused is not None:
        raise refused
    return LoginResult(user, token), codes


def change_own_password(user: User, current: str, new: str, remote_addr: str) -> str:
    """A user changes their own password. Every session of theirs ends, this one included, and
    a fresh session token is returned for the browser that made the change.

    A wrong current password counts as a failed login, so a borrowed session cannot be used to
    guess it.
    """
    remote_addr = (remote_addr or "okänd")[:64]
    _check_throttle(user.email, remote_addr)
    if not verify_password(user.password_hash, current or ""):
        # The failure is committed before the refusal is raised: it counts towards the throttle.
        with write_transaction():
            db.session.add(LoginFailure(email=user.email, remote_addr=remote_addr))
            record("user.password_failed", user, object_type="user", object_id=user.id)
        raise AccountError("Det nuvarande lösenordet stämmer inte.", "current_password")
    if new == current:
        raise AccountError("Välj ett annat lösenord än det nuvarande.", "new_password")
    problem = password_problem(new, user.email)
    if problem:
        raise AccountError(problem, "new_password")
    with write_transaction():
        user.password_hash = hash_password(new)
        user.must_change_password = False
        user.password_changed_at = utcnow()
        revoke_all_sessions(user)
        token = _new_session(user, remote_addr)
        record("user.password", user, object_type="user", object_id=user.id, detail={"self": True})
    return token


def logout_everywhere(user: User) -> None:
    """End every session of the user, on every device."""
    with write_transaction():
        revoke_all_sessions(user)
        record("logout.everywhere", user, object_type="user", object_id=user.id)


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
    # Only write when the idle clock has moved noticeably, so page views stay read-only; with a
    # short idle limit sooner, so that a request still counts for most of the limit.
    if now - row.last_seen_at > min(dt.timedelta(seconds=60), idle / 4):
        with write_transaction():
            db.session.execute(update(UserSession).where(UserSession.id == row.id).values(last_seen_at=now))
    return row


def logout(user: User, token: str | None) -> None:
    with write_transaction():
        if token:
            db.session.execute(
                update(UserSession)
                .where(UserSession.token_hash == _token_hash(token), UserSession.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
        record("logout", user)


# --- API tokens ---------------------------------------------------------------

API_TOKEN_MAX_DAYS = 3650


def issue_api_token(actor: User | None, user: User, name: str = "", days: int | None = None) -> str:
    """A new token, shown once; only its hash is stored. `days` makes it expire."""
    if days is not None and not 1 <= days <= API_TOKEN_MAX_DAYS:
        raise AccountError(f"Giltighetstiden ska vara 1–{API_TOKEN_MAX_DAYS} dagar.", "days")
    token = "slt_" + secrets.token_urlsafe(32)
    expires_at = utcnow() + dt.timedelta(days=days) if days is not None else None
    with write_transaction():
        row = ApiToken(token_hash=_token_hash(token), user_id=user.id, name=name.strip()[:100],
                       expires_at=expires_at)
        db.session.add(row)
        db.session.flush()
        detail = {"token": row.id}
        if expires_at is not None:
            detail["days"] = days
        record("token.issue", actor, object_type="user", object_id=user.id, detail=detail)
    return token


def live_api_tokens(user: User) -> list[ApiToken]:
    """The user's tokens that still work (neither revoked nor expired), newest first."""
    now = utcnow()
    rows = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                              .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())).all()
    return [row for row in rows if row.is_live(now)]


def _revoke_api_tokens(user: User, token_id: int | None = None) -> list[int]:
    """Revoke the user's unrevoked tokens (or just one), inside the caller's write
    transaction; returns the ids revoked."""
    where = [ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)]
    if token_id is not None:
        where.append(ApiToken.id == token_id)
    ids = list(db.session.scalars(select(ApiToken.id).where(*where).order_by(ApiToken.id)).all())
    if ids:
        db.session.execute(update(ApiToken).where(ApiToken.id.in_(ids), ApiToken.revoked_at.is_(None))
                           .values(revoked_at=utcnow()))
    return ids


def revoke_api_token(actor: User | None, user: User, token_id: int) -> bool:
    """Revoke one of the user's tokens; False if the user has no such unrevoked token."""
    with write_transaction():
        revoked = _revoke_api_tokens(user, token_id)
        if revoked:
            record("token.revoke", actor, object_type="user", object_id=user.id, detail={"tokens": revoked})
    return bool(revoked)


def revoke_all_api_tokens(actor: User | None, user: User) -> int:
    """Revoke every token of the user; returns how many were still unrevoked."""
    with write_transaction():
        revoked = _revoke_api_tokens(user)
        if revoked:
            record("token.revoke", actor, object_type="user", object_id=user.id, detail={"tokens": revoked})
    return len(revoked)


def user_for_api_token(token: str) -> User | None:
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    now = utcnow()
    if row is None or not row.is_live(now) or not row.user.active:
        return None
    # "Last used" to the minute is enough to tell a forgotten token from one in use.
    if row.last_used_at is None or now - row.last_used_at > dt.timedelta(seconds=60):
        with write_transaction():
            db.session.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
    return row.user
