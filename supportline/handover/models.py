from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from supportline.db import Base, UTCDateTime, utcnow


class HandoverBatch(Base):
    """One handover package: the ledger that decides what is due and makes each export
    happen exactly once. A slot ("delta:2026-06-30", "final", "manual:…") is unique, and
    so is the sequence number that chains the packages."""

    __tablename__ = "handover_batches"
    __table_args__ = (
        UniqueConstraint("slot", name="uq_handover_batches_slot"),
        UniqueConstraint("kind", "sequence", name="uq_handover_batches_kind_sequence"),
        UniqueConstraint("sequence", name="uq_handover_batches_sequence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slot: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(10))  # full | delta
    sequence: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | done | failed
    trigger: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Changes up to this moment are in the package; the next delta starts here.
    changed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    changed_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    file_name: Mapped[str | None] = mapped_column(String(200))
    sha256: Mapped[str | None] = mapped_column(String(64))
    previous_sha256: Mapped[str | None] = mapped_column(String(64))
    encrypted: Mapped[bool | None] = mapped_column()
    counts: Mapped[dict | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    # NCK's receipt (supportline handover confirm): who verified the package and when. Nothing
    # handed over may be removed on this side before the final package has one.
    receipt_verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    receipt_receiver: Mapped[str | None] = mapped_column(String(200))
    receipt_confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    receipt: Mapped[dict | None] = mapped_column(JSON)


class HandoverReception(Base):
    """A package this installation imported: it runs the line with the history it received."""

    __tablename__ = "handover_receptions"
    __table_args__ = (UniqueConstraint("sha256", name="uq_handover_receptions_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    sequence: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    previous_sha256: Mapped[str | None] = mapped_column(String(64))
    generated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    counts: Mapped[dict | None] = mapped_column(JSON)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # from the receipt given at import, when there was one
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    verified_by: Mapped[str | None] = mapped_column(String(200))
