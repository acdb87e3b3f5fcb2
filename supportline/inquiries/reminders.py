"""The daily follow-up reminder. In the app the reminder is the "Mina uppföljningar" list on
the start page; this job records, once a day per handler, what was due, so loggkontroll and
the handler's e-mail (when SMTP is configured) can build on one place."""

from __future__ import annotations

import logging
import smtplib

from sqlalchemy import func, or_, select

from supportline.audit.service import record
from supportline.auth.models import User
from supportline.extensions import db
from supportline.inquiries.models import Inquiry
from supportline.inquiries.service import today_local
from supportline.swedish import antal
from supportline.transactions import write_transaction

log = logging.getLogger(__name__)


def due_counts() -> dict[int, int]:
    """Handler id -> number of open inquiries whose follow-up is due today or overdue."""
    owner = func.coalesce(Inquiry.assignee_id, Inquiry.created_by_id)
    rows = db.session.execute(
        select(owner, func.count()).where(Inquiry.follow_up_on.is_not(None), Inquiry.follow_up_on <= today_local(),
                                          Inquiry.status != "closed").group_by(owner)
    ).all()
    return {user_id: count for user_id, count in rows}


def send_follow_up_reminders() -> int:
    """Record a reminder for every active handler with something due; returns how many."""
    counts = due_counts()
    with write_transaction():
        users = db.session.scalars(select(User).where(User.id.in_(counts), User.active.is_(True),
                                                      or_(User.role == "handler", User.role == "admin"))).all()
        mailed = []
        for user in users:
            sent = _mail(user, counts[user.id])
            if sent:
                mailed.append(user.id)
            record("inquiry.reminder", None, object_type="user", object_id=user.id,
                   detail={"due": counts[user.id], "on": today_local().isoformat(), "emailed": sent})
    log.info("follow-up reminders for %d handlers, %d by e-mail", len(users), len(mailed))
    return len(users)


def _mail(user: User, due: int) -> bool:
    """An e-mail that something waits, without any case text; False when not sent."""
    from flask import current_app

    from supportline.mail import mail_configured, send_mail

    if not mail_configured():
        return False
    base = current_app.config["SUPPORTLINE_BASE_URL"].rstrip("/")
    body = (f"Hej {user.display_name}!\n\n"
            f"Du har {antal(due, 'ärende', 'ärenden')} att följa upp i dag eller som har passerat "
            f"uppföljningsdatum.\n\nLogga in för att se dem under Mina uppföljningar: {base}/\n\n"
            "Det här meddelandet innehåller inga uppgifter ur ärendena.\n")
    try:
        send_mail(user.email, "Stödtelefonen: ärenden att följa upp", body)
    except (OSError, smtplib.SMTPException):
        log.exception("reminder e-mail to user %s not sent", user.id)
        return False
    return True
