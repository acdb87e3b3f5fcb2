"""Importing call records (all or nothing, audited) and the figures /statistik shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import and_, case, false, func, insert, or_, select

from supportline.audit import service as audit
from supportline.calls.models import CallRecord
from supportline.calls.parse import parse_calls
from supportline.extensions import db
from supportline.hours.schedule import Schedule
from supportline.transactions import write_transaction

CHUNK = 500


@dataclass
class ImportResult:
    rows: int
    added: int
    number_columns: list[str]
    ignored_columns: list[str]

    @property
    def already_there(self) -> int:
        return self.rows - self.added


def import_calls(actor, data: bytes, file_name: str = "") -> ImportResult:
    """Read the whole file first (CallFileError names the first bad line and nothing is
    written), then add the calls not already imported."""
    parsed = parse_calls(data)
    with write_transaction():
        keys = [r["record_key"] for r in parsed.rows]
        existing: set[str] = set()
        for i in range(0, len(keys), CHUNK):
            existing.update(db.session.scalars(select(CallRecord.record_key)
                                               .where(CallRecord.record_key.in_(keys[i:i + CHUNK]))))
        new = [r for r in parsed.rows if r["record_key"] not in existing]
        for i in range(0, len(new), CHUNK):
            db.session.execute(insert(CallRecord), new[i:i + CHUNK])
        audit.record("calls.import", actor, object_type="call_records", detail={
            "file": file_name[-200:], "rows": len(parsed.rows), "added": len(new),
            "number_columns_dropped": parsed.number_columns})
    return ImportResult(len(parsed.rows), len(new), parsed.number_columns, parsed.ignored_columns)


@dataclass
class Week:
    year: int
    week: int
    first_day: dt.date
    answered: int = 0
    missed: int = 0
    outside_hours: int = 0

    @property
    def label(self) -> str:
        return f"{self.year} v. {self.week}"

    @property
    def total(self) -> int:
        return self.answered + self.missed


@dataclass
class CallFigures:
    answered: int = 0
    missed: int = 0
    outside_hours: int = 0
    missed_outside_hours: int = 0
    weeks: list[Week] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.answered + self.missed

    @property
    def answered_share(self) -> float | None:
        return 100 * self.answered / self.total if self.total else None


def _inside(schedule: Schedule, date_from: dt.date, date_to: dt.date):
    """The calls inside the opening hours: on a changed day its own hours (none when closed),
    on any other day the week's. In SQL on the stored local date, weekday and minute."""
    changes = [c for day, c in schedule.changes.items() if date_from <= day <= date_to]
    regular = or_(false(), *(and_(CallRecord.local_weekday == day, CallRecord.local_minute >= start,
                                  CallRecord.local_minute < end) for day, (start, end) in schedule.weekly.items()))
    if changes:
        regular = and_(CallRecord.local_date.not_in([c.day for c in changes]), regular)
    changed = (and_(CallRecord.local_date == c.day, CallRecord.local_minute >= c.span[0],
                    CallRecord.local_minute < c.span[1]) for c in changes if c.span)
    return or_(regular, *changed)


def call_figures(date_from: dt.date, date_to: dt.date, schedule: Schedule) -> CallFigures:
    """Answered and missed calls per ISO week (Swedish local days, both ends included) and the
    calls that came outside the opening hours (supportline/hours/, changed days included).
    Counted in SQL per day, summed per week here."""
    outside = case((_inside(schedule, date_from, date_to), 0), else_=1).label("outside")
    rows = db.session.execute(
        select(CallRecord.local_date, CallRecord.answered, outside, func.count())
        .where(CallRecord.local_date >= date_from, CallRecord.local_date <= date_to)
        .group_by(CallRecord.local_date, CallRecord.answered, outside)).all()
    figures = CallFigures()
    weeks: dict[tuple[int, int], Week] = {}
    for day, answered, is_outside, count in rows:
        year, week, weekday = day.isocalendar()
        entry = weeks.setdefault((year, week), Week(year, week, day - dt.timedelta(days=weekday - 1)))
        if answered:
            entry.answered += count
            figures.answered += count
        else:
            entry.missed += count
            figures.missed += count
        if is_outside:
            entry.outside_hours += count
            figures.outside_hours += count
            if not answered:
                figures.missed_outside_hours += count
    figures.weeks = [weeks[k] for k in sorted(weeks)]
    return figures
