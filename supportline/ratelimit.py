"""Fixed-window rate limits counted in the database, so every web worker and host
shares one count (an in-memory limiter per process multiplies the limit)."""

from __future__ import annotations

import datetime as dt
import hashlib

from flask import current_app
from sqlalchemy import String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from supportline.db import Base, UTCDateTime, utcnow
from supportline.extensions import db
from supportline.transactions import begin_write


class RateEvent(Base):
    __tablename__ = "rate_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(String(40), index=True)
    # A keyed hash of the address: enough to count, not to identify a visitor.
    key: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


def _key(value: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hashlib.blake2b(value.encode(), key=secret[:64], digest_size=16).hexdigest()


def hit(bucket: str, value: str, limit: int, window: dt.timedelta) -> bool:
    """Count one event; False when the limit for this window is already reached.

    Runs in its own write transaction and commits it.
    """
    key = _key(value or "okänd")
    begin_write()
    since = utcnow() - window
    count = db.session.scalar(select(func.count()).select_from(RateEvent).where(
        RateEvent.bucket == bucket, RateEvent.key == key, RateEvent.at >= since)) or 0
    if count >= limit:
        db.session.rollback()
        return False
    db.session.add(RateEvent(bucket=bucket, key=key))
    db.session.commit()
    return True


def prune(older_than: dt.timedelta = dt.timedelta(days=1)) -> None:
    begin_write()
    db.session.execute(delete(RateEvent).where(RateEvent.at < utcnow() - older_than))
    db.session.commit()
