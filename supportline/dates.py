"""Swedish local time: the line, its handlers and its reports count days in Stockholm, while the
database stores UTC. One place for the zone, so a day boundary means the same everywhere."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Europe/Stockholm")


def today_local() -> dt.date:
    return dt.datetime.now(LOCAL_TZ).date()


def local_midnight_utc(day: dt.date) -> dt.datetime:
    """The start of a Swedish day as a UTC instant (what a date range over stored times needs)."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=LOCAL_TZ).astimezone(dt.UTC)
