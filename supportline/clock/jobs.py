"""The clock's jobs, as a table with stable ids."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import delete

from supportline.db import utcnow
from supportline.extensions import db
from supportline.transactions import begin_write


@dataclass(frozen=True)
class Job:
    id: str
    name: str
    func: Callable[[], None]
    trigger: str
    trigger_args: dict = field(default_factory=dict)


def prune_auth_records() -> None:
    """Drop login-failure counters and ended sessions nobody needs any more."""
    from supportline.auth.models import LoginFailure, UserSession

    now = utcnow()
    begin_write()
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < now - dt.timedelta(days=1)))
    db.session.execute(delete(UserSession).where(UserSession.created_at < now - dt.timedelta(days=30)))
    db.session.commit()
    from supportline.ratelimit import prune

    prune()


JOBS: list[Job] = [
    Job("prune-auth-records", "Rensa inloggningsspår", prune_auth_records, "cron", {"hour": 3, "minute": 15}),
]
