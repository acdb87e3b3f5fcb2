"""Each local day's and month's counts kept in the database, so a year of statistics is twelve rows.

Counting a year of 100,000 inquiries from the inquiries themselves is a dozen GROUP BYs over
10,000 inquiries with their persons and codes: hundreds of milliseconds, on every first request
after any change. Instead each day's `Counts` (stats/counting.py) is stored in `statistics_days`
and each month's, the sum of its days, in `statistics_months`. A period adds up its whole months
and the days before and after them.

Which days are out of date is written by the database itself: triggers on the inquiries and on
their codes, persons and centres (migration 0024; per statement on PostgreSQL, 0025) add the
changed inquiry's `received_at`, before and after, to `statistics_changes` in the same
transaction as the change, whatever wrote it (a form, the API, the importer, retention, plain SQL).
A change row without a time asks for every day to be counted anew (the migration leaves one).
`refresh` counts the changed days again, adds up their months, and removes the change rows it has
counted, in one write transaction: a request does that for a few days (a day is a dozen GROUP BYs
over some thirty inquiries), the clock's job for any number (after an import).
"""

from __future__ import annotations

import bisect
import datetime as dt
import logging
import threading
from collections import OrderedDict

from flask import has_request_context
from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError

from supportline.dates import LOCAL_TZ, local_midnight_utc
from supportline.extensions import db
from supportline.inquiries.models import Inquiry
from supportline.stats.counting import Counts, count
from supportline.stats.models import StatisticsChange, StatisticsDay, StatisticsMonth
from supportline.transactions import write_transaction

log = logging.getLogger(__name__)

# A request counts at most this many changed days itself; more (an import, the first count after
# an upgrade) is the clock's job, and the request counts its period from the inquiries meanwhile.
DAYS_ON_REQUEST = 10
_DELETE_CHUNK = 500
_PEEK = 1000
_DAYS_AT_ONCE = 62
ONE_DAY = dt.timedelta(days=1)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(first: dt.date) -> dt.date:
    return (first + dt.timedelta(days=32)).replace(day=1)


def local_day(at: dt.datetime) -> dt.date:
    """The local day an inquiry received at `at` (UTC) belongs to."""
    return at.astimezone(LOCAL_TZ).date()


def day_conditions(day: dt.date) -> list:
    return [Inquiry.received_at >= local_midnight_utc(day), Inquiry.received_at < local_midnight_utc(day + ONE_DAY)]


def _changed_days(changes) -> set[dt.date]:
    days = {local_day(at) for _id, at in changes if at is not None}
    if any(at is None for _id, at in changes):
        days.update(local_day(at) for at in db.session.scalars(select(Inquiry.received_at)).all())
        days.update(db.session.scalars(select(StatisticsDay.day)).all())  # counted once, maybe empty now
    return days


def refresh(limit: int | None = None) -> bool:
    """Count the changed days again and add up their months. With a `limit`, do nothing and return
    False when more days than that have changed; True when the stored counts are up to date."""
    if limit is None:
        if db.session.scalar(select(StatisticsChange.id).limit(1)) is None:
            return True
    else:
        # A look at the first changes without the write lock: most requests find none, and after
        # an import there are too many to count here, which a peek tells as well as reading them all.
        peek = db.session.execute(select(StatisticsChange.id, StatisticsChange.received_at)
                                  .limit(_PEEK)).all()
        if not peek:
            return True
        if len(peek) == _PEEK or any(at is None for _id, at in peek) or len(_changed_days(peek)) > limit:
            return False
    with write_transaction():
        # Read inside the write transaction: on SQLite no other write can come in between; on
        # PostgreSQL a change committed meanwhile keeps its row (only the rows read are removed).
        changes = db.session.execute(select(StatisticsChange.id, StatisticsChange.received_at)).all()
        days = _changed_days(changes)
        if limit is not None and len(days) > limit:
            return False
        if len(days) <= _DAYS_AT_ONCE:
            _recount(days)
            _remove(changes)
            return True
    # Many days (an import, an upgrade: seconds to minutes): a month at a time, each in a write
    # transaction of its own, so saves are not held up for the whole count. The changes are removed
    # at the end; one made meanwhile has a row of its own and is counted by the next refresh.
    by_month: dict[dt.date, set[dt.date]] = {}
    for day in days:
        by_month.setdefault(month_start(day), set()).add(day)
    for month in sorted(by_month):
        with write_transaction():
            _recount(by_month[month])
    with write_transaction():
        _remove(changes)
    return True


def _remove(changes) -> None:
    ids = [change_id for change_id, _at in changes]
    for i in range(0, len(ids), _DELETE_CHUNK):
        db.session.execute(delete(StatisticsChange).where(StatisticsChange.id.in_(ids[i:i + _DELETE_CHUNK])))


def _recount(days: set[dt.date]) -> None:
    """Count the days again; a month with one or two changed days is brought along by the
    difference (old day out, new day in), one with more is added up anew from its days."""
    by_month: dict[dt.date, list[dt.date]] = {}
    for day in sorted(days):
        by_month.setdefault(month_start(day), []).append(day)
    for month, month_days in by_month.items():
        stored_month = db.session.get(StatisticsMonth, month)
        difference = len(month_days) <= 2 and stored_month is not None
        total = Counts.from_json(stored_month.counts) if difference else None
        for day in month_days:
            before = db.session.get(StatisticsDay, day)
            now = count(day_conditions(day))
            if difference:
                total.add(now)
                if before is not None:
                    total.add(Counts.from_json(before.counts), sign=-1)
            _store(StatisticsDay, "day", day, now)
        if not difference:
            total = _add_up(db.session.scalars(select(StatisticsDay.counts).where(
                StatisticsDay.day >= month, StatisticsDay.day < next_month(month))).all())
        _store(StatisticsMonth, "month", month, total)


def _add_up(stored: list[dict]) -> Counts:
    total = Counts()
    for data in stored:
        total.add(Counts.from_json(data))
    return total


def _store(model, key: str, when: dt.date, counts: Counts) -> None:
    row = db.session.get(model, when)
    if not counts.total:
        if row is not None:
            db.session.delete(row)
        return
    if row is None:
        row = model(**{key: when})
        db.session.add(row)
    row.total, row.counts, row.counted_at = counts.total, counts.to_json(), dt.datetime.now(dt.UTC)
    db.session.flush()


def up_to_date() -> bool:
    """Bring the stored counts up to date if that is a request's work; False when it is not (or
    the database refused the write, as a read-only replica would): count from the inquiries then."""
    try:
        return refresh(limit=DAYS_ON_REQUEST)
    except SQLAlchemyError:
        log.exception("statistics days not brought up to date; counting from the inquiries")
        # The request goes on (a save's answer reads the case it saved): not on a transaction the
        # error left failed, or on a connection the server closed, which every later query would
        # refuse as a server error.
        db.session.rollback()
        return False


# The tables whose rows the counts are made of (the same the triggers of migrations 0024 and 0025 watch).
COUNTED_TABLES = frozenset({"inquiries", "inquiry_codes", "inquiry_exposed_persons", "inquiry_centres"})


def after_write(tables: set[str]) -> None:
    """After a write transaction that changed inquiries in a web request: count their days now, in
    the request that changed them, so the next /statistik finds them counted (a day is a few
    milliseconds). Jobs and commands that change many (retention, imports) leave it to the clock."""
    if tables & COUNTED_TABLES and has_request_context():
        up_to_date()


def counts_for(date_from: dt.date, date_to: dt.date) -> Counts:
    """The counts of a period of whole days: its whole months, and the days before the first and
    after the last of them. Call only when up_to_date() said so. Read-only: the counts of whole
    months may be shared with other requests."""
    whole = [m for m in _months_between(date_from, date_to) if m >= date_from and next_month(m) - ONE_DAY <= date_to]
    edges = [(date_from, whole[0]), (next_month(whole[-1]), date_to + ONE_DAY)] if whole else [
        (date_from, date_to + ONE_DAY)]
    days = []
    for start, end in edges:
        if start < end:
            days += db.session.scalars(select(StatisticsDay.counts).where(StatisticsDay.day >= start,
                                                                         StatisticsDay.day < end)).all()
    if whole and not days:
        return _months_added_up(whole)
    total = Counts().add(_months_added_up(whole)) if whole else Counts()
    for data in days:
        total.add(Counts.from_json(data))
    return total


# Each process keeps the months it has read, by when they were counted, and the sums of the
# periods it was asked for: after one day changes, a year is last year's sum with one month
# taken out and put back in, not twelve months read and added up again.
_MONTHS_KEPT = 400
_SUMS_KEPT = 16
_lock = threading.Lock()
_months: OrderedDict[tuple, Counts] = OrderedDict()
_sums: OrderedDict[tuple, tuple[dict, Counts]] = OrderedDict()


def _months_added_up(months: list[dt.date]) -> Counts:
    """The stored months added up (read-only: the result may be shared with other requests)."""
    database = db.engine.url.render_as_string()
    stamps = dict(db.session.execute(select(StatisticsMonth.month, StatisticsMonth.counted_at)
                                     .where(StatisticsMonth.month.in_(months))).all())
    with _lock:
        kept = _sums.get((database, tuple(months)))
    if kept is not None and kept[0] == stamps:
        return kept[1]
    changed = [m for m in stamps if (database, m, stamps[m]) not in _months]
    if changed:
        for month, counted_at, data in db.session.execute(
                select(StatisticsMonth.month, StatisticsMonth.counted_at, StatisticsMonth.counts)
                .where(StatisticsMonth.month.in_(changed))).all():
            _keep(_months, (database, month, counted_at), Counts.from_json(data), _MONTHS_KEPT)
    with _lock:
        parts = {m: _months.get((database, m, stamps[m])) for m in stamps}
    if any(part is None for part in parts.values()):  # counted again meanwhile: add up what was read
        return _add_up(db.session.scalars(select(StatisticsMonth.counts)
                                          .where(StatisticsMonth.month.in_(months))).all())
    if kept is not None and kept[0].keys() == stamps.keys():
        # The months that changed since the kept sum: their old counts out, their new ones in.
        total = Counts().add(kept[1])
        for month, counted_at in stamps.items():
            if kept[0][month] != counted_at:
                old = _months.get((database, month, kept[0][month]))
                if old is None:
                    total = None
                    break
                total.add(old, sign=-1).add(parts[month])
    else:
        total = None
    if total is None:
        total = Counts()
        for part in parts.values():
            total.add(part)
    _keep(_sums, (database, tuple(months)), (stamps, total), _SUMS_KEPT)
    return total


def _keep(store: OrderedDict, key, value, size: int) -> None:
    with _lock:
        store[key] = value
        store.move_to_end(key)
        while len(store) > size:
            store.popitem(last=False)


def forget() -> None:
    """Drop what this process keeps (the tests, between databases)."""
    with _lock:
        _months.clear()
        _sums.clear()


def _months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    months, month = [], month_start(first)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def bucket_totals(buckets: list[tuple[dt.date, dt.date]]) -> list[int]:
    """Inquiries per bucket of whole days (first, last), from the stored months' totals when every
    bucket is whole months, otherwise from the stored days'."""
    if not buckets:
        return []
    whole_months = all(first.day == 1 and (last + ONE_DAY).day == 1 for first, last in buckets)
    model, column = (StatisticsMonth, StatisticsMonth.month) if whole_months else (StatisticsDay, StatisticsDay.day)
    starts = [first for first, _last in buckets]
    totals = [0] * len(buckets)
    for when, n in db.session.execute(select(column, model.total).where(
            column >= buckets[0][0], column <= buckets[-1][1])).all():
        i = bisect.bisect_right(starts, when) - 1
        if i >= 0 and when <= buckets[i][1]:
            totals[i] += n
    return totals
