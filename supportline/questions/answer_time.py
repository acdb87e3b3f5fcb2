"""How long an answer usually takes, for the text on /fraga: measured, never promised."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from sqlalchemy import func, select

from supportline.db import utcnow
from supportline.extensions import db
from supportline.inquiries.models import Inquiry, TimelineEntry
from supportline.transactions import end_read

PERIOD_DAYS = 90
MIN_ANSWERED = 5


def _duration_sv(seconds: float) -> str:
    hours = seconds / 3600
    if hours < 1:
        return "en timme"
    if hours < 36:
        n = round(hours)
        return f"{n} timm{'e' if n == 1 else 'ar'}"
    days = round(hours / 24)
    return f"{days} dagar"


def usual_answer_time(now: dt.datetime | None = None) -> str | None:
    """"hälften av frågorna fick svar inom …" over the questions of the last PERIOD_DAYS that
    got an answer (the first answer to each), or None with fewer than MIN_ANSWERED of them."""
    since = (now or utcnow()) - dt.timedelta(days=PERIOD_DAYS)
    first_reply = (select(TimelineEntry.inquiry_id, func.min(TimelineEntry.at).label("at"))
                   .where(TimelineEntry.kind == "reply").group_by(TimelineEntry.inquiry_id).subquery())
    rows = db.session.execute(
        select(Inquiry.received_at, first_reply.c.at).join(first_reply, first_reply.c.inquiry_id == Inquiry.id)
        .where(Inquiry.channel == "web", Inquiry.received_at >= since)).all()
    end_read()
    waits = [(answered - received).total_seconds() for received, answered in rows if answered and received]
    if len(waits) < MIN_ANSWERED:
        return None
    return _duration_sv(statistics.median(waits))


def _span_sv(seconds: float) -> str:
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} dag{'ar' if days != 1 else ''} {hours} tim"
    if hours:
        return f"{hours} tim {minutes} min"
    return f"{minutes} min"


def waited_text(since: dt.datetime, now: dt.datetime | None = None) -> str:
    """How long a question has waited, counted in the line's opening hours (a question sent on
    Thursday afternoon has not waited while the line was closed)."""
    from supportline.hours.service import opening_seconds_between

    seconds = opening_seconds_between(since, now or utcnow())
    return "Har väntat " + _span_sv(max(0, seconds)) + " i öppettid"


@dataclass(frozen=True)
class Due:
    at: dt.datetime | None  # None: no opening hours ahead to count the target in
    overdue: bool


def answer_due(received_at: dt.datetime, now: dt.datetime | None = None) -> Due:
    """When the answer is due by the answer-time target (opening days, a setting). A week with
    no opening hours at all has no due time; the list still shows the question."""
    from supportline.hours.service import answer_due_at

    try:
        at = answer_due_at(received_at)
    except ValueError:
        return Due(None, False)
    return Due(at, (now or utcnow()) > at)


def target_days() -> int:
    from supportline.hours.service import target_days as days

    return days()
