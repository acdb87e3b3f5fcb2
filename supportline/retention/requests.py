"""Data subject requests (GDPR articles 15 and 17) from a professional who called the line.

What the system stores about a professional is what they gave for a call-back (name, phone,
e-mail) and how they described themselves (role, organisation), on the inquiries they
called about, plus the same fields in handlers' unsaved drafts. They are found by the
call-back e-mail or phone number. The case text is about someone else (de-identified, and
covered by secrecy under OSL), so it is neither exported nor erased here.

The e-mail or number searched for is personal data too, so the audit log keeps only a
keyed hash of it (HMAC with the app's secret): enough to show later that a given address
was searched, not enough to read the address out of the log.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, or_, select

from supportline.audit.service import record
from supportline.auth.models import User
from supportline.db import utcnow
from supportline.extensions import db
from supportline.inquiries.constants import EMAIL_RE, MAX_EMAIL
from supportline.inquiries.models import Inquiry, InquiryDraft, TimelineEntry
from supportline.inquiries.validation import phone_key
from supportline.transactions import write_transaction

SUBJECT_FIELDS = ("callback_name", "callback_phone", "callback_email", "caller_role", "caller_organisation")
DRAFT_FIELDS = ("callback_name", "callback_phone", "callback_email", "caller_role", "caller_organisation")


class RequestInvalid(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Subject:
    email: str | None
    phone_key: str | None

    def describe(self) -> dict:
        """For the audit log: which kinds were searched and their keyed hashes, never the values."""
        out = {}
        secret = current_app.config["SECRET_KEY"].encode()
        for name, value in (("email", self.email), ("phone", self.phone_key)):
            if value:
                out[name] = hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()[:16]
        return out


def subject_from(email: str | None, phone: str | None) -> Subject:
    email = (email or "").strip().lower()
    phone = (phone or "").strip()
    errors = {}
    if email and (len(email) > MAX_EMAIL or not EMAIL_RE.match(email)):
        errors["email"] = "Ange en giltig e-postadress, till exempel namn@kommun.se."
    key = phone_key(phone) if phone else None
    if phone and (not key or len(key) < 6):
        errors["phone"] = "Ange telefonnumret med minst sex siffror, till exempel 010-123 45 67."
    if not email and not phone:
        errors["email"] = "Ange e-postadressen eller telefonnumret (eller båda) som personen lämnat."
    if errors:
        raise RequestInvalid(errors)
    return Subject(email or None, key)


def _matches(subject: Subject):
    conds = []
    if subject.email:
        conds.append(func.lower(Inquiry.callback_email) == subject.email)
    if subject.phone_key:
        conds.append(Inquiry.callback_phone_key == subject.phone_key)
    return or_(*conds)


def _draft_matches(draft: InquiryDraft, subject: Subject) -> bool:
    payload = draft.payload or {}
    email = payload.get("callback_email")
    phone = payload.get("callback_phone")
    return bool((subject.email and isinstance(email, str) and email.strip().lower() == subject.email)
                or (subject.phone_key and isinstance(phone, str) and phone_key(phone) == subject.phone_key))


@dataclass
class Findings:
    subject: Subject
    inquiries: list[dict] = field(default_factory=list)
    drafts: list[dict] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.inquiries and not self.drafts


def _collect(subject: Subject, lock: bool = False) -> tuple[list[Inquiry], list[InquiryDraft]]:
    stmt = select(Inquiry).where(_matches(subject)).order_by(Inquiry.received_at, Inquiry.id)
    if lock and db.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    inquiries = list(db.session.scalars(stmt))
    # Drafts hold JSON typed by handlers; few rows (one per handler and open form), so read them all.
    drafts = [d for d in db.session.scalars(select(InquiryDraft).order_by(InquiryDraft.id))
              if _draft_matches(d, subject)]
    return inquiries, drafts


def _inquiry_record(inquiry: Inquiry) -> dict:
    return {
        "inquiry_id": inquiry.id,
        "received_at": inquiry.received_at.isoformat(),
        "channel": inquiry.channel,
        "status": inquiry.status,
        "caller_sector": inquiry.caller_sector,
        **{name: getattr(inquiry, name) or None for name in SUBJECT_FIELDS},
    }


def _draft_record(draft: InquiryDraft) -> dict:
    payload = draft.payload or {}
    return {"draft_id": draft.id, "form": draft.key, "updated_at": draft.updated_at.isoformat(),
            **{name: payload.get(name) or None for name in DRAFT_FIELDS}}


def find(actor: User, subject: Subject, action: str = "privacy.search") -> Findings:
    """Everything stored about the professional; the look-up is logged with the ids it found."""
    with write_transaction():
        inquiries, drafts = _collect(subject)
        found = Findings(subject, [_inquiry_record(i) for i in inquiries], [_draft_record(d) for d in drafts])
        record(action, actor, object_type="inquiry" if len(inquiries) == 1 else None,
               object_id=inquiries[0].id if len(inquiries) == 1 else None,
               detail={"subject": subject.describe(), "ids": [i.id for i in inquiries],
                       "drafts": [d.id for d in drafts]})
    return found


def export(actor: User, subject: Subject) -> dict:
    """A register extract (registerutdrag) as a JSON-ready dict; the export is logged."""
    found = find(actor, subject, action="privacy.export")
    return {
        "format": "supportline-data-subject-export/1",
        "generated_at": utcnow().isoformat(),
        "searched_for": {"email": subject.email, "phone_digits": subject.phone_key},
        "about": ("Uppgifter som Stödtelefonen har sparat om dig som yrkesverksam som kontaktat oss: "
                  "kontaktuppgifter för återkoppling och hur du beskrev din roll och organisation. "
                  "Ärendebeskrivningarna gäller andra personer och lämnas inte ut här."),
        "inquiries": found.inquiries,
        "drafts": found.drafts,
    }


@dataclass
class Erased:
    inquiries: list[int]
    drafts: list[int]


def erase(actor: User, subject: Subject) -> Erased:
    """Remove the professional's data from every inquiry and draft that holds it, in one
    transaction; the case text and codes stay. Each inquiry gets a timeline entry and an
    audit event naming the fields, never their values."""
    from supportline.inquiries.search import index_inquiry

    with write_transaction():
        inquiries, drafts = _collect(subject, lock=True)
        now = utcnow()
        for inquiry in inquiries:
            fields = [name for name in SUBJECT_FIELDS if getattr(inquiry, name)]
            for name in ("callback_name", "callback_phone", "callback_email"):
                setattr(inquiry, name, None)
            inquiry.caller_role = ""
            inquiry.caller_organisation = ""
            inquiry.callback_phone_key = None
            inquiry.organisation_key = None
            inquiry.version += 1
            inquiry.timeline.append(TimelineEntry(kind="edit", at=now, user_id=actor.id, text="",
                                                  detail={"fields": fields, "reason": "privacy_request"}))
            db.session.flush()
            # role and organisation are part of the searchable text
            index_inquiry(inquiry)
            record("privacy.erase", actor, object_type="inquiry", object_id=inquiry.id, detail={"fields": fields})
        for draft in drafts:
            draft.payload = {k: v for k, v in (draft.payload or {}).items() if k not in DRAFT_FIELDS}
        result = Erased([i.id for i in inquiries], [d.id for d in drafts])
        record("privacy.erase", actor, detail={"subject": subject.describe(), "ids": result.inquiries,
                                               "drafts": result.drafts})
    return result
