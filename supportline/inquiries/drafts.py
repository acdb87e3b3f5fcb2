"""Drafts: what a handler has typed into a form, kept every few seconds so nothing typed is
lost (a closed tab, a lost connection, a login that expired)."""

from __future__ import annotations

from sqlalchemy import delete, select

from supportline.auth.models import User
from supportline.db import utcnow
from supportline.extensions import db
from supportline.inquiries.constants import GUARDED_FIELDS, MAX_LONG_TEXT
from supportline.inquiries.errors import InquiryAnonymised
from supportline.inquiries.models import Inquiry, InquiryDraft
from supportline.inquiries.writes import by_idempotency_key, valid_idempotency_key
from supportline.privacy.guard import find_personal_data, redact
from supportline.query_args import parse_int
from supportline.transactions import write_transaction


def draft_inquiry_id(key: str) -> int | None:
    """The inquiry an edit form's draft key ("inquiry-<id>") names, or None when it names none
    the database could hold."""
    return parse_int(key[len("inquiry-"):]) if key.startswith("inquiry-") else None


def save_draft(actor: User, key: str, payload: dict) -> dict[str, list[str]]:
    """Keep what the handler has typed. Personal data in case text is replaced before it is
    stored (a draft is stored too); returns the messages per field so the page can say so.

    Not audit-logged: drafts are saved every few seconds and hold nothing saved in a case.
    The edit form of an anonymised inquiry (left open in a browser tab) gets no draft: it
    would keep the removed case text for months."""
    # Redacted before the write block, so SQLite's write lock is not held while the guard reads.
    safe, findings = _stored_form(payload)
    with write_transaction():
        _refuse_anonymised(key)
        if _already_saved(actor, key, payload):
            # The form of a call already saved (reached again by Back): a draft of it would be
            # offered back as unsaved work.
            return {}
        draft = db.session.scalar(select(InquiryDraft).where(InquiryDraft.user_id == actor.id,
                                                             InquiryDraft.key == key))
        if draft is None:
            draft = InquiryDraft(user_id=actor.id, key=key, payload=safe)
            db.session.add(draft)
        else:
            draft.payload = safe
        draft.updated_at = utcnow()
    return findings


def _refuse_anonymised(key: str) -> None:
    inquiry_id = draft_inquiry_id(key)
    if inquiry_id is None:
        return
    anonymised_at = db.session.scalar(select(Inquiry.anonymised_at).where(Inquiry.id == inquiry_id))
    if anonymised_at is not None:
        raise InquiryAnonymised(inquiry_id, anonymised_at)


def _already_saved(actor: User, key: str, payload: dict) -> bool:
    submission_key = payload.get("submission_key")
    return (key == "new" and isinstance(submission_key, str) and valid_idempotency_key(submission_key)
            and by_idempotency_key(actor, submission_key) is not None)


def _stored_form(payload: dict) -> tuple[dict, dict[str, list[str]]]:
    """The payload as a draft keeps it: bounded, plain values, personal data in case text
    replaced; and per field the guard's messages for what was replaced."""
    findings: dict[str, list[str]] = {}
    safe = {}
    for name, value in payload.items():
        if not isinstance(name, str) or len(name) > 60:
            continue
        if isinstance(value, str):
            value = value[:MAX_LONG_TEXT]
            if name in GUARDED_FIELDS or name.startswith("entry_text"):
                found = find_personal_data(value)
                if found:
                    findings[name] = list(dict.fromkeys(f.message_sv for f in found))
                    value, _count = redact(value)
        elif isinstance(value, list):
            value = [str(v)[:60] for v in value[:100]]
        elif not isinstance(value, int | float | bool) and value is not None:
            continue
        safe[name] = value
    return safe, findings


def get_draft(actor: User, key: str) -> InquiryDraft | None:
    return db.session.scalar(select(InquiryDraft).where(InquiryDraft.user_id == actor.id, InquiryDraft.key == key))


def discard_draft(actor: User, key: str) -> None:
    with write_transaction():
        db.session.execute(delete(InquiryDraft).where(InquiryDraft.user_id == actor.id, InquiryDraft.key == key))
