"""Opening-hours arithmetic, free of Flask and the database: a Schedule (the regular week and the
changed days) and the questions asked of it. Times of day are Swedish local minutes; each date's
spans are turned into UTC instants through the zone, so a day with a DST change is as long as it
really is and an instant is open or not whatever the offset."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from supportline.dates import LOCAL_TZ

Span = tuple[int, int]  # (first minute, minute after the last) of a local day

DAY_NAMES = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
MONTH_NAMES = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
               "oktober", "november", "december")

# How far answer_due_at looks for opening days; validation keeps at least one open weekday,
# so only a year of closed changed days could exhaust it.
SEARCH_DAYS = 800


@dataclass(frozen=True)
class Change:
    day: dt.date
    span: Span | None  # None: closed all day
    note: str


@dataclass(frozen=True)
class Schedule:
    weekly: dict[int, Span] = field(default_factory=dict)  # weekday (0 = Monday) -> span
    changes: dict[dt.date, Change] = field(default_factory=dict)

    def spans_on(self, day: dt.date) -> list[Span]:
        change = self.changes.get(day)
        if change is not None:
            return [change.span] if change.span else []
        span = self.weekly.get(day.weekday())
        return [span] if span else []

    def intervals_on(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """The day's open spans as UTC instants."""
        return [(local_instant(day, start), local_instant(day, end)) for start, end in self.spans_on(day)]


def local_instant(day: dt.date, minute: int) -> dt.datetime:
    """Minute `minute` of the Swedish day `day` as a UTC instant (1440 is the next midnight). A
    wall time that does not exist (the hour skipped in spring) or exists twice (the hour repeated
    in autumn) is read with the offset in force before the change, as zoneinfo does (fold 0)."""
    day = day + dt.timedelta(days=minute // 1440)
    minute %= 1440
    local = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=LOCAL_TZ)
    return local.astimezone(dt.UTC)


def local_date(at: dt.datetime) -> dt.date:
    return _aware(at).astimezone(LOCAL_TZ).date()


def _aware(at: dt.datetime) -> dt.datetime:
    if at.tzinfo is None:
        raise ValueError("naive datetime: give an aware (UTC) instant")
    return at


def _days(first: dt.date, last: dt.date):
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def opening_seconds_between(schedule: Schedule, start: dt.datetime, end: dt.datetime) -> int:
    """Seconds of [start, end) that fall inside the opening hours; 0 if end is not after start."""
    start, end = _aware(start), _aware(end)
    if end <= start:
        return 0
    total = 0.0
    for day in _days(local_date(start), local_date(end)):
        for opens, closes in schedule.intervals_on(day):
            overlap = (min(end, closes) - max(start, opens)).total_seconds()
            if overlap > 0:
                total += overlap
    return int(total)


def is_open(schedule: Schedule, at: dt.datetime) -> bool:
    at = _aware(at)
    return any(opens <= at < closes for opens, closes in schedule.intervals_on(local_date(at)))


def answer_due_at(schedule: Schedule, received_at: dt.datetime, days: int) -> dt.datetime:
    """When an answer is due: at the close of the `days`-th whole opening day after the question
    came. A day counts only if the question was there when the line opened that day, so a
    question sent during opening hours or after closing starts counting on the next opening
    day, and one sent at night or at the weekend counts the next opening day in full."""
    received_at = _aware(received_at)
    if days < 1:
        return received_at
    counted = 0
    first = local_date(received_at)
    for day in _days(first, first + dt.timedelta(days=SEARCH_DAYS)):
        intervals = schedule.intervals_on(day)
        if intervals and received_at <= intervals[0][0]:
            counted += 1
            if counted == days:
                return intervals[-1][1]
    raise ValueError(f"inga öppettider inom {SEARCH_DAYS} dagar")


def next_opening(schedule: Schedule, at: dt.datetime) -> dt.datetime | None:
    """The next instant the line opens after `at` (None if not within the search horizon)."""
    at = _aware(at)
    first = local_date(at)
    for day in _days(first, first + dt.timedelta(days=SEARCH_DAYS)):
        for opens, _closes in schedule.intervals_on(day):
            if opens > at:
                return opens
    return None


# --- texts -------------------------------------------------------------------------------------

def clock(minute: int) -> str:
    """09:00 -> "9", 09:30 -> "9.30" (Swedish style as in "kl. 9–12")."""
    hours, minutes = divmod(minute, 60)
    return f"{hours}" if minutes == 0 else f"{hours}.{minutes:02d}"


def span_text(span: Span) -> str:
    return f"kl. {clock(span[0])}–{clock(span[1])}"


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} och {names[-1]}"


def weekly_text(weekly: dict[int, Span]) -> str:
    """Swedish text of the week: "måndag, onsdag och fredag kl. 9–12"; days with the same hours
    together, consecutive runs of three or more as "måndag–fredag"."""
    groups: dict[Span, list[int]] = {}
    for weekday in sorted(weekly):
        groups.setdefault(weekly[weekday], []).append(weekday)
    parts = []
    for span, days in groups.items():
        if len(days) >= 3 and days == list(range(days[0], days[-1] + 1)):
            names = f"{DAY_NAMES[days[0]]}–{DAY_NAMES[days[-1]]}"
        else:
            names = _join([DAY_NAMES[d] for d in days])
        parts.append(f"{names} {span_text(span)}")
    return "; ".join(parts) if parts else "stängt"


def date_text(day: dt.date) -> str:
    return f"{day.day} {MONTH_NAMES[day.month - 1]}"


def change_text(change: Change) -> str:
    """"24 december: stängt, julafton" or "5 januari: kl. 9–11, trettondagsafton"."""
    what = span_text(change.span) if change.span else "stängt"
    return f"{date_text(change.day)}: {what}, {change.note}"
