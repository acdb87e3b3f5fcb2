"""Call records from the telephone system: when a call came, whether it was answered, how long
the caller waited and talked. Never who called: the import drops any number column."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from supportline.db import Base, UTCDateTime, utcnow


class CallRecord(Base):
    __tablename__ = "call_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The same call imported twice has the same key (the export's call id, or a digest of the
    # row and how many identical rows came before it in the file): re-importing adds nothing.
    record_key: Mapped[str] = mapped_column(String(64), unique=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    # Swedish local date, weekday (0 = Monday) and minute of the day, stored so the weekly
    # figures and "outside opening hours" are plain SQL on both databases.
    local_date: Mapped[dt.date] = mapped_column(Date, index=True)
    local_weekday: Mapped[int] = mapped_column(SmallInteger)
    local_minute: Mapped[int] = mapped_column(SmallInteger)
    answered: Mapped[bool] = mapped_column(Boolean)
    wait_seconds: Mapped[int | None] = mapped_column(Integer)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
