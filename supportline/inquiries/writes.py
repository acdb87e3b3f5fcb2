"""Inquiry changes: create (at most once per idempotency key), update, add to the timeline.
Every function takes the acting user, writes the audit log and commits once."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from supportline.audit.service import record
from supportline.auth.models import User
from supportline.db import utcnow
from supportline.extensions import db
from supportline.handover.lifecycle import intake_closed_message
from supportline.inquiries import taxonomy as tx
from supportline.inquiries.constants import GUARDED_FIELDS, IDEMPOTENCY_KEY_RE, MAX_LONG_TEXT
from supportline.inquiries.errors import InquiryAnonymised, InquiryInvalid, InquiryNotFound, IntakeClosed, StaleVersion
from supportline.inquiries.models import (
    ExposedPerson,
    Inquiry,
    InquiryCentre,
    InquiryCode,
    InquiryDraft,
    TimelineEntry,
)
from supportline.inquiries.queries import get_inquiry
from supportline.inquiries.search import index_inquiry
from supportline.inquiries.validation import (
    clean_entry,
    clean_inquiry,
    confirmed_fields,
    guard_text,
    organisation_key,
    phone_key,
)
from supportline.stats.models import ResourceCentre
from supportline.transactions import write_transaction


def _link_articles(inquiry: Inquiry, actor: User, articles: list[tuple[str, str]]) -> None:
    for slug, title in articles:
        _entry(inquiry, actor, "article_link", title, {"slug": slug})


def _check_assignee(clean: dict, errors: dict) -> None:
    assignee_id = clean.get("assignee_id")
    if assignee_id is None:
        return
    user = db.session.get(User, assignee_id)
    if user is None or not user.active or not user.has_role("handler", "admin"):
        errors["assignee_id"] = "Den valda handläggaren finns inte eller är inaktiverad. Välj någon annan."


def _apply(inquiry: Inquiry, clean: dict) -> list[str]:
    """Copy clean values onto the inquiry; returns the names of the fields that changed."""
    changed = []
    for name, value in clean.items():
        if name == "exposed_persons":
            if [p.as_dict() for p in inquiry.exposed_persons] != value:
                inquiry.exposed_persons = [
                    ExposedPerson(position=i, age_group=p["age_group"], gender=p["gender"], role=p["role"],
                                  perpetrator_relations=" ".join(p["perpetrator_relations"]))
                    for i, p in enumerate(value)]
                changed.append(name)
        elif name == "resource_centre":
            if _apply_centre(inquiry, value):
                changed.append(name)
        elif name in tx.CODE_KINDS:
            old = inquiry.codes_of(name)
            if old != value:
                keep = [c for c in inquiry.codes if c.kind != name]
                inquiry.codes = keep + [InquiryCode(kind=name, code=code) for code in value]
                changed.append(name)
        elif getattr(inquiry, name) != value:
            setattr(inquiry, name, value)
            changed.append(name)
    inquiry.organisation_key = organisation_key(inquiry.caller_organisation)
    inquiry.callback_phone_key = phone_key(inquiry.callback_phone)
    return changed


def _apply_centre(inquiry: Inquiry, centre_id: int | None) -> bool:
    """Point the inquiry at a directory centre (or at none); True when that changed. The name
    and county are kept as they are now, so the referral stays counted for that centre."""
    current = inquiry.centre.centre_id if inquiry.centre is not None else None
    if centre_id == current and (centre_id is not None or inquiry.centre is None):
        return False
    if centre_id is None:
        inquiry.centre = None
        return True
    centre = db.session.get(ResourceCentre, centre_id)
    inquiry.centre = InquiryCentre(centre_id=centre.id, name=(centre.name or centre.host_organisation)[:200],
                                   county_code=centre.county_code)
    return True


def create_inquiry(actor: User, raw: dict, *, idempotency: tuple[str, str] | None = None) -> Inquiry:
    """A new inquiry. idempotency is (key, fingerprint) when the caller may repeat the save;
    use create_inquiry_once for that."""
    with write_transaction():
        # An installation that handed the line over to NCK takes no new calls, whichever way they come.
        closed = intake_closed_message()
        if closed is not None:
            raise IntakeClosed(closed)
        clean = clean_inquiry(raw)
        errors: dict[str, str] = {}
        _check_assignee(clean, errors)
        if errors:
            raise InquiryInvalid(errors)
        articles = clean.pop("linked_articles", [])
        now = utcnow()
        inquiry = Inquiry(created_by_id=actor.id, version=1, created_at=now, updated_at=now, caller_role="",
                          caller_organisation="", summary="", advice="", exposed_persons=[], codes=[], timeline=[])
        if idempotency is not None:
            inquiry.idempotency_key, inquiry.idempotency_fingerprint = idempotency
        _apply(inquiry, clean)
        db.session.add(inquiry)
        db.session.flush()
        _link_articles(inquiry, actor, articles)
        if inquiry.assignee_id and inquiry.assignee_id != actor.id:
            _entry(inquiry, actor, "assignment", "", {"to": inquiry.assignee_id})
        index_inquiry(inquiry)
        db.session.execute(delete(InquiryDraft).where(InquiryDraft.user_id == actor.id, InquiryDraft.key == "new"))
        confirmed = confirmed_fields({n: clean[n] for n in GUARDED_FIELDS if n in clean},
                                     raw.get("confirmed_numbers"))
        record("inquiry.create", actor, object_type="inquiry", object_id=inquiry.id,
               detail={"confirmed_numbers_in": confirmed} if confirmed else None)
    return inquiry


def valid_idempotency_key(key: str | None) -> bool:
    return key is not None and IDEMPOTENCY_KEY_RE.match(key) is not None


def request_fingerprint(raw: dict, *, ignore: tuple[str, ...] = ()) -> str:
    """A keyed hash of what a save sent, to tell a repeat from another inquiry under the same key.
    Keyed (HMAC with SECRET_KEY) because the body holds case text and call-back details, and
    the hash outlives their anonymisation."""
    data = {k: v for k, v in raw.items() if k not in ignore}
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    secret = current_app.config["SECRET_KEY"].encode("utf-8")
    return hmac.new(secret, text.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class CreateOnce:
    """What create_inquiry_once did: the inquiry's id, whether this call made it, and (for a
    repeat) whether the repeat sent what the first save sent."""

    inquiry_id: int
    created: bool
    same_request: bool = True


def by_idempotency_key(actor: User, key: str) -> Inquiry | None:
    return db.session.scalar(select(Inquiry).where(Inquiry.created_by_id == actor.id,
                                                   Inquiry.idempotency_key == key))


def create_inquiry_once(actor: User, raw: dict, key: str, fingerprint: str) -> CreateOnce:
    """create_inquiry, at most once per (user, key): a client that got an error or no answer
    saves again with the same key and gets the inquiry the first save made, if it made one.

    The repeat is looked up before the input is checked, so a repeat still finds its inquiry
    when the input would no longer pass (a follow-up date that has passed since)."""
    try:
        with write_transaction():
            existing = by_idempotency_key(actor, key)
            if existing is None:
                return CreateOnce(create_inquiry(actor, raw, idempotency=(key, fingerprint)).id, created=True)
            return _repeat(existing, fingerprint)
    except IntegrityError:
        # PostgreSQL: another request with this key inserted first and committed while this
        # one waited on the unique index. (SQLite's write lock already serialised the two.)
        with write_transaction():
            existing = by_idempotency_key(actor, key)
            if existing is None:
                raise
            return _repeat(existing, fingerprint)


def _repeat(existing: Inquiry, fingerprint: str) -> CreateOnce:
    return CreateOnce(existing.id, created=False,
                      same_request=hmac.compare_digest(existing.idempotency_fingerprint or "", fingerprint))


def _entry(inquiry: Inquiry, actor: User | None, kind: str, text: str = "", detail: dict | None = None,
           at: dt.datetime | None = None) -> TimelineEntry:
    entry = TimelineEntry(kind=kind, text=text, detail=detail, at=at or utcnow(),
                          user_id=actor.id if actor is not None else None)
    inquiry.timeline.append(entry)
    return entry


def _load_for_update(inquiry_id: int) -> Inquiry:
    stmt = select(Inquiry).where(Inquiry.id == inquiry_id)
    if db.engine.dialect.name == "postgresql":
        # Serialise concurrent saves of one inquiry so the version check below is reliable;
        # SQLite's BEGIN IMMEDIATE already did that for the whole database.
        stmt = stmt.with_for_update()
    inquiry = db.session.scalar(stmt)
    if inquiry is None:
        raise InquiryNotFound(inquiry_id)
    if inquiry.anonymised_at is not None:
        raise InquiryAnonymised(inquiry_id, inquiry.anonymised_at)
    return inquiry


def update_inquiry(actor: User, inquiry_id: int, raw: dict, *, expected_version: int | None,
                   partial: bool = True) -> Inquiry:
    """Change an inquiry. expected_version is the version the change was based on; None only for
    one-field actions (status, assignment, follow-up) that cannot overwrite anything else.

    An anonymised inquiry is refused (InquiryAnonymised) before the version is compared: a form
    opened before the anonymisation must not be offered the conflict page, whose "save anyway"
    would write the old text back."""
    with write_transaction():
        inquiry = _load_for_update(inquiry_id)
        stale = expected_version is not None and inquiry.version != expected_version
        if not stale:
            _change(actor, inquiry, raw, partial)
    if stale:
        # Read after the write block: the conflict page's read is audit-logged on its own.
        raise StaleVersion(get_inquiry(actor, inquiry_id, action="inquiry.read.conflict"))
    return inquiry


def _change(actor: User, inquiry: Inquiry, raw: dict, partial: bool) -> None:
    clean = clean_inquiry(raw, partial=partial, existing=inquiry)
    errors: dict[str, str] = {}
    if clean.get("assignee_id") != inquiry.assignee_id:
        _check_assignee(clean, errors)
    if errors:
        raise InquiryInvalid(errors)
    old = {"status": inquiry.status, "assignee_id": inquiry.assignee_id, "follow_up_on": inquiry.follow_up_on}
    linked = {(e.detail or {}).get("slug") for e in inquiry.timeline if e.kind == "article_link"}
    articles = [a for a in clean.pop("linked_articles", []) if a[0] not in linked]
    changed = _apply(inquiry, clean)
    if articles:
        _link_articles(inquiry, actor, articles)
        changed.append("linked_articles")
    if not changed:
        return
    _timeline_of_change(inquiry, actor, old, changed)
    inquiry.version += 1
    inquiry.updated_at = utcnow()
    index_inquiry(inquiry)
    db.session.execute(delete(InquiryDraft).where(InquiryDraft.user_id == actor.id,
                                                  InquiryDraft.key == f"inquiry-{inquiry.id}"))
    # Names of fields only: the audit log must not become a second copy of the case text.
    confirmed = confirmed_fields({n: clean[n] for n in GUARDED_FIELDS if n in clean}, raw.get("confirmed_numbers"))
    record("inquiry.update", actor, object_type="inquiry", object_id=inquiry.id,
           detail={"fields": changed, "version": inquiry.version,
                   **({"confirmed_numbers_in": confirmed} if confirmed else {})})


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _timeline_of_change(inquiry: Inquiry, actor: User, old: dict, changed: list[str]) -> None:
    """What the timeline says of a change: status, assignment and follow-up each by name with
    their old and new value, the other fields together by name only."""
    if "status" in changed:
        _entry(inquiry, actor, "status", "", {"from": old["status"], "to": inquiry.status})
    if "assignee_id" in changed:
        _entry(inquiry, actor, "assignment", "", {"from": old["assignee_id"], "to": inquiry.assignee_id})
    if "follow_up_on" in changed:
        _entry(inquiry, actor, "follow_up", "", {"from": _day(old["follow_up_on"]), "to": _day(inquiry.follow_up_on)})
    others = [f for f in changed if f not in {"status", "assignee_id", "follow_up_on"}]
    if others:
        _entry(inquiry, actor, "edit", "", {"fields": others})


def add_entry(actor: User, inquiry_id: int, kind: str, text: str, at=None, confirmed=()) -> TimelineEntry:
    """A later contact, an internal note or a linked guidance article on the timeline.
    `confirmed`: the numbers the handler confirmed are not personnummer."""
    with write_transaction():
        text, detail, when = clean_entry(kind, text, at, confirmed)
        inquiry = _load_for_update(inquiry_id)
        entry = _entry(inquiry, actor, kind, text, detail, when)
        inquiry.updated_at = utcnow()
        inquiry.version += 1
        db.session.flush()
        index_inquiry(inquiry)
        confirmed_in = confirmed_fields({"text": text}, list(confirmed))
        record("inquiry.entry", actor, object_type="inquiry", object_id=inquiry.id,
               detail={"kind": kind, **({"confirmed_numbers_in": confirmed_in} if confirmed_in else {})})
    return entry


MAX_REASSIGN = 500


def reassign_inquiries(actor: User, inquiry_ids: list[int], assignee_id: int | None, note) -> list[int]:
    """Give one or many inquiries to a handler (the team overview): each gets an `assignment`
    entry on its timeline carrying the note, and its own audit event. All or nothing: one
    anonymised or missing inquiry refuses the whole choice, so no one has to work out which
    half went through. Returns the ids that changed hands (those already with the handler keep
    theirs, without a second entry)."""
    errors: dict[str, str] = {}
    ids = list(dict.fromkeys(inquiry_ids))
    if not ids:
        errors["inquiries"] = "Välj minst ett ärende att tilldela."
    elif len(ids) > MAX_REASSIGN:
        errors["inquiries"] = f"Välj högst {MAX_REASSIGN} ärenden åt gången, här valdes {len(ids)}."
    note_text, note_error = _reassign_note(note)
    if note_error:
        errors["note"] = note_error
    with write_transaction():
        if assignee_id is None:
            errors["assignee_id"] = "Välj vilken handläggare ärendena ska gå till."
        else:
            _check_assignee({"assignee_id": assignee_id}, errors)
        if errors:
            raise InquiryInvalid(errors)
        changed = []
        for inquiry_id in sorted(ids):  # one order for every writer, so two reassignments cannot deadlock
            inquiry = _load_for_update(inquiry_id)
            if inquiry.assignee_id == assignee_id:
                continue
            previous = inquiry.assignee_id
            inquiry.assignee_id = assignee_id
            _entry(inquiry, actor, "assignment", note_text, {"from": previous, "to": assignee_id})
            inquiry.version += 1
            inquiry.updated_at = utcnow()
            db.session.flush()
            index_inquiry(inquiry)  # the note is case text: search finds it like any timeline note
            record("inquiry.reassign", actor, object_type="inquiry", object_id=inquiry.id,
                   detail={"from": previous, "to": assignee_id, "version": inquiry.version})
            changed.append(inquiry.id)
    return changed


def _reassign_note(note) -> tuple[str, str | None]:
    """The note of a reassignment and the Swedish refusal, if any: required, and checked by the
    privacy guard like every other text on a timeline."""
    text = note.replace("\r\n", "\n").strip() if isinstance(note, str) else ""
    if not text:
        return text, "Skriv en kort anteckning om varför ärendena får en ny handläggare."
    if len(text) > MAX_LONG_TEXT:
        return text, f"Anteckningen är för lång: högst {MAX_LONG_TEXT} tecken, här finns {len(text)}."
    message, _doubtful = guard_text(text, set())
    return text, message
