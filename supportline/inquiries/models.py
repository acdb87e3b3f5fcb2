"""Inquiries: de-identified cases with a timeline, plus per-user drafts of the form."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supportline.auth.models import User
from supportline.db import Base, UTCDateTime, utcnow
from supportline.stats.models import ResourceCentre


class Inquiry(Base):
    __tablename__ = "inquiries"
    __table_args__ = (
        # the list page: newest first, usually with one filter
        Index("ix_inquiries_received_at_id", "received_at", "id"),
        Index("ix_inquiries_assignee_follow_up", "assignee_id", "follow_up_on"),
        # The latest change, read by the statistics (stats/cache.py) on every page to tell whether
        # the figures counted earlier still hold: one step down this index instead of a scan.
        Index("ix_inquiries_updated_at", "updated_at"),
        # The statistics' open inquiries and written questions of a period: a few hundred among
        # 10,000 a year, found without reading the year's rows.
        Index("ix_inquiries_status_received_at", "status", "received_at"),
        Index("ix_inquiries_channel_received_at", "channel", "received_at"),
        # A filter's matching ids straight from the index: PostgreSQL counts a filter combined with a
        # search or a topic by an index-only scan instead of visiting every matching row.
        *(Index(f"ix_inquiries_{column}_id", column, "id")
          for column in ("caller_sector", "county_code", "urgency", "status", "channel")),
        # One inquiry per idempotency key and user, enforced by the database so two retries racing
        # each other cannot both insert. A unique index rather than a constraint: adding a constraint
        # on SQLite rebuilds the table, and dropping the old table would cascade-delete the timeline.
        Index("uq_inquiries_created_by_id_idempotency_key", "created_by_id", "idempotency_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    caller_type: Mapped[str] = mapped_column(String(20))
    caller_sector: Mapped[str | None] = mapped_column(String(30))
    caller_role: Mapped[str] = mapped_column(String(200), default="")
    caller_organisation: Mapped[str] = mapped_column(String(200), default="")
    # Lower-cased, whitespace-collapsed organisation, to find repeat callers.
    organisation_key: Mapped[str | None] = mapped_column(String(200), index=True)
    municipality_code: Mapped[str | None] = mapped_column(String(4))
    county_code: Mapped[str | None] = mapped_column(String(2))
    # The professional's own contact details: personal data, removed by the retention job.
    callback_name: Mapped[str | None] = mapped_column(String(200))
    callback_phone: Mapped[str | None] = mapped_column(String(40))
    callback_phone_key: Mapped[str | None] = mapped_column(String(20), index=True)  # digits only, for matching
    callback_email: Mapped[str | None] = mapped_column(String(320))
    urgency: Mapped[str] = mapped_column(String(10))
    summary: Mapped[str] = mapped_column(Text, default="")
    advice: Mapped[str] = mapped_column(Text, default="")
    follow_up_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10))
    # None for a written question (channel web): the professional sent it through /fraga, no user did.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    # Optimistic locking: a save must name the version it was based on.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the retention job (supportline/retention) removed the free text and contact
    # details; the codes stay for statistics.
    anonymised_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # A client's Idempotency-Key (API) or the new-inquiry form's hidden token: a save repeated after
    # an error finds the inquiry it already made instead of making a second one. Internal: not part
    # of the canonical record, the API or the handover.
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    # Keyed hash of the request the key was first used with, so the key with another body is refused.
    idempotency_fingerprint: Mapped[str | None] = mapped_column(String(64))

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    exposed_persons: Mapped[list[ExposedPerson]] = relationship(
        back_populates="inquiry", order_by="ExposedPerson.position", cascade="all, delete-orphan")
    codes: Mapped[list[InquiryCode]] = relationship(back_populates="inquiry", cascade="all, delete-orphan")
    timeline: Mapped[list[TimelineEntry]] = relationship(
        back_populates="inquiry", order_by="TimelineEntry.at, TimelineEntry.id", cascade="all, delete-orphan")
    centre: Mapped[InquiryCentre | None] = relationship(
        back_populates="inquiry", cascade="all, delete-orphan", uselist=False)

    def codes_of(self, kind: str) -> list[str]:
        return sorted(c.code for c in self.codes if c.kind == kind)


class ExposedPerson(Base):
    """A de-identified person of the case: age group, gender, the perpetrators' relation to
    this person where known, and whether the person is exposed or only mentioned. Nothing else."""

    __tablename__ = "inquiry_exposed_persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiries.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    age_group: Mapped[str] = mapped_column(String(10), index=True)
    gender: Mapped[str] = mapped_column(String(12), index=True)
    # "exposed" or "mentioned" (taxonomy.PERSON_ROLES); persons only mentioned are not counted
    # as the case's persons.
    role: Mapped[str] = mapped_column(String(12), default="exposed", index=True)
    # The perpetrators' relation to this person: PERPETRATOR_RELATIONS codes, sorted and
    # space-separated ("" when not known), as the directory keeps its municipality codes.
    perpetrator_relations: Mapped[str] = mapped_column(String(200), default="")

    inquiry: Mapped[Inquiry] = relationship(back_populates="exposed_persons")

    @property
    def relation_list(self) -> list[str]:
        return (self.perpetrator_relations or "").split()

    def as_dict(self) -> dict:
        """The person as the canonical record, the form and the merge hold it."""
        return {"age_group": self.age_group, "gender": self.gender, "role": self.role or "exposed",
                "perpetrator_relations": self.relation_list}


class InquiryCentre(Base):
    """The regional resource centre an inquiry's centre outcomes name (referred to, put through
    to, already in contact with). The name and county are kept as they were when the handler
    chose the centre, so a referral still counts for it after the directory changes; centre_id
    is emptied if the directory row is removed."""

    __tablename__ = "inquiry_centres"

    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiries.id", ondelete="CASCADE"), primary_key=True)
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("resource_centres.id", ondelete="SET NULL"),
                                                  index=True)
    name: Mapped[str] = mapped_column(String(200))
    county_code: Mapped[str | None] = mapped_column(String(2))

    inquiry: Mapped[Inquiry] = relationship(back_populates="centre")
    directory: Mapped[ResourceCentre | None] = relationship()

    @property
    def directory_key(self) -> str | None:
        """The directory's seed key of the centre: the same centre on every installation."""
        return self.directory.seed_key if self.directory is not None else None


class InquiryCode(Base):
    """One code of a multi-valued taxonomy (perpetrator relations, exposure types, question
    topics, referrals). Rows rather than JSON so the list can filter on them with an index."""

    __tablename__ = "inquiry_codes"
    __table_args__ = (Index("ix_inquiry_codes_kind_code", "kind", "code", "inquiry_id"),)

    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiries.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    code: Mapped[str] = mapped_column(String(30), primary_key=True)

    inquiry: Mapped[Inquiry] = relationship(back_populates="codes")


class TimelineEntry(Base):
    __tablename__ = "inquiry_timeline"

    id: Mapped[int] = mapped_column(primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiries.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict | None] = mapped_column(JSON)
    # A linked article's slug (also in detail), as a column of its own so an article's page can
    # count its links in the index rather than read every link's JSON. Set from detail on
    # every insert and update (see _article_slug_from_detail), whoever writes the entry.
    article_slug: Mapped[str | None] = mapped_column(String(200), index=True)

    inquiry: Mapped[Inquiry] = relationship(back_populates="timeline")
    user: Mapped[User | None] = relationship()


@event.listens_for(TimelineEntry, "before_insert")
@event.listens_for(TimelineEntry, "before_update")
def _article_slug_from_detail(_mapper, _connection, entry: TimelineEntry) -> None:
    slug = (entry.detail or {}).get("slug") if entry.kind == "article_link" else None
    entry.article_slug = slug[:200] if isinstance(slug, str) else None


class InquiryDraft(Base):
    """What a handler has typed but not saved, so a crash mid-call loses at most a few seconds."""

    __tablename__ = "inquiry_drafts"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_inquiry_drafts_user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))  # "new", or "inquiry-<id>" for an edit
    payload: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class InquirySearchDocument(Base):
    """PostgreSQL's former search document, to_tsvector('swedish', case text) with a GIN index.

    Search no longer reads it (it reads InquiryTerm), but it is kept up to date, and emptied
    by retention, for one release: the previous version, which searches it, keeps working
    while a release is rolled out or rolled back. A later migration drops it. Unused on SQLite.
    """

    __tablename__ = "inquiry_search"
    __table_args__ = (Index("ix_inquiry_search_document", "document", postgresql_using="gin"),)

    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiries.id", ondelete="CASCADE"), primary_key=True)
    document: Mapped[str | None] = mapped_column(Text().with_variant(TSVECTOR(), "postgresql"))


class InquiryTerm(Base):
    """The search table: one row per distinct Swedish-stemmed term of an inquiry's case text."""

    __tablename__ = "inquiry_terms"

    term: Mapped[str] = mapped_column(String(60), primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiries.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)
