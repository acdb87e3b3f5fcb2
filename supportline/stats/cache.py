"""Counted figures kept while the data they were counted from is unchanged.

A coordinator opens /statistik, changes a filter, goes back, prints the report, downloads the
PDF: each would count the same 100,000 inquiries again. The figures depend only on the
inquiries, the resource-centre directory, the opening hours and the day, so they are kept per process under a key
of those: the filters, today's date, and one cheap statement's reading of the tables (how many
inquiries, the largest id, the latest change; the same for the directory; the latest snapshot). Any save of an
inquiry changes its `updated_at` (writes.py, retention, the importer), an insert changes the
count and the largest id, a deletion the count: the next request counts anew. Open-case ages
and "followed up on time" move with the clock, so an entry is also dropped after TTL seconds.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from sqlalchemy import func, select

from supportline.extensions import db
from supportline.hours.models import ChangedDay, HoursSettings
from supportline.inquiries.models import Inquiry
from supportline.stats.models import ResourceCentre, StatisticsSnapshot

TTL = 300
SIZE = 32

_lock = threading.Lock()
_entries: OrderedDict[tuple, tuple[float, object]] = OrderedDict()


def data_state() -> tuple:
    """One round trip: what the statistics were counted from (indexed maxima and counts)."""
    row = db.session.execute(select(
        select(func.count()).select_from(Inquiry).scalar_subquery(),
        select(func.max(Inquiry.id)).scalar_subquery(),
        select(func.max(Inquiry.updated_at)).scalar_subquery(),
        select(func.count()).select_from(ResourceCentre).scalar_subquery(),
        select(func.max(ResourceCentre.updated_at)).scalar_subquery(),
        select(func.max(StatisticsSnapshot.id)).scalar_subquery(),
        # The written questions' answer times are counted in the opening hours as they are now.
        select(func.max(HoursSettings.updated_at)).scalar_subquery(),
        select(func.count()).select_from(ChangedDay).scalar_subquery(),
        select(func.max(ChangedDay.id)).scalar_subquery(),
    )).one()
    return tuple(str(v) for v in row)


def remember(kind: str, key: tuple, make):
    """make()'s value for this key and the present data, counted once per TTL and data state."""
    from supportline.dates import today_local

    full_key = (kind, key, today_local().isoformat(), db.engine.url.render_as_string(), data_state())
    now = time.monotonic()
    with _lock:
        hit = _entries.get(full_key)
        if hit is not None and now - hit[0] < TTL:
            _entries.move_to_end(full_key)
            return hit[1]
    value = make()
    with _lock:
        _entries[full_key] = (now, value)
        _entries.move_to_end(full_key)
        while len(_entries) > SIZE:
            _entries.popitem(last=False)
    return value


def clear() -> None:
    with _lock:
        _entries.clear()
