"""What the statistics read from the inquiries of a period, as sums over those inquiries.

Every figure here is a count of inquiries (or of their persons) by some property of each one, so
the counts of two periods added up are the counts of both together (`Counts.add`). That lets the
statistics keep each local day's counts and each month's (stats/summary.py) and answer a year from
twelve months, while a filtered period is counted straight from the inquiries by the same
function: one definition of each figure for both.

Missing values (no county, no sector) are counted under "" rather than None, so the counts survive
a round trip through JSON; the tables treat both alike, as a code outside the labels.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select

from supportline.extensions import db
from supportline.inquiries.models import Inquiry, InquiryCode
from supportline.stats import series
from supportline.stats.series import add_counts, add_fields, copied


@dataclass
class Counts:
    by_county: dict[str, int] = field(default_factory=dict)
    by_sector: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)
    by_urgency: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)  # multi-valued codes: kind -> code -> n
    people: series.PersonCounts = field(default_factory=series.PersonCounts)
    durations: dict[int, int] = field(default_factory=dict)  # call length in seconds -> inquiries
    # Inquiries with a follow-up date: closed ones, and the open ones by that date (on time while it
    # is today or later, which the day of reading decides).
    follow_up_closed: int = 0
    follow_up_open: dict[str, int] = field(default_factory=dict)
    centres: dict[tuple[str, str], int] = field(default_factory=dict)  # (county, centre name) -> inquiries
    unnamed_centres: dict[str, int] = field(default_factory=dict)  # county -> referrals naming no centre

    @property
    def total(self) -> int:
        return sum(self.by_county.values())

    @property
    def persons(self) -> int:
        return self.people.persons

    @property
    def follow_up_due(self) -> int:
        return self.follow_up_closed + sum(self.follow_up_open.values())

    def follow_up_on_time(self, today: dt.date) -> int:
        return self.follow_up_closed + sum(n for day, n in self.follow_up_open.items() if day >= today.isoformat())

    @property
    def median_duration_seconds(self) -> int | None:
        """The middle call's length (the mean of the middle two for an even number), as SQL's
        ORDER BY ... OFFSET would read it."""
        n = sum(self.durations.values())
        if not n:
            return None
        wanted = [(n - 1) // 2] if n % 2 else [n // 2 - 1, n // 2]
        middle, seen = [], 0
        for seconds in sorted(self.durations):
            seen += self.durations[seconds]
            while wanted and wanted[0] < seen:
                middle.append(seconds)
                wanted.pop(0)
        return round(sum(middle) / len(middle))

    def add(self, other: Counts, sign: int = 1) -> Counts:
        """Add `other`'s counts to these (in place; `other` is not changed) and return them; with
        sign=-1 take them away (a day's old counts out of its month)."""
        self.people.add(other.people, sign)
        for kind, codes in other.by_kind.items():
            add_counts(self.by_kind.setdefault(kind, {}), codes, sign)
            if not self.by_kind[kind]:
                del self.by_kind[kind]
        add_fields(self, other, sign, skip=("people", "by_kind"))
        return self

    def to_json(self) -> dict:
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(Counts)}
        data["people"] = self.people.to_json()
        data["durations"] = {str(k): n for k, n in self.durations.items()}
        data["centres"] = [[county, name, n] for (county, name), n in self.centres.items()]
        return data

    @classmethod
    def from_json(cls, data: dict) -> Counts:
        """New counts from stored JSON; nothing of `data` is shared, so adding to them leaves the
        stored row's value as it was loaded (a change SQLAlchemy can see)."""
        values = copied(data)
        values["by_kind"] = {kind: dict(codes) for kind, codes in data["by_kind"].items()}
        values["people"] = series.PersonCounts.from_json(data["people"])
        values["durations"] = {int(k): n for k, n in data["durations"].items()}
        values["centres"] = {(county, name): n for county, name, n in data["centres"]}
        return cls(**values)


def count(conds) -> Counts:
    """The counts of the inquiries `conds` selects: ten GROUP BYs, a few dozen rows each."""
    c = Counts()
    _single_valued(conds, c)
    for kind, code, n in db.session.execute(
            select(InquiryCode.kind, InquiryCode.code, func.count())
            .join(Inquiry, Inquiry.id == InquiryCode.inquiry_id)
            .where(*conds).group_by(InquiryCode.kind, InquiryCode.code)).all():
        c.by_kind.setdefault(kind, {})[code] = n
    c.people = series.count_persons(conds)
    c.durations = dict(db.session.execute(
        select(Inquiry.duration_seconds, func.count()).where(*conds, Inquiry.duration_seconds.is_not(None))
        .group_by(Inquiry.duration_seconds)).all())
    for status, day, n in db.session.execute(
            select(Inquiry.status, Inquiry.follow_up_on, func.count())
            .where(*conds, Inquiry.follow_up_on.is_not(None)).group_by(Inquiry.status, Inquiry.follow_up_on)).all():
        if status == "closed":
            c.follow_up_closed += n
        else:
            add_counts(c.follow_up_open, {day.isoformat(): n})
    c.centres = {(county or "", name): n for county, name, n in series.referrals_per_centre(conds)}
    c.unnamed_centres = {county or "": n for county, n in series.unnamed_centre_referrals(conds).items()}
    return c


def _single_valued(conds, c: Counts) -> None:
    """Inquiries per county, sector, channel and urgency."""
    # One pass over the period's inquiries for every single-valued column: grouped by all four
    # at once (at most 21 × 11 × 4 × 3 result rows), then summed per column below. Separate
    # GROUP BYs each re-read the same rows and cost four times as much.
    combined = db.session.execute(
        select(Inquiry.county_code, Inquiry.caller_sector, Inquiry.channel, Inquiry.urgency, func.count())
        .where(*conds).group_by(Inquiry.county_code, Inquiry.caller_sector, Inquiry.channel, Inquiry.urgency)).all()
    columns = (c.by_county, c.by_sector, c.by_channel, c.by_urgency)
    for *values, n in combined:
        for column, value in zip(columns, values, strict=True):
            add_counts(column, {value or "": n})
