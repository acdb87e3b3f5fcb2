"""Ending a user's sessions: after a new password, a deactivation or a reset of the second
factor. Its own module because both the password service and the second factor call it."""

from __future__ import annotations

from sqlalchemy import update

from supportline.auth.models import PendingLogin, User, UserSession
from supportline.db import utcnow
from supportline.extensions import db


def revoke_all_sessions(user: User) -> None:
    """End every session of the user and every login of theirs still waiting for a second
    factor (one begun with a password that has just been changed must not finish).

    API tokens are not touched here: they are credentials of their own, issued by an operator
    and revoked one by one (or by deactivating the account); see docs/SECURITY.md.
    """
    now = utcnow()
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    db.session.execute(
        update(PendingLogin)
        .where(PendingLogin.user_id == user.id, PendingLogin.consumed_at.is_(None))
        .values(consumed_at=now)
    )
