"""Reading filter values from a query string, the same way for every list page: an error
message per field in Swedish, never an exception, never a value the database cannot take."""

from __future__ import annotations

import datetime as dt

from supportline.db import is_valid_id


def read_id(args, name: str, errors: dict[str, str], message: str) -> int | None:
    """A database id, or None with a message when the value is not one."""
    value = (args.get(name) or "").strip()
    if not value:
        return None
    if value.isdigit() and is_valid_id(int(value)):
        return int(value)
    errors[name] = message
    return None


def read_date_range(args, errors: dict[str, str]) -> tuple[dt.date | None, dt.date | None]:
    """date_from and date_to as ISO dates; a reversed range is reported on date_to."""
    dates: dict[str, dt.date | None] = {}
    for name in ("date_from", "date_to"):
        value = (args.get(name) or "").strip()
        dates[name] = None
        if value:
            try:
                dates[name] = dt.date.fromisoformat(value)
            except ValueError:
                errors[name] = "Ange datumet som ÅÅÅÅ-MM-DD."
    if dates["date_from"] and dates["date_to"] and dates["date_from"] > dates["date_to"]:
        errors["date_to"] = "Slutdatumet ligger före startdatumet."
    return dates["date_from"], dates["date_to"]
