"""Written questions in /statistik: inquiries with channel `web`, answered when their first
timeline entry of kind `reply` was written. Answer times count opening hours only and the target
is the answer-time target of supportline/hours/ (whole opening days); both use the opening hours
as they are now, changed days included.

The questions of the period are read in one query with their first reply; the opening-hours
arithmetic runs per question in Python (a period holds at most a few thousand)."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field

from sqlalchemy import func, select

from supportline.extensions import db
from supportline.hours import schedule as sched
from supportline.hours.service import load_schedule, target_days
from supportline.inquiries.models import Inquiry, TimelineEntry

WEB = "web"
REPLY = "reply"


@dataclass
class WrittenFigures:
    questions: int = 0
    answered: int = 0
    within_target: int = 0
    # Unanswered although their target has passed; unanswered ones still within it are pending.
    overdue: int = 0
    median_answer_seconds: int | None = None
    target_days: int = 2
    by_sector: dict[str | None, int] = field(default_factory=dict)
    by_county: dict[str | None, int] = field(default_factory=dict)

    @property
    def decided(self) -> int:
        """The questions the target can be judged for: answered, or unanswered past it."""
        return self.answered + self.overdue

    @property
    def within_target_share(self) -> float | None:
        return round(100 * self.within_target / self.decided, 1) if self.decided else None

    @property
    def median_answer_text(self) -> str:
        return opening_time_text(self.median_answer_seconds)


def opening_time_text(seconds: int | None) -> str:
    """"2 tim 30 min" (opening time); "–" when there is none."""
    if seconds is None:
        return "–"
    minutes = round(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} tim {minutes} min" if hours else f"{minutes} min"


def _rows(conds):
    # Each question's first reply by the timeline's inquiry index (ix_inquiries_channel_received_at
    # finds the period's questions), not a grouping of every reply there is.
    first_reply = (select(func.min(TimelineEntry.at))
                   .where(TimelineEntry.inquiry_id == Inquiry.id, TimelineEntry.kind == REPLY).scalar_subquery())
    return db.session.execute(
        select(Inquiry.received_at, Inquiry.caller_sector, Inquiry.county_code, first_reply)
        .where(*conds, Inquiry.channel == WEB)).all()


def written_figures(conds, now: dt.datetime) -> WrittenFigures:
    """The written questions among the inquiries `conds` selects (the report's period and filters)."""
    schedule, days = load_schedule(), target_days()
    figures = WrittenFigures(target_days=days)
    answer_times = []
    for received_at, sector, county, replied_at in _rows(conds):
        figures.questions += 1
        figures.by_sector[sector] = figures.by_sector.get(sector, 0) + 1
        figures.by_county[county] = figures.by_county.get(county, 0) + 1
        due = _due(schedule, received_at, days)
        if replied_at is not None:
            figures.answered += 1
            answer_times.append(sched.opening_seconds_between(schedule, received_at, replied_at))
            if due is None or replied_at <= due:
                figures.within_target += 1
        elif due is not None and now > due:
            figures.overdue += 1
    if answer_times:
        figures.median_answer_seconds = round(statistics.median(answer_times))
    return figures


def _due(schedule: sched.Schedule, received_at: dt.datetime, days: int) -> dt.datetime | None:
    """None when the hours hold no opening day at all (nothing can be late then)."""
    try:
        return sched.answer_due_at(schedule, received_at, days)
    except ValueError:
        return None

