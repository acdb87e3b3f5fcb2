"""The line's opening hours: the regular week and the days that differ from it (holidays,
closed days, changed hours). Times are Swedish local minutes of the day; the arithmetic in
schedule.py turns them into UTC instants per date, so a DST change is counted right."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from supportline.db import Base, UTCDateTime, utcnow


class WeeklyHours(Base):
    """One opening span per weekday (0 = Monday); a weekday without a row is closed."""

    __tablename__ = "opening_hours"
    __table_args__ = (CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_range"),
                      CheckConstraint("opens >= 0 AND opens < closes AND closes <= 1440", name="span"))

    weekday: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    opens: Mapped[int] = mapped_column(SmallInteger)  # minute of the local day
    closes: Mapped[int] = mapped_column(SmallInteger)  # the minute after the last open one


class ChangedDay(Base):
    """A date that differs from the week: closed (no times) or open at other times, with a note
    the public sees ("Julafton")."""

    __tablename__ = "opening_hours_changes"
    __table_args__ = (CheckConstraint("(opens IS NULL AND closes IS NULL) OR "
                                      "(opens >= 0 AND opens < closes AND closes <= 1440)", name="span"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, unique=True)
    opens: Mapped[int | None] = mapped_column(SmallInteger)
    closes: Mapped[int | None] = mapped_column(SmallInteger)
    note: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def closed(self) -> bool:
        return self.opens is None


class HoursSettings(Base):
    """One row: whether the operator has confirmed the hours for the public. The seeded week is
    the county board's last published hours, which NCK has not confirmed; until an admin
    confirms them, the public texts point to the operator's page (as for an unconfirmed number)."""

    __tablename__ = "opening_hours_settings"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
