from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supportline.auth.models import User
from supportline.db import Base, UTCDateTime, utcnow

ARTICLE_STATUSES = {"draft": "Utkast", "published": "Publicerad", "archived": "Arkiverad"}


class Article(Base):
    """A guidance article. The database is the source of truth; the search index and the
    Markdown files are made from it."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    topics: Mapped[list] = mapped_column(JSON, default=list)
    audiences: Mapped[list] = mapped_column(JSON, default=list)
    visibility: Mapped[str] = mapped_column(String(20), default="public")
    sources: Mapped[list] = mapped_column(JSON, default=list)
    reviewed_on: Mapped[dt.date | None] = mapped_column(Date)
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    review_note: Mapped[str | None] = mapped_column(Text)
    in_force_since: Mapped[dt.date | None] = mapped_column(Date)
    # The version `kb import` last wrote; while it equals `version` no editor has changed the
    # article since, and a later import may update it from the files.
    imported_version: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    views: Mapped[int] = mapped_column(Integer, default=0)

    revisions: Mapped[list[ArticleRevision]] = relationship(
        back_populates="article", order_by="ArticleRevision.number", cascade="all, delete-orphan")


class ArticleRevision(Base):
    """Every saved version of an article, whole, so any one can be shown, compared and restored."""

    __tablename__ = "article_revisions"
    __table_args__ = (UniqueConstraint("article_id", "number", name="uq_article_revisions_article_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    article: Mapped[Article] = relationship(back_populates="revisions")
    user: Mapped[User | None] = relationship()


class ArticleFeedback(Base):
    """'Var detta till hjälp?' answers. Comments are for editors only, never shown publicly."""

    __tablename__ = "article_feedback"
    __table_args__ = (Index("ix_article_feedback_article_at", "article_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    helpful: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class IndexChange(Base):
    """The search index's change log: one row per article change, in commit order.

    Every web host keeps its own index on local disk and applies the rows after the
    position its index has reached, so an article saved on one host is searchable on all.
    """

    __tablename__ = "kb_index_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
