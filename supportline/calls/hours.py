"""The line's opening hours as a setting (SUPPORTLINE_CALLS_OPENING_HOURS), for "calls outside opening
hours". Format: groups separated by ";", each "DAYS HH:MM-HH:MM", days comma-separated
(mon … sun or mån … sön), e.g. the line's last published hours "mon,wed,fri 09:00-12:00"."""

from __future__ import annotations

import re

DEFAULT_HOURS = "mon,wed,fri 09:00-12:00"
DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
        "mån": 0, "tis": 1, "ons": 2, "tor": 3, "fre": 4, "lör": 5, "sön": 6}
DAY_LABELS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
GROUP = re.compile(r"^\s*([a-zåäö,\s]+?)\s+(\d{1,2})(?::(\d{2}))?\s*-\s*(\d{1,2})(?::(\d{2}))?\s*$", re.IGNORECASE)

Hours = list[tuple[int, int, int]]  # (weekday, first minute, minute after the last)

SETTING = "SUPPORTLINE_CALLS_OPENING_HOURS"


def parse_hours(text: str) -> Hours:
    result: Hours = []
    for group in (text or "").split(";"):
        if not group.strip():
            continue
        match = GROUP.match(group)
        if not match:
            raise ValueError(f"{SETTING}: ”{group.strip()}” går inte att läsa; skriv t.ex. "
                             f"”{DEFAULT_HOURS}”.")
        days, h1, m1, h2, m2 = match.groups()
        start, end = int(h1) * 60 + int(m1 or 0), int(h2) * 60 + int(m2 or 0)
        if not 0 <= start < end <= 24 * 60:
            raise ValueError(f"{SETTING}: tiden i ”{group.strip()}” måste sluta efter att den börjar.")
        for day in (d.strip().lower() for d in days.split(",") if d.strip()):
            if day not in DAYS:
                raise ValueError(f"{SETTING}: okänd dag ”{day}” (mon … sun eller mån … sön).")
            result.append((DAYS[day], start, end))
    if not result:
        raise ValueError(f"{SETTING} är tom; skriv t.ex. ”{DEFAULT_HOURS}”.")
    return result


def describe(hours: Hours) -> str:
    """Swedish text of the hours, e.g. "måndag, onsdag, fredag 09:00–12:00"."""
    spans: dict[tuple[int, int], list[int]] = {}
    for day, start, end in sorted(hours):
        spans.setdefault((start, end), []).append(day)
    return "; ".join(f"{', '.join(DAY_LABELS[d] for d in days)} {start // 60:02d}:{start % 60:02d}–"
                     f"{end // 60:02d}:{end % 60:02d}" for (start, end), days in spans.items())
