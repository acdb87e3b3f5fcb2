"""Reading numbers and filter values from the outside (query strings, forms, JSON), the same way
for every route: an error message per field in Swedish, never an exception, never a value the
database cannot take."""

from __future__ import annotations

import datetime as dt
import math
import re

from supportline.db import MAX_ID

# ASCII digits only. str.isdigit() also accepts "²", "١٢٣" and fullwidth "１": int() refuses the
# first (a 500 where the check had passed) and reads the others, so "/arenden/１" would be "/arenden/1".
_DIGITS = re.compile(r"[0-9]{1,18}")


def is_ascii_digits(value: str) -> bool:
    return value.isascii() and value.isdigit()


def parse_int(value, *, low: int = 1, high: int = MAX_ID) -> int | None:
    """An integer from low to high, or None. Takes ASCII digit strings (spaces around them
    allowed), ints and whole finite floats (JSON's 3.0); never bools, 1.5, 1e400, Infinity,
    lists or anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            return None
        value = int(value)
    elif isinstance(value, str):
        text = value.strip()
        if not _DIGITS.fullmatch(text):
            return None
        value = int(text)
    elif not isinstance(value, int):
        return None
    return value if low <= value <= high else None


def read_int(args, name: str, default: int, *, low: int = 1, high: int = MAX_ID) -> int | None:
    """A number from a query string: the default when the parameter is absent or empty, None
    when it is there but not a number from low to high (the caller says so in Swedish)."""
    value = args.get(name)
    if value is None or not value.strip():
        return default
    return parse_int(value, low=low, high=high)


def read_id(args, name: str, errors: dict[str, str], message: str) -> int | None:
    """A database id, or None with a message when the value is not one."""
    value = (args.get(name) or "").strip()
    if not value:
        return None
    number = parse_int(value)
    if number is None:
        errors[name] = message
    return number


# Filters on dates far outside the line's life: 0001-01-01 or 9999-12-31 turned into a moment in
# Swedish time overflowed Python's datetime (a 500).
EARLIEST_DAY = dt.date(2000, 1, 1)
LATEST_DAY = dt.date(2100, 12, 31)
DATE_RANGE_MESSAGE = f"Ange ett datum mellan {EARLIEST_DAY.isoformat()} och {LATEST_DAY.isoformat()}."


def in_date_range(day: dt.date) -> bool:
    return EARLIEST_DAY <= day <= LATEST_DAY


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
            else:
                if not in_date_range(dates[name]):
                    dates[name] = None
                    errors[name] = DATE_RANGE_MESSAGE
    if dates["date_from"] and dates["date_to"] and dates["date_from"] > dates["date_to"]:
        errors["date_to"] = "Slutdatumet ligger före startdatumet."
    return dates["date_from"], dates["date_to"]
