"""Inquiries: validation, changes and reads. Every function takes the acting user, every
change calls begin_write() first, writes the audit log and commits once.

Validation lives here, not in the form, so the web form and the JSON API give the same
Swedish message for the same mistake."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from supportline.audit.service import record, record_read
from supportline.auth.models import User
from supportline.dates import LOCAL_TZ, today_local
from supportline.db import utcnow
from supportline.extensions import db
from supportline.inquiries import taxonomy as tx
from supportline.inquiries.models import (
    ExposedPerson,
    Inquiry,
    InquiryCode,
    InquiryDraft,
    TimelineEntry,
)
from supportline.privacy.guard import confirmation_key, find_personal_data, find_possible_identity_numbers, redact
from supportline.query_args import parse_int
from supportline.transactions import begin_write

LINE_OPENED = dt.date(2014, 3, 13)
MAX_LONG_TEXT = 20_000
MAX_SHORT_TEXT = 200
MAX_PERSONS = 20
MAX_FOLLOW_UP_YEARS = 2
# Free text that may hold case details; the privacy guard checks all of it. The call-back
# fields are the only place a phone number or e-mail may stand.
GUARDED_FIELDS = ("summary", "advice", "caller_role", "caller_organisation")
SHORT_TEXT_FIELDS = ("caller_role", "caller_organisation", "callback_name")
LONG_TEXT_FIELDS = ("summary", "advice")
SINGLE_CODES = {
    "channel": (tx.CHANNELS, "Välj kanal."),
    "caller_type": (tx.CALLER_TYPES, "Välj vem som kontaktar stödtelefonen."),
    "caller_sector": (tx.SECTORS, None),
    "urgency": (tx.URGENCIES, "Välj hur brådskande ärendet är."),
    "status": (tx.STATUSES, "Välj status."),
}
WRITABLE_FIELDS = (
    "channel", "received_at", "caller_type", "caller_sector", "caller_role", "caller_organisation",
    "municipality_code", "county_code", "callback_name", "callback_phone", "callback_email", "exposed_persons",
    "perpetrator_relations", "exposure_types", "question_topics", "referrals", "urgency", "summary", "advice",
    "follow_up_on", "status", "assignee_id", "duration_seconds",
)
# An idempotency key: 1-100 visible ASCII characters (a UUID fits; so does Stripe's style of key).
IDEMPOTENCY_KEY_RE = re.compile(r"^[\x21-\x7e]{1,100}$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
# ASCII digits: \d would also take Arabic-Indic and fullwidth digits, which no phone dials.
PHONE_RE = re.compile(r"^\+?[0-9 \-()]{6,40}$")


class InquiryInvalid(ValueError):
    """Input refused; `errors` maps each field to a Swedish message safe to show."""

    def __init__(self, errors: dict[str, str], privacy_fields: set[str] | None = None,
                 to_confirm: dict[str, list[tuple[str, str]]] | None = None):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
        # Fields refused because of personal data, which the form can offer to redact.
        self.privacy_fields = privacy_fields or set()
        # Per field, the numbers that only look like a personnummer, as (confirmation key, text):
        # sending the key in `confirmed_numbers` saves them.
        self.to_confirm = to_confirm or {}


class IntakeClosed(InquiryInvalid):
    """This installation handed the line over to NCK and takes no new inquiries; the form shows
    it like any refusal (keeping what was typed), the API answers 409."""

    def __init__(self, message: str):
        super().__init__({"intake": message})
        self.message = message


class InquiryNotFound(LookupError):
    pass


class InquiryAnonymised(Exception):
    """The inquiry was anonymised by retention and is kept for the statistics only. Changing it
    would put case text back into a record that must hold none, or reopen a case that no
    longer says what it was about."""

    def __init__(self, inquiry_id: int, anonymised_at: dt.datetime):
        day = anonymised_at.astimezone(LOCAL_TZ).date().isoformat()
        self.message_sv = (f"Ärende {inquiry_id} avidentifierades {day} enligt gallringsreglerna och kan inte "
                           "längre ändras. Behöver frågan tas upp igen, registrera ett nytt ärende.")
        super().__init__(self.message_sv)
        self.inquiry_id = inquiry_id
        self.anonymised_at = anonymised_at


class StaleVersion(Exception):
    """Someone saved the inquiry after the version the change was based on."""

    def __init__(self, current: Inquiry):
        super().__init__(f"inquiry {current.id} is at version {current.version}")
        self.current = current


# --- validation ---------------------------------------------------------------------------

def latest_follow_up() -> dt.date:
    """The latest follow-up date a case may get: a reminder years ahead is a typing mistake."""
    today = today_local()
    try:
        return today.replace(year=today.year + MAX_FOLLOW_UP_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year + MAX_FOLLOW_UP_YEARS, day=28)


def parse_datetime(value) -> dt.datetime | None:
    """An aware UTC datetime from an ISO string; a time without offset is Swedish local time
    (what <input type=datetime-local> sends)."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        text = str(value).strip().replace(" ", "T")
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        parsed = dt.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=LOCAL_TZ)
    return parsed.astimezone(dt.UTC)


def parse_date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip())


def _text(value) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError
    # Normalise line endings so length limits and the guard see what is stored.
    return value.replace("\r\n", "\n").strip()


def _codes(value) -> list:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list | tuple):
        raise TypeError
    return list(value)


def confirmed_numbers(value) -> set[str]:
    """The confirmation keys a handler sent (`confirmed_numbers`: one or a list)."""
    values = value if isinstance(value, list | tuple) else [value]
    return {confirmation_key(v) for v in values if isinstance(v, str) and v.strip()}


def guard_text(value: str, confirmed: set[str]) -> tuple[str | None, list[tuple[str, str]]]:
    """The privacy guard's message for a text (None when it may be stored), and the numbers
    that only look like a personnummer and are not yet confirmed, as (key, text)."""
    findings = find_personal_data(value)
    if not findings:
        findings = [f for f in find_possible_identity_numbers(value) if confirmation_key(f.text) not in confirmed]
        if findings:
            return (" ".join(dict.fromkeys(f.message_sv for f in findings)),
                    [(confirmation_key(f.text), f.text) for f in findings])
        return None, []
    return " ".join(dict.fromkeys(f.message_sv for f in findings)), []


def confirmed_fields(values: dict, raw_confirmed) -> list[str]:
    """The guarded fields whose text keeps a number the handler confirmed is no personnummer:
    named in the audit log (never the number), so the access review sees who decided so."""
    confirmed = confirmed_numbers(raw_confirmed)
    if not confirmed:
        return []
    return [name for name, value in values.items() if isinstance(value, str) and any(
        confirmation_key(f.text) in confirmed for f in find_possible_identity_numbers(value))]


def clean_inquiry(raw: dict, *, partial: bool = False, existing: Inquiry | None = None) -> dict:
    """Check and normalise input. With partial=True only the keys given are checked (PATCH).

    Raises InquiryInvalid with a message per field; returns the clean values otherwise."""
    errors: dict[str, str] = {}
    privacy: set[str] = set()
    to_confirm: dict[str, list[tuple[str, str]]] = {}
    confirmed = confirmed_numbers(raw.get("confirmed_numbers"))
    clean: dict = {}

    def present(name: str) -> bool:
        return not partial or name in raw

    for name, (labels, required_message) in SINGLE_CODES.items():
        if not present(name):
            continue
        value = raw.get(name)
        if value in (None, ""):
            if required_message and not (name == "status" and not partial):
                errors[name] = required_message
            else:
                clean[name] = "open" if name == "status" else None
            continue
        if not isinstance(value, str) or value not in labels:
            errors[name] = f"Okänt värde {str(value)[:40]!r}. Välj ett av alternativen."
        else:
            clean[name] = value

    if present("received_at"):
        try:
            received = parse_datetime(raw.get("received_at"))
        except (TypeError, ValueError, OverflowError):  # Overflow: 9999-12-31T23:59:59-14:00 in UTC
            errors["received_at"] = "Ange datum och tid som ÅÅÅÅ-MM-DD TT:MM."
        else:
            if received is None:
                if partial:
                    errors["received_at"] = "Ange när kontakten togs."
                else:
                    clean["received_at"] = utcnow().replace(microsecond=0)
            elif received > utcnow() + dt.timedelta(minutes=5):
                errors["received_at"] = "Tidpunkten ligger i framtiden. Ange när kontakten togs."
            elif received.astimezone(LOCAL_TZ).date() < LINE_OPENED:
                errors["received_at"] = "Stödtelefonen öppnade 2014-03-13. Ange ett senare datum."
            else:
                clean["received_at"] = received

    for name in SHORT_TEXT_FIELDS + LONG_TEXT_FIELDS + ("callback_phone", "callback_email"):
        if not present(name):
            continue
        try:
            value = _text(raw.get(name))
        except TypeError:
            errors[name] = "Ange text."
            continue
        limit = MAX_LONG_TEXT if name in LONG_TEXT_FIELDS else (320 if name == "callback_email" else MAX_SHORT_TEXT)
        if len(value) > limit:
            errors[name] = f"Texten är för lång: högst {limit:,} tecken, här finns {len(value):,}.".replace(",", " ")
            continue
        if name in GUARDED_FIELDS:
            message, doubtful = guard_text(value, confirmed)
            if message:
                errors[name] = message
                privacy.add(name)
                if doubtful:
                    to_confirm[name] = doubtful
                continue
        clean[name] = value

    if present("summary") and "summary" in clean and not clean["summary"]:
        errors["summary"] = "Beskriv frågan kort (utan namn eller personnummer)."
    if clean.get("callback_phone") and not PHONE_RE.match(clean["callback_phone"]):
        errors["callback_phone"] = "Ange ett telefonnummer med siffror, till exempel 010-123 45 67."
    if clean.get("callback_email") and not EMAIL_RE.match(clean["callback_email"]):
        errors["callback_email"] = "Ange en giltig e-postadress, till exempel namn@kommun.se."
    for name in ("callback_name", "callback_phone", "callback_email"):
        if name in clean and not clean[name]:
            clean[name] = None

    if present("municipality_code") or present("county_code"):
        municipality = raw.get("municipality_code") or None
        county = raw.get("county_code") or None
        if municipality is not None and (not isinstance(municipality, str) or municipality not in tx.municipalities()):
            errors["municipality_code"] = "Okänd kommun. Välj en kommun i listan."
        elif county is not None and (not isinstance(county, str) or county not in tx.COUNTIES):
            errors["county_code"] = "Okänt län. Välj ett län i listan."
        elif municipality and county and tx.municipalities()[municipality].county_code != county:
            found = tx.municipalities()[municipality]
            errors["municipality_code"] = (f"{found.name} ligger inte i {tx.COUNTIES[county][1]}. "
                                           "Välj en kommun i länet, eller ändra länet.")
        else:
            if municipality:
                # An empty county takes the municipality's.
                county = tx.municipalities()[municipality].county_code
            if present("municipality_code"):
                clean["municipality_code"] = municipality
            clean["county_code"] = county

    for name, labels in tx.CODE_KINDS.items():
        if not present(name):
            continue
        try:
            values = _codes(raw.get(name))
        except TypeError:
            errors[name] = "Ange en lista med koder."
            continue
        unknown = [str(v)[:40] for v in values if not isinstance(v, str) or v not in labels]
        if unknown:
            errors[name] = "Okänd kod: " + ", ".join(unknown) + ". Välj bland alternativen."
        else:
            clean[name] = sorted(set(values))

    if present("exposed_persons"):
        persons = raw.get("exposed_persons") or []
        if not isinstance(persons, list) or len(persons) > MAX_PERSONS:
            errors["exposed_persons"] = f"Ange högst {MAX_PERSONS} utsatta personer."
        else:
            cleaned = []
            for person in persons:
                if not isinstance(person, dict):
                    errors["exposed_persons"] = "Ange åldersgrupp och kön för varje utsatt person."
                    break
                age = person.get("age_group") or "unknown"
                gender = person.get("gender") or "unknown"
                if not (isinstance(age, str) and isinstance(gender, str)) \
                        or age not in tx.AGE_GROUPS or gender not in tx.GENDERS:
                    errors["exposed_persons"] = "Okänd åldersgrupp eller kön. Välj bland alternativen."
                    break
                cleaned.append({"age_group": age, "gender": gender})
            else:
                clean["exposed_persons"] = cleaned

    if present("follow_up_on"):
        try:
            follow_up = parse_date(raw.get("follow_up_on"))
        except (TypeError, ValueError):
            errors["follow_up_on"] = "Ange datumet som ÅÅÅÅ-MM-DD."
        else:
            unchanged = existing is not None and follow_up == existing.follow_up_on
            if follow_up is not None and follow_up < today_local() and not unchanged:
                errors["follow_up_on"] = "Uppföljningsdatumet har redan passerat. Välj i dag eller ett senare datum."
            elif follow_up is not None and follow_up > latest_follow_up() and not unchanged:
                errors["follow_up_on"] = (f"Uppföljningsdatumet ligger mer än {MAX_FOLLOW_UP_YEARS} år fram i tiden. "
                                          "Välj ett närmare datum.")
            else:
                clean["follow_up_on"] = follow_up

    if present("assignee_id"):
        value = raw.get("assignee_id")
        if value in (None, ""):
            clean["assignee_id"] = None
        else:
            assignee = parse_int(value)
            if assignee is None:
                errors["assignee_id"] = "Välj en handläggare i listan."
            else:
                clean["assignee_id"] = assignee

    if present("duration_seconds"):
        value = raw.get("duration_seconds")
        if value in (None, ""):
            clean["duration_seconds"] = None
        else:
            seconds = parse_int(value, low=0, high=24 * 3600)
            if seconds is None:
                errors["duration_seconds"] = ("Samtalstiden ska vara ett helt antal sekunder mellan 0 och 86 400 "
                                              "(ett dygn).")
            else:
                clean["duration_seconds"] = seconds

    if present("linked_articles") and raw.get("linked_articles"):
        slugs = raw.get("linked_articles")
        if not isinstance(slugs, list) or not all(isinstance(v, str) for v in slugs):
            errors["linked_articles"] = "Ange artiklarna som en lista med adresser."
        else:
            found = published_articles_by_slug(slugs)
            missing = [slug for slug in dict.fromkeys(slugs) if slug not in found]
            if missing:
                errors["linked_articles"] = f"Det finns ingen publicerad artikel med adressen {missing[0][:80]!r}."
            else:
                clean["linked_articles"] = [found[slug] for slug in dict.fromkeys(slugs)]

    if errors:
        raise InquiryInvalid(errors, privacy, to_confirm)
    return clean


def published_articles_by_slug(slugs) -> dict[str, tuple[str, str]]:
    """slug -> (slug, title) of the published articles among these addresses."""
    from supportline.kb.models import Article

    wanted = [s.strip().removeprefix("/kunskap/").strip("/") for s in slugs if s and s.strip()]
    rows = db.session.execute(select(Article.slug, Article.title).where(
        Article.slug.in_(wanted), Article.status == "published")).all()
    return {slug: (slug, title) for slug, title in rows}


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


def assignable_users() -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.active.is_(True), User.role.in_(["handler", "admin"])).order_by(User.name, User.email)
    ))


def _organisation_key(value: str | None) -> str | None:
    key = " ".join((value or "").lower().split())
    return key[:200] or None


def _phone_key(value: str | None) -> str | None:
    digits = re.sub(r"[^0-9]", "", value or "")
    if digits.startswith("0046"):
        digits = "0" + digits[4:]
    elif digits.startswith("46") and (value or "").strip().startswith("+"):
        digits = "0" + digits[2:]
    return digits[:20] or None


def _apply(inquiry: Inquiry, clean: dict) -> list[str]:
    """Copy clean values onto the inquiry; returns the names of the fields that changed."""
    changed = []
    for name, value in clean.items():
        if name == "exposed_persons":
            old = [{"age_group": p.age_group, "gender": p.gender} for p in inquiry.exposed_persons]
            if old != value:
                inquiry.exposed_persons = [ExposedPerson(position=i, age_group=p["age_group"], gender=p["gender"])
                                           for i, p in enumerate(value)]
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
    inquiry.organisation_key = _organisation_key(inquiry.caller_organisation)
    inquiry.callback_phone_key = _phone_key(inquiry.callback_phone)
    return changed


# --- changes ------------------------------------------------------------------------------

def create_inquiry(actor: User, raw: dict, *, idempotency: tuple[str, str] | None = None) -> Inquiry:
    """A new inquiry. idempotency is (key, fingerprint) when the caller may repeat the save;
    use create_inquiry_once for that."""
    from supportline.handover.lifecycle import intake_closed_message

    # An installation that handed the line over to NCK takes no new calls, whichever way they come.
    closed = intake_closed_message()
    if closed is not None:
        raise IntakeClosed(closed)
    clean = clean_inquiry(raw)
    begin_write()
    errors: dict[str, str] = {}
    _check_assignee(clean, errors)
    if errors:
        db.session.rollback()
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
    _reindex(inquiry)
    db.session.execute(delete(InquiryDraft).where(InquiryDraft.user_id == actor.id, InquiryDraft.key == "new"))
    confirmed = confirmed_fields({n: clean[n] for n in GUARDED_FIELDS if n in clean}, raw.get("confirmed_numbers"))
    record("inquiry.create", actor, object_type="inquiry", object_id=inquiry.id,
           detail={"confirmed_numbers_in": confirmed} if confirmed else None)
    db.session.commit()
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


def _by_idempotency_key(actor: User, key: str) -> Inquiry | None:
    return db.session.scalar(select(Inquiry).where(Inquiry.created_by_id == actor.id,
                                                   Inquiry.idempotency_key == key))


def create_inquiry_once(actor: User, raw: dict, key: str, fingerprint: str) -> CreateOnce:
    """create_inquiry, at most once per (user, key): a client that got an error or no answer
    saves again with the same key and gets the inquiry the first save made, if it made one.

    The repeat is looked up before the input is checked, so a repeat still finds its inquiry
    when the input would no longer pass (a follow-up date that has passed since)."""
    begin_write()
    existing = _by_idempotency_key(actor, key)
    if existing is None:
        try:
            return CreateOnce(create_inquiry(actor, raw, idempotency=(key, fingerprint)).id, created=True)
        except IntegrityError:
            # PostgreSQL: another request with this key inserted first and committed while this
            # one waited on the unique index. (SQLite's write lock already serialised the two.)
            db.session.rollback()
            existing = _by_idempotency_key(actor, key)
            if existing is None:
                raise
    result = CreateOnce(existing.id, created=False,
                        same_request=hmac.compare_digest(existing.idempotency_fingerprint or "", fingerprint))
    db.session.rollback()  # nothing written: end the (on SQLite, write-locked) transaction
    return result


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
        db.session.rollback()
        raise InquiryNotFound(inquiry_id)
    if inquiry.anonymised_at is not None:
        anonymised_at = inquiry.anonymised_at
        db.session.rollback()
        raise InquiryAnonymised(inquiry_id, anonymised_at)
    return inquiry


def update_inquiry(actor: User, inquiry_id: int, raw: dict, *, expected_version: int | None,
                   partial: bool = True) -> Inquiry:
    """Change an inquiry. expected_version is the version the change was based on; None only for
    one-field actions (status, assignment, follow-up) that cannot overwrite anything else.

    An anonymised inquiry is refused (InquiryAnonymised) before the version is compared: a form
    opened before the anonymisation must not be offered the conflict page, whose "save anyway"
    would write the old text back."""
    begin_write()
    inquiry = _load_for_update(inquiry_id)
    if expected_version is not None and inquiry.version != expected_version:
        db.session.rollback()
        raise StaleVersion(get_inquiry(actor, inquiry_id, action="inquiry.read.conflict"))
    try:
        clean = clean_inquiry(raw, partial=partial, existing=inquiry)
    except InquiryInvalid:
        db.session.rollback()
        raise
    errors: dict[str, str] = {}
    if clean.get("assignee_id") != inquiry.assignee_id:
        _check_assignee(clean, errors)
    if errors:
        db.session.rollback()
        raise InquiryInvalid(errors)
    old = {"status": inquiry.status, "assignee_id": inquiry.assignee_id, "follow_up_on": inquiry.follow_up_on}
    linked = {(e.detail or {}).get("slug") for e in inquiry.timeline if e.kind == "article_link"}
    articles = [a for a in clean.pop("linked_articles", []) if a[0] not in linked]
    changed = _apply(inquiry, clean)
    if articles:
        _link_articles(inquiry, actor, articles)
        changed.append("linked_articles")
    if not changed:
        db.session.rollback()
        return inquiry
    if "status" in changed:
        _entry(inquiry, actor, "status", "", {"from": old["status"], "to": inquiry.status})
    if "assignee_id" in changed:
        _entry(inquiry, actor, "assignment", "", {"from": old["assignee_id"], "to": inquiry.assignee_id})
    if "follow_up_on" in changed:
        _entry(inquiry, actor, "follow_up", "", {
            "from": old["follow_up_on"].isoformat() if old["follow_up_on"] else None,
            "to": inquiry.follow_up_on.isoformat() if inquiry.follow_up_on else None})
    others = [f for f in changed if f not in {"status", "assignee_id", "follow_up_on"}]
    if others:
        _entry(inquiry, actor, "edit", "", {"fields": others})
    inquiry.version += 1
    inquiry.updated_at = utcnow()
    _reindex(inquiry)
    db.session.execute(delete(InquiryDraft).where(InquiryDraft.user_id == actor.id,
                                                  InquiryDraft.key == f"inquiry-{inquiry.id}"))
    # Names of fields only: the audit log must not become a second copy of the case text.
    confirmed = confirmed_fields({n: clean[n] for n in GUARDED_FIELDS if n in clean}, raw.get("confirmed_numbers"))
    record("inquiry.update", actor, object_type="inquiry", object_id=inquiry.id,
           detail={"fields": changed, "version": inquiry.version,
                   **({"confirmed_numbers_in": confirmed} if confirmed else {})})
    db.session.commit()
    return inquiry


ENTRY_KINDS_BY_HAND = {"contact", "note", "article_link"}


def add_entry(actor: User, inquiry_id: int, kind: str, text: str, at=None, confirmed=()) -> TimelineEntry:
    """A later contact, an internal note or a linked guidance article on the timeline.
    `confirmed`: the numbers the handler confirmed are not personnummer."""
    errors: dict[str, str] = {}
    if kind not in ENTRY_KINDS_BY_HAND:
        errors["kind"] = "Välj kontakt, anteckning eller länkad vägledning."
    try:
        text = _text(text)
    except TypeError:
        text = ""
    privacy = set()
    to_confirm = {}
    if not text:
        errors["text"] = "Skriv vad som hände." if kind != "article_link" else "Ange artikelns adress."
    elif len(text) > MAX_LONG_TEXT:
        errors["text"] = f"Texten är för lång: högst 20 000 tecken, här finns {len(text)}."
    else:
        message, doubtful = guard_text(text, confirmed_numbers(list(confirmed)))
        if message:
            errors["text"] = message
            privacy.add("text")
            if doubtful:
                to_confirm["text"] = doubtful
    detail = None
    if kind == "article_link" and text and "text" not in errors:
        found = published_articles_by_slug([text])
        if not found:
            errors["text"] = f"Det finns ingen publicerad artikel med adressen {text[:80]!r}."
        else:
            (slug, title), = found.values()
            text, detail = title, {"slug": slug}
    try:
        when = parse_datetime(at) if at else None
    except ValueError:
        errors["at"] = "Ange datum och tid som ÅÅÅÅ-MM-DD TT:MM."
        when = None
    if when is not None and when > utcnow() + dt.timedelta(minutes=5):
        errors["at"] = "Tidpunkten ligger i framtiden."
    if errors:
        raise InquiryInvalid(errors, privacy, to_confirm)
    begin_write()
    inquiry = _load_for_update(inquiry_id)
    entry = _entry(inquiry, actor, kind, text, detail, when)
    inquiry.updated_at = utcnow()
    inquiry.version += 1
    db.session.flush()
    _reindex(inquiry)
    confirmed_in = confirmed_fields({"text": text}, list(confirmed))
    record("inquiry.entry", actor, object_type="inquiry", object_id=inquiry.id,
           detail={"kind": kind, **({"confirmed_numbers_in": confirmed_in} if confirmed_in else {})})
    db.session.commit()
    return entry


def _reindex(inquiry: Inquiry) -> None:
    from supportline.inquiries.search import index_inquiry

    index_inquiry(inquiry)


# --- reads --------------------------------------------------------------------------------

def get_inquiry(actor: User, inquiry_id: int, action: str = "inquiry.read") -> Inquiry:
    """One inquiry with everything shown on its page; the read is audit-logged."""
    inquiry = db.session.scalar(
        select(Inquiry).where(Inquiry.id == inquiry_id).options(
            selectinload(Inquiry.exposed_persons), selectinload(Inquiry.codes),
            selectinload(Inquiry.timeline).selectinload(TimelineEntry.user),
            selectinload(Inquiry.created_by), selectinload(Inquiry.assignee))
    )
    if inquiry is None:
        db.session.rollback()
        raise InquiryNotFound(inquiry_id)
    record_read(action, actor, object_type="inquiry", object_id=inquiry.id)
    return inquiry


@dataclass(frozen=True)
class InquiryRow:
    """What a list shows of an inquiry: plain values, safe to use after the commit."""

    id: int
    received_at: dt.datetime
    status: str
    urgency: str
    county_code: str | None
    caller_sector: str | None
    caller_organisation: str
    summary: str
    follow_up_on: dt.date | None
    assignee_id: int | None
    created_by_id: int

    @property
    def excerpt(self) -> str:
        text = " ".join(self.summary.split())
        return text if len(text) <= 160 else text[:157].rstrip() + "…"


ROW_COLUMNS = (Inquiry.id, Inquiry.received_at, Inquiry.status, Inquiry.urgency, Inquiry.county_code,
               Inquiry.caller_sector, Inquiry.caller_organisation, Inquiry.summary, Inquiry.follow_up_on,
               Inquiry.assignee_id, Inquiry.created_by_id)


def audit_list(actor: User, action: str, ids: list[int], detail: dict | None = None) -> None:
    """Log which inquiries a list showed. Done after the query, so on SQLite the write lock is
    held only for this insert and not for the whole search."""
    record_read(action, actor, object_type="inquiry", detail={**(detail or {}), "ids": ids})


def due_follow_ups(actor: User, limit: int = 50) -> list[InquiryRow]:
    """Inquiries assigned to the user (or created by them and unassigned) with a follow-up due
    today or earlier, oldest first, not closed."""
    mine = or_(Inquiry.assignee_id == actor.id, (Inquiry.assignee_id.is_(None)) & (Inquiry.created_by_id == actor.id))
    rows = db.session.execute(
        select(*ROW_COLUMNS).where(mine, Inquiry.follow_up_on.is_not(None), Inquiry.follow_up_on <= today_local(),
                                   Inquiry.status != "closed")
        .order_by(Inquiry.follow_up_on, Inquiry.id).limit(limit)
    ).all()
    result = [InquiryRow(*r) for r in rows]
    if result:
        audit_list(actor, "inquiry.list.follow_ups", [r.id for r in result])
    else:
        db.session.rollback()
    return result


def sees_callback_details(actor: User) -> bool:
    """Who may see a caller's call-back details: those who call back. Coordinators follow up
    and evaluate; they need the case, not the professional's number."""
    return actor.has_role("handler", "admin")


def previous_contacts(actor: User, organisation: str | None, phone: str | None, exclude_id: int | None = None,
                      limit: int = 10, audit: bool = True) -> list[InquiryRow]:
    """Earlier inquiries from the same organisation or call-back number ("tidigare kontakter").

    Only for those who may see call-back details: the list matches on the number, so it would
    tell anyone else which cases share one."""
    if not sees_callback_details(actor):
        return []
    conditions = []
    org_key = _organisation_key(organisation)
    phone_key = _phone_key(phone)
    if org_key and len(org_key) >= 3:
        conditions.append(Inquiry.organisation_key == org_key)
    if phone_key and len(phone_key) >= 6:
        conditions.append(Inquiry.callback_phone_key == phone_key)
    if not conditions:
        return []
    stmt = select(*ROW_COLUMNS).where(or_(*conditions))
    if exclude_id is not None:
        stmt = stmt.where(Inquiry.id != exclude_id)
    rows = [InquiryRow(*r) for r in db.session.execute(
        stmt.order_by(Inquiry.received_at.desc(), Inquiry.id.desc()).limit(limit)).all()]
    if rows and audit:
        audit_list(actor, "inquiry.list.previous", [r.id for r in rows])
    else:
        db.session.rollback()
    return rows


def users_by_id(ids) -> dict[int, User]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


# --- drafts -------------------------------------------------------------------------------

DRAFT_MAX_BYTES = 200_000


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
    inquiry_id = draft_inquiry_id(key)
    if inquiry_id is not None:
        anonymised_at = db.session.scalar(select(Inquiry.anonymised_at).where(Inquiry.id == inquiry_id))
        db.session.rollback()
        if anonymised_at is not None:
            raise InquiryAnonymised(inquiry_id, anonymised_at)
    submission_key = payload.get("submission_key")
    if key == "new" and isinstance(submission_key, str) and valid_idempotency_key(submission_key):
        saved = _by_idempotency_key(actor, submission_key)
        db.session.rollback()
        if saved is not None:
            # The form of a call already saved (reached again by Back): a draft of it would be
            # offered back as unsaved work.
            return {}
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
    begin_write()
    draft = db.session.scalar(select(InquiryDraft).where(InquiryDraft.user_id == actor.id, InquiryDraft.key == key))
    if draft is None:
        draft = InquiryDraft(user_id=actor.id, key=key, payload=safe)
        db.session.add(draft)
    else:
        draft.payload = safe
    draft.updated_at = utcnow()
    db.session.commit()
    return findings


def get_draft(actor: User, key: str) -> InquiryDraft | None:
    return db.session.scalar(select(InquiryDraft).where(InquiryDraft.user_id == actor.id, InquiryDraft.key == key))


def discard_draft(actor: User, key: str) -> None:
    begin_write()
    db.session.execute(delete(InquiryDraft).where(InquiryDraft.user_id == actor.id, InquiryDraft.key == key))
    db.session.commit()


def count_due_follow_ups() -> int:
    """How many open inquiries have a follow-up due today or earlier (a figure for monitoring:
    no inquiry is read)."""
    from sqlalchemy import func

    return db.session.scalar(
        select(func.count()).select_from(Inquiry).where(
            Inquiry.follow_up_on.is_not(None), Inquiry.follow_up_on <= today_local(), Inquiry.status != "closed")
    ) or 0
