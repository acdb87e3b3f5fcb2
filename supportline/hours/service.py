"""The line's opening hours: the one place the public texts, the answer-time target, "waited" and
the statistics read them from. The arithmetic lives in schedule.py; this module loads the
schedule from the database and keeps the admin's changes (audited).

The answer-time target is `SUPPORTLINE_ANSWER_TARGET_DAYS` opening days (default 2): an answer is
due when the line closes on the second whole opening day after the question came (see
schedule.answer_due_at). Answer times themselves are counted in opening hours."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from flask import current_app, g
from sqlalchemy import delete, select

from supportline.audit import service as audit
from supportline.dates import today_local
from supportline.extensions import db
from supportline.hours import schedule as sched
from supportline.hours.models import ChangedDay, HoursSettings, WeeklyHours
from supportline.hours.schedule import Change, Schedule, Span
from supportline.transactions import write_transaction

DEFAULT_TARGET_DAYS = 2
# Changed days the public texts announce ahead (the contact line and the week's hours).
ANNOUNCE_DAYS = 45
_CACHE = "_opening_schedule"
_PUBLIC = "_public_hours"


class HoursError(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


# --- reading ------------------------------------------------------------------------------------

def load_schedule() -> Schedule:
    """The schedule as stored, read once per request or app context (the changes are few)."""
    cached = g.get(_CACHE)
    if cached is not None:
        return cached
    weekly = {row.weekday: (row.opens, row.closes) for row in db.session.scalars(select(WeeklyHours))}
    changes = {row.day: Change(row.day, None if row.closed else (row.opens, row.closes), row.note)
               for row in db.session.scalars(select(ChangedDay))}
    result = Schedule(weekly, changes)
    g.setdefault(_CACHE, result)
    return result


def _forget() -> None:
    g.pop(_CACHE, None)
    g.pop(_PUBLIC, None)
    forget_public_hours(current_app)


def forget_public_hours(app) -> None:
    """Drop this process's copy of the public hours (a change here shows on its next page)."""
    app.extensions.pop(_PUBLIC, None)


def target_days() -> int:
    return int(current_app.config.get("SUPPORTLINE_ANSWER_TARGET_DAYS", DEFAULT_TARGET_DAYS))


def opening_seconds_between(start: dt.datetime, end: dt.datetime) -> int:
    """Seconds between two aware instants that fall inside the opening hours (changed days and
    DST included)."""
    return sched.opening_seconds_between(load_schedule(), start, end)


def answer_due_at(received_at: dt.datetime) -> dt.datetime:
    """The answer-time target for a question received at `received_at`: the close of the
    SUPPORTLINE_ANSWER_TARGET_DAYS-th whole opening day after it came (UTC). ValueError if the
    hours hold no opening day for 800 days (the admin page keeps at least one open weekday)."""
    return sched.answer_due_at(load_schedule(), received_at, target_days())


def is_open(at: dt.datetime) -> bool:
    return sched.is_open(load_schedule(), at)


def next_opening(at: dt.datetime) -> dt.datetime | None:
    return sched.next_opening(load_schedule(), at)


def is_confirmed() -> bool:
    return bool(db.session.scalar(select(HoursSettings.confirmed).where(HoursSettings.id == 1)))


@dataclass(frozen=True)
class DayHours:
    day: dt.date
    spans: list[Span]
    note: str | None  # set when the day differs from the week

    @property
    def name(self) -> str:
        return sched.DAY_NAMES[self.day.weekday()]

    @property
    def text(self) -> str:
        return ", ".join(sched.span_text(s) for s in self.spans) if self.spans else "stängt"


def week_hours(today: dt.date | None = None) -> list[DayHours]:
    """Monday to Sunday of the week `today` is in, each day as it really is (changes applied)."""
    today = today or today_local()
    schedule = load_schedule()
    monday = today - dt.timedelta(days=today.weekday())
    days = []
    for offset in range(7):
        day = monday + dt.timedelta(days=offset)
        change = schedule.changes.get(day)
        days.append(DayHours(day, schedule.spans_on(day), change.note if change else None))
    return days


def upcoming_changes(today: dt.date | None = None, days: int | None = ANNOUNCE_DAYS) -> list[Change]:
    """Changed days from today on (within `days` days; None: all), earliest first."""
    today = today or today_local()
    last = today + dt.timedelta(days=days) if days is not None else dt.date.max
    return sorted((c for c in load_schedule().changes.values() if today <= c.day <= last), key=lambda c: c.day)


def weekly_text() -> str:
    return sched.weekly_text(load_schedule().weekly)


def changes_text(today: dt.date | None = None) -> str | None:
    changes = upcoming_changes(today)
    return "; ".join(sched.change_text(c) for c in changes) or None


@dataclass(frozen=True)
class PublicHours:
    """What the public texts say: the week and the coming changes, or nothing while unconfirmed."""

    confirmed: bool
    hours: str | None
    changed_hours: str | None


def public_hours_read() -> PublicHours | None:
    """The public hours this request has read (None: not yet, or dropped by a change), for what
    is made from them and kept for the request."""
    return g.get(_PUBLIC)


def public_hours() -> PublicHours:
    """Read once per request, and kept by the process for SUPPORTLINE_PUBLIC_HOURS_SECONDS
    (default 30): every public page and its ETag show them, and they change a few times a
    year, so an anonymous page need not ask the database three times for them. A change made
    in this process shows at once (_forget), in another within those seconds, which is less
    than the public pages' own max-age."""
    cached = g.get(_PUBLIC)
    if cached is not None:
        return cached
    seconds = current_app.config.get("SUPPORTLINE_PUBLIC_HOURS_SECONDS", 30)
    today = today_local()
    kept = current_app.extensions.get(_PUBLIC)
    if seconds and kept is not None and kept[1] == today and time.monotonic() - kept[0] < seconds:
        result = kept[2]
    else:
        confirmed = is_confirmed()
        result = PublicHours(confirmed, weekly_text() if confirmed else None,
                             changes_text() if confirmed else None)
        current_app.extensions[_PUBLIC] = (time.monotonic(), today, result)
    g.setdefault(_PUBLIC, result)
    return result


def public_week(today: dt.date | None = None) -> dict | None:
    """This week's hours day by day and the coming changed days, for a public page (the partial
    site/_opening_hours.html); None while the hours are not confirmed. A page that shows it must
    not be cached across weeks."""
    if not public_hours().confirmed:
        return None
    changes = upcoming_changes(today)
    return {"weekly": weekly_text(), "week": week_hours(today),
            "changes": [(sched.date_text(c.day), sched.span_text(c.span) if c.span else "stängt", c.note)
                        for c in changes]}


# --- changing -----------------------------------------------------------------------------------

def set_weekly_hours(actor, weekly: dict[int, Span], confirmed: bool) -> None:
    """Replace the regular week (weekdays missing from `weekly` are closed) and say whether the
    operator has confirmed the hours for the public."""
    errors = check_weekly(weekly)
    if errors:
        raise HoursError(errors)
    with write_transaction():
        before = {row.weekday: [row.opens, row.closes] for row in db.session.scalars(select(WeeklyHours))}
        db.session.execute(delete(WeeklyHours))
        for weekday, (opens, closes) in sorted(weekly.items()):
            db.session.add(WeeklyHours(weekday=weekday, opens=opens, closes=closes))
        settings = db.session.get(HoursSettings, 1) or HoursSettings(id=1)
        was_confirmed = bool(settings.confirmed)
        settings.confirmed, settings.updated_by_id = confirmed, actor.id if actor is not None else None
        settings.updated_at = dt.datetime.now(dt.UTC)
        db.session.add(settings)
        audit.record("hours.weekly_set", actor, object_type="opening_hours", detail={
            "before": {str(k): v for k, v in sorted(before.items())},
            "after": {str(k): list(v) for k, v in sorted(weekly.items())},
            "confirmed": confirmed, "was_confirmed": was_confirmed})
    _forget()


def check_weekly(weekly: dict[int, Span]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for weekday, (opens, closes) in weekly.items():
        if not 0 <= weekday <= 6:
            errors[f"day{weekday}"] = "Okänd veckodag."
        elif not 0 <= opens < closes <= 1440:
            errors[f"day{weekday}"] = "Stängningstiden måste vara senare än öppningstiden."
    if not weekly and not errors:
        errors["week"] = ("Minst en dag i veckan måste ha öppet; för en stängd period, lägg in "
                          "ändrade dagar i stället.")
    return errors


def add_change(actor, day: dt.date, span: Span | None, note: str) -> ChangedDay:
    """Add a changed day: closed (span None) or open at other times, with a note for the public."""
    note = " ".join((note or "").split())
    errors: dict[str, str] = {}
    if not note:
        errors["note"] = "Skriv en kort anteckning som visas för besökarna, t.ex. ”julafton”."
    elif len(note) > 120:
        errors["note"] = "Anteckningen får vara högst 120 tecken."
    if span is not None and not 0 <= span[0] < span[1] <= 1440:
        errors["closes"] = "Stängningstiden måste vara senare än öppningstiden."
    if errors:
        raise HoursError(errors)
    with write_transaction():
        if db.session.scalar(select(ChangedDay.id).where(ChangedDay.day == day)) is not None:
            raise HoursError({"day": f"{sched.date_text(day)} {day.year} har redan ändrade tider; "
                                     "ta bort den raden först."})
        row = ChangedDay(day=day, opens=span[0] if span else None, closes=span[1] if span else None, note=note)
        db.session.add(row)
        db.session.flush()
        audit.record("hours.change_add", actor, object_type="opening_hours_change", object_id=row.id,
                     detail={"day": day.isoformat(), "span": list(span) if span else None, "note": note})
    _forget()
    return row


def remove_change(actor, change_id: int) -> bool:
    """Remove a changed day; False if there was none with that id."""
    with write_transaction():
        row = db.session.get(ChangedDay, change_id)
        if row is None:
            return False
        audit.record("hours.change_remove", actor, object_type="opening_hours_change", object_id=row.id,
                     detail={"day": row.day.isoformat(), "span": None if row.closed else [row.opens, row.closes],
                             "note": row.note})
        db.session.delete(row)
    _forget()
    return True


def all_changes() -> list[ChangedDay]:
    return list(db.session.scalars(select(ChangedDay).order_by(ChangedDay.day)))
