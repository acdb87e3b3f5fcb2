"""The regional resource centres (regionala resurscentrum), kept by coordinators."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from supportline.db import Base, UTCDateTime, utcnow

CENTRE_STATUSES = {
    "established": "Etablerat",
    "developing": "Under uppbyggnad",
    "none": "Inget resurscentrum",
}
# A county "has a centre" for the statistics and the funding priority when one of its rows is
# established or being built (the decision counts both).
ACTIVE_STATUSES = ("established", "developing")


class ResourceCentre(Base):
    """One row per centre; a county without a centre has one row with status "none", so the
    directory always shows all 21 counties and that absence is itself a recorded fact."""

    __tablename__ = "resource_centres"

    id: Mapped[int] = mapped_column(primary_key=True)
    county_code: Mapped[str] = mapped_column(String(2), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    host_organisation: Mapped[str] = mapped_column(String(200), default="")
    contact: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20))
    since: Mapped[dt.date | None] = mapped_column(Date)
    # Seeded rows come from a partial list in DOMAIN.md: true until a coordinator has checked them.
    needs_verification: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")
    # What the public directory shows. Empty text means "not confirmed", never "none".
    whole_county: Mapped[bool] = mapped_column(Boolean, default=False)
    municipality_codes: Mapped[str] = mapped_column(Text, default="")  # SCB codes, space-separated
    offers: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str] = mapped_column(String(500), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    hours: Mapped[str] = mapped_column(String(200), default="")
    sources: Mapped[str] = mapped_column(Text, default="")  # one URL a line
    verified_on: Mapped[dt.date | None] = mapped_column(Date)
    # Which seed entry wrote the row, and whether it still holds only seed content: a row a
    # coordinator has saved is never overwritten by the seed again.
    seed_key: Mapped[str | None] = mapped_column(String(60), unique=True)
    seeded: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def status_label(self) -> str:
        return CENTRE_STATUSES.get(self.status, self.status)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def source_list(self) -> list[str]:
        return [line.strip() for line in self.sources.splitlines() if line.strip()]

    @property
    def code_list(self) -> list[str]:
        return self.municipality_codes.split()


class StatisticsSnapshot(Base):
    """A quarter's figures frozen when the quarter ended: the published numbers, which do not
    change when inquiries are edited or anonymised later. A re-run that finds different
    figures adds the next version beside it; the first stays as it was published."""

    __tablename__ = "statistics_snapshots"
    __table_args__ = (UniqueConstraint("year", "quarter", "version", name="uq_statistics_snapshots_quarter_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    made_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    trigger: Mapped[str] = mapped_column(String(10))  # clock, cli or web
    total: Mapped[int] = mapped_column(Integer)
    # The report as it was: key figures and every table, rows with code, label and count.
    data: Mapped[dict] = mapped_column(JSON)

    @property
    def label(self) -> str:
        return f"{self.year} kvartal {self.quarter}"


class StatisticsDay(Base):
    """One local day's counts (stats/counting.py Counts as JSON), kept up to date by
    stats/summary.py from the changes the database records in statistics_changes."""

    __tablename__ = "statistics_days"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    total: Mapped[int] = mapped_column(Integer)
    counts: Mapped[dict] = mapped_column(JSON)
    counted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class StatisticsMonth(Base):
    """A local month's counts: the sum of its statistics_days, so a year is twelve rows."""

    __tablename__ = "statistics_months"

    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)  # its first day
    total: Mapped[int] = mapped_column(Integer)
    counts: Mapped[dict] = mapped_column(JSON)
    counted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class StatisticsChange(Base):
    """An inquiry changed since its month was counted: written by triggers (migrations 0024, 0025) in
    the change's own transaction, read and removed by stats/summary.py. `received_at` is the
    inquiry's, before and after the change; None asks for every month to be counted anew."""

    __tablename__ = "statistics_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
