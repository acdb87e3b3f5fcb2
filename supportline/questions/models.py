"""Written questions: the pickup links of a question sent through /fraga, and the answer
templates ("svarsmallar") the editors keep for the handlers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supportline.db import Base, UTCDateTime, utcnow
from supportline.inquiries.models import Inquiry


class WebQuestion(Base):
    """What a written question has beside its inquiry (channel `web`): whether the asker waits
    for an answer, when it was last answered (the links expire a number of days after that) and
    the optional address for the notice. The inquiry holds the text, the codes and the timeline."""

    __tablename__ = "web_questions"
    __table_args__ = (Index("ix_web_questions_waiting_since", "waiting_since"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiries.id", ondelete="CASCADE"), unique=True)
    # When the asker's latest question (the first or a follow-up) came in, while no answer has
    # followed it; None once answered. The handlers' list is these, oldest first.
    waiting_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_answer_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Personal data: only for a notice without content that an answer is ready; removed by
    # retention when the links expire (supportline/retention).
    notify_email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    inquiry: Mapped[Inquiry] = relationship()
    links: Mapped[list[QuestionLink]] = relationship(back_populates="question", cascade="all, delete-orphan")


class QuestionLink(Base):
    """A pickup link: only the SHA-256 of its code is kept, so the database alone cannot open
    it. The first is made when the question is sent; each notice e-mail carries a new one,
    since the first cannot be rebuilt from its hash."""

    __tablename__ = "web_question_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("web_questions.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    question: Mapped[WebQuestion] = relationship(back_populates="links")


ANSWER_TEMPLATE_STATUSES = {"active": "I bruk", "archived": "Arkiverad"}


class AnswerTemplate(Base):
    """A "svarsmall": an answer text an editor keeps, linked to guidance articles, that a
    handler inserts into an answer and adapts."""

    __tablename__ = "answer_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # Slugs of the linked guidance articles, in the order shown.
    article_slugs: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
