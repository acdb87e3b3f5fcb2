"""The clock's jobs, as a table with stable ids."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import delete

from supportline.db import utcnow
from supportline.extensions import db
from supportline.transactions import write_transaction


@dataclass(frozen=True)
class Job:
    id: str
    name: str
    func: Callable[[], None]
    trigger: str
    trigger_args: dict = field(default_factory=dict)
    run_at_start: bool = False


def prune_auth_records() -> None:
    """Drop login-failure counters, ended sessions and half-way logins nobody needs any more."""
    from supportline.auth.models import LoginFailure, PendingLogin, UserSession

    now = utcnow()
    with write_transaction():
        db.session.execute(delete(LoginFailure).where(LoginFailure.at < now - dt.timedelta(days=1)))
        db.session.execute(delete(UserSession).where(UserSession.created_at < now - dt.timedelta(days=30)))
        # A half-way login lives minutes; a day's worth stays for looking into odd logins.
        db.session.execute(delete(PendingLogin).where(PendingLogin.created_at < now - dt.timedelta(days=1)))
    from supportline.ratelimit import prune

    prune()


def handover_tick() -> None:
    """Compare the handover ledger with the schedule and run whatever is missing."""
    from supportline.handover.service import HandoverError, run_due

    try:
        run_due(trigger="clock")
    except HandoverError as exc:
        import logging

        logging.getLogger(__name__).error("handover export not done: %s", exc)


def follow_up_reminders() -> None:
    from supportline.inquiries.reminders import send_follow_up_reminders

    send_follow_up_reminders()


def retention() -> None:
    """Anonymise closed inquiries and remove call-back details whose time is up (gallring)."""
    from supportline.retention.service import run

    run(trigger="clock")


def statistics_snapshot() -> None:
    """Freeze the figures of the quarter that last ended; a no-op once it is frozen."""
    from supportline.stats.snapshots import freeze_last_quarter

    freeze_last_quarter()


def statistics_months() -> None:
    """Count again the months whose inquiries changed (all of them after an upgrade or an import)."""
    from supportline.stats.summary import refresh

    refresh()


JOBS: list[Job] = [
    # Every few minutes rather than once a night: the ledger, not the trigger, decides
    # what is due, so a run missed while the clock was down happens as soon as it is up.
    Job("handover", "Överlämning till NCK", handover_tick, "interval", {"minutes": 5},
        run_at_start=True),
    Job("prune-auth-records", "Rensa inloggningsspår", prune_auth_records, "cron", {"hour": 3, "minute": 15}),
    Job("follow-up-reminders", "Påminnelser om uppföljning", follow_up_reminders, "cron", {"hour": 7, "minute": 0}),
    # Daily; a missed night is caught up by the next, as the rules compare dates, not runs.
    Job("retention", "Gallring", retention, "cron", {"hour": 2, "minute": 30}),
    # Daily and at start rather than on the first of each quarter: the table, not the trigger,
    # says whether the quarter is frozen, so a clock that was down on the day catches up.
    Job("statistics-snapshot", "Frys kvartalets statistik", statistics_snapshot, "cron", {"hour": 1, "minute": 10},
        run_at_start=True),
    # A request counts a few changed months itself; this catches up with any number of them.
    Job("statistics-months", "Räkna om statistikens månader", statistics_months, "interval", {"minutes": 5},
        run_at_start=True),
]
