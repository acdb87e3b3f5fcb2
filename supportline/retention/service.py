"""Retention (gallring): what is removed when, as plain functions for the clock, the CLI and tests.

- A closed inquiry whose last change is older than SUPPORTLINE_RETENTION_MONTHS (default 24)
  is anonymised: the free text (summary, advice, timeline texts), the call-back details and
  the caller's role and organisation are removed, and its text leaves the inquiry search. The
  codes (channel, sector, county, municipality, exposed persons, relations, exposure types,
  topics, referrals, urgency, status, dates, duration) stay, so statistics for any past period
  are the same before and after.
- Call-back details of any inquiry not changed for SUPPORTLINE_CALLBACK_RETENTION_MONTHS
  (default 6) are removed earlier: after half a year without contact nobody will call back.
  The rule covers closed inquiries as well as open ones, since a closed one needs a call-back
  even less.
- Drafts untouched for as long are deleted: they can hold call-back details too.
- A written question's pickup links and notice address go SUPPORTLINE_QUESTION_LINK_DAYS after its
  last answer (supportline/questions); the question itself stays an inquiry under the rules above,
  and anonymising it removes its links and address at once.
- On the installation that handed the line over to NCK, what the final package carried goes
  once NCK's receipt for it is recorded and SUPPORTLINE_HANDOVER_RETENTION_DAYS have passed
  (never before a receipt): first the call-back details of every inquiry in it, then its case
  text (anonymised as above), so statistics stay identical. An inquiry changed after the final
  package was written is left to the ordinary rules.

"Last change" is `updated_at`, which every change by a person moves, closing included; for a
closed inquiry it is therefore never earlier than the closing, and the period is never cut
short. Anonymisation moves updated_at too: the nightly handover delta selects on it, and must
carry the anonymised record so the receiver's copy loses the text as well. Nothing restarts
from that: an anonymised inquiry is never due again, and can no longer be changed
(inquiries.service refuses it). Removing the call-back details does not move updated_at, or it
would restart the clock of the anonymisation. Both bump `version`, so a form opened before
cannot write the old text back.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import selectinload

from supportline.audit.service import record
from supportline.db import utcnow
from supportline.extensions import db
from supportline.inquiries.models import Inquiry, InquiryDraft
from supportline.transactions import end_read, write_transaction

BATCH_SIZE = 200
# The timeline's own link titles are guidance articles, not case text; everything else goes.
KEPT_ENTRY_KINDS = {"article_link"}
CALLBACK_FIELDS = ("callback_name", "callback_phone", "callback_email")
TEXT_FIELDS = ("summary", "advice", "caller_role", "caller_organisation")


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day and time `months` calendar months earlier (the 31st becomes the month's last day)."""
    index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


@dataclass(frozen=True)
class Cutoffs:
    now: dt.datetime
    anonymise_before: dt.datetime
    callbacks_before: dt.datetime
    retention_months: int
    callback_months: int


def cutoffs(now: dt.datetime | None = None) -> Cutoffs:
    now = now or utcnow()
    cfg = current_app.config
    months, cb_months = int(cfg["SUPPORTLINE_RETENTION_MONTHS"]), int(cfg["SUPPORTLINE_CALLBACK_RETENTION_MONTHS"])
    return Cutoffs(now, months_before(now, months), months_before(now, cb_months), months, cb_months)


def _due_for_anonymisation(c: Cutoffs):
    return and_(Inquiry.status == "closed", Inquiry.anonymised_at.is_(None), Inquiry.updated_at < c.anonymise_before)


def _has_callback():
    return or_(*[getattr(Inquiry, name).is_not(None) for name in CALLBACK_FIELDS])


def _due_for_callback_removal(c: Cutoffs):
    # Those due for anonymisation lose their call-back details there, in the same run.
    return and_(Inquiry.anonymised_at.is_(None), Inquiry.updated_at < c.callbacks_before, _has_callback(),
                ~_due_for_anonymisation(c))


@dataclass(frozen=True)
class Candidate:
    id: int
    received_at: dt.datetime
    updated_at: dt.datetime
    status: str


@dataclass
class Plan:
    """What a run would do now (the dry run), or what it did."""

    cutoffs: Cutoffs
    anonymise: list[Candidate] = field(default_factory=list)
    callbacks: list[Candidate] = field(default_factory=list)
    drafts: int = 0
    # What the final handover package carried, removed after NCK's receipt (see the module's doc).
    handed_over_callbacks: list[Candidate] = field(default_factory=list)
    handed_over_text: list[Candidate] = field(default_factory=list)
    # When that removal is due (None: no final package with a recorded receipt on this installation).
    handed_over_due: dt.datetime | None = None
    # Written questions whose pickup links expired: links and notice address removed.
    question_links: int = 0

    @property
    def counts(self) -> dict[str, int]:
        counts = {"anonymised": len(self.anonymise), "callbacks_removed": len(self.callbacks), "drafts": self.drafts}
        if self.question_links:
            counts["question_links_removed"] = self.question_links
        if self.handed_over_due is not None:  # only where something was handed over and received
            counts.update(handed_over_callbacks_removed=len(self.handed_over_callbacks),
                          handed_over_anonymised=len(self.handed_over_text))
        return counts


def _handed_over(until: dt.datetime):
    return and_(Inquiry.anonymised_at.is_(None), Inquiry.updated_at <= until)


def _handover_steps(c: Cutoffs) -> tuple[dt.datetime | None, list[tuple]]:
    """(when due, [(condition, action, name)]): call-back details first, then the case text."""
    from supportline.handover.lifecycle import handed_over_removal

    due, until = handed_over_removal(c.now)
    if until is None:
        return due, []
    return due, [(and_(_handed_over(until), _has_callback()), "retention.handover_callback", "handed_over_callbacks"),
                 (_handed_over(until), "retention.handover_anonymise", "handed_over_text")]


def _candidates(condition) -> list[Candidate]:
    rows = db.session.execute(
        select(Inquiry.id, Inquiry.received_at, Inquiry.updated_at, Inquiry.status).where(condition)
        .order_by(Inquiry.id)).all()
    return [Candidate(*r) for r in rows]


def plan(now: dt.datetime | None = None) -> Plan:
    """What would go now. Reads only; nothing is logged, since nothing is changed or shown
    beyond ids and dates."""
    c = cutoffs(now)
    result = Plan(c, _candidates(_due_for_anonymisation(c)), _candidates(_due_for_callback_removal(c)),
                  db.session.scalar(select(func.count()).select_from(InquiryDraft)
                                    .where(InquiryDraft.updated_at < c.callbacks_before)) or 0)
    result.handed_over_due, steps = _handover_steps(c)
    for condition, _action, name in steps:
        setattr(result, name, _candidates(condition))
    from supportline.questions.service import expire_links

    result.question_links = expire_links(c.now, dry_run=True)
    end_read()
    return result


def _lock_batch(condition) -> list[Inquiry]:
    stmt = (select(Inquiry).where(condition).order_by(Inquiry.id).limit(BATCH_SIZE)
            .options(selectinload(Inquiry.timeline)))
    if db.engine.dialect.name == "postgresql":
        # A handler saving the same inquiry now waits, and PostgreSQL re-checks the condition
        # on the row they wrote: an inquiry reopened a moment ago is not anonymised.
        stmt = stmt.with_for_update(of=Inquiry)
    return list(db.session.scalars(stmt))


def anonymise(inquiry: Inquiry, now: dt.datetime) -> list[str]:
    """Strip an inquiry to its codes, in the caller's transaction; returns the fields emptied."""
    from supportline.inquiries.search import unindex_inquiry

    removed = [name for name in TEXT_FIELDS + CALLBACK_FIELDS if getattr(inquiry, name)]
    for name in TEXT_FIELDS:
        setattr(inquiry, name, "")
    for name in CALLBACK_FIELDS:
        setattr(inquiry, name, None)
    inquiry.organisation_key = None
    inquiry.callback_phone_key = None
    texts = 0
    for entry in inquiry.timeline:
        if entry.kind not in KEPT_ENTRY_KINDS and entry.text:
            entry.text = ""
            texts += 1
    if texts:
        removed.append("timeline")
    db.session.execute(delete(InquiryDraft).where(InquiryDraft.key == f"inquiry-{inquiry.id}"))
    from supportline.questions.service import forget_question

    forget_question(inquiry.id)  # a written question's links and notice address
    unindex_inquiry(inquiry.id)
    inquiry.anonymised_at = now
    inquiry.updated_at = now  # so the next handover delta carries it
    inquiry.version += 1
    return removed


def remove_callback(inquiry: Inquiry) -> list[str]:
    removed = [name for name in CALLBACK_FIELDS if getattr(inquiry, name)]
    for name in CALLBACK_FIELDS:
        setattr(inquiry, name, None)
    inquiry.callback_phone_key = None
    inquiry.version += 1
    return removed


def run(actor=None, *, now: dt.datetime | None = None, trigger: str = "cli") -> Plan:
    """Do what plan() lists, a batch per transaction so the database is never locked for long
    and a crash keeps what is done; each inquiry changed gets its own audit event (the log
    can be filtered by inquiry), and the run one with the counts."""
    c = cutoffs(now)
    done = Plan(c)
    actor_name = None if actor is not None else f"retention:{trigger}"
    done.handed_over_due, handover = _handover_steps(c)
    steps = [(condition, action, getattr(done, name)) for condition, action, name in handover]
    steps += [(_due_for_anonymisation(c), "retention.anonymise", done.anonymise),
              (_due_for_callback_removal(c), "retention.callback", done.callbacks)]
    for condition, action, into in steps:
        while True:
            # A transaction per batch, committed as it ends, on purpose: a crash keeps the
            # batches done and the write lock is never held for the whole run.
            with write_transaction():
                batch = _lock_batch(condition)
                for inquiry in batch:
                    into.append(Candidate(inquiry.id, inquiry.received_at, inquiry.updated_at, inquiry.status))
                    fields = (anonymise(inquiry, c.now) if action.endswith("anonymise")
                              else remove_callback(inquiry))
                    record(action, actor, actor=actor_name, object_type="inquiry", object_id=inquiry.id,
                           detail={"fields": fields})
            if not batch:
                break
    with write_transaction():
        done.drafts = db.session.execute(
            delete(InquiryDraft).where(InquiryDraft.updated_at < c.callbacks_before)).rowcount or 0
        from supportline.questions.service import expire_links

        done.question_links = expire_links(c.now)
        record("retention.run", actor, actor=actor_name, detail={
            **done.counts, "trigger": trigger, "retention_months": c.retention_months,
            "callback_months": c.callback_months, "anonymise_before": c.anonymise_before.isoformat(),
            "callbacks_before": c.callbacks_before.isoformat()})
    return done
