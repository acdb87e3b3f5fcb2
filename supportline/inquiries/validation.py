"""Checking what a form, the JSON API or the CLI sends for an inquiry.

Validation lives here, not in the form, so the web form and the JSON API give the same
Swedish message for the same mistake. `clean_inquiry` runs a table of small checks, one per
field (or pair of fields that belong together), each of which either puts a clean value in
`Check.clean` or a message in `Check.errors`."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from supportline.dates import LOCAL_TZ, today_local
from supportline.db import utcnow
from supportline.extensions import db
from supportline.inquiries import taxonomy as tx
from supportline.inquiries.constants import (
    EMAIL_RE,
    ENTRY_KINDS_BY_HAND,
    GUARDED_FIELDS,
    LINE_OPENED,
    LONG_TEXT_FIELDS,
    MAX_EMAIL,
    MAX_FOLLOW_UP_YEARS,
    MAX_LONG_TEXT,
    MAX_PERSONS,
    MAX_SHORT_TEXT,
    PHONE_RE,
    SHORT_TEXT_FIELDS,
    SINGLE_CODES,
)
from supportline.inquiries.errors import InquiryInvalid
from supportline.inquiries.models import Inquiry
from supportline.kb.models import Article
from supportline.privacy.guard import confirmation_key, find_personal_data, find_possible_identity_numbers
from supportline.query_args import parse_int
from supportline.stats.models import ResourceCentre

# --- parsing ------------------------------------------------------------------------------

def latest_follow_up() -> dt.date:
    """The latest follow-up date a case may get: a reminder years ahead is a typing mistake."""
    today = today_local()
    try:
        return today.replace(year=today.year + MAX_FOLLOW_UP_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year + MAX_FOLLOW_UP_YEARS, day=28)


def parse_datetime(value) -> dt.datetime | None:
    """An aware UTC datetime from an ISO string; a time without offset is Swedish local time
    (what <input type=datetime-local> sends). ValueError for anything else, a time whose UTC
    lies outside the years 1-9999 included (0001-01-01T00:00:00+14:00)."""
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
    try:
        return parsed.astimezone(dt.UTC)
    except OverflowError as exc:  # a ValueError for every caller, not a server error for the one that forgot
        raise ValueError(f"{value!r} is outside the years 1-9999 in UTC") from exc


def parse_date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip())


def text_value(value) -> str:
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


def organisation_key(value: str | None) -> str | None:
    """An organisation's name as "tidigare kontakter" compares it: case and spacing ignored."""
    key = " ".join((value or "").lower().split())
    return key[:200] or None


def phone_key(value: str | None) -> str | None:
    """A phone number as it is compared: digits only, +46 and 0046 written as a leading 0, so
    "+46 10-123 45 67" and "010 123 45 67" are one number."""
    digits = re.sub(r"[^0-9]", "", value or "")
    if digits.startswith("0046"):
        digits = "0" + digits[4:]
    elif digits.startswith("46") and (value or "").strip().startswith("+"):
        digits = "0" + digits[2:]
    return digits[:20] or None


# --- the privacy guard --------------------------------------------------------------------

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


def published_articles_by_slug(slugs) -> dict[str, tuple[str, str]]:
    """slug -> (slug, title) of the published articles among these addresses."""
    wanted = [s.strip().removeprefix("/kunskap/").strip("/") for s in slugs if s and s.strip()]
    rows = db.session.execute(select(Article.slug, Article.title).where(
        Article.slug.in_(wanted), Article.status == "published")).all()
    return {slug: (slug, title) for slug, title in rows}


# --- one check per field ------------------------------------------------------------------

@dataclass
class Check:
    """One input being checked: what was sent, and what the checks have found so far."""

    raw: dict
    partial: bool
    existing: Inquiry | None
    confirmed: set[str]
    clean: dict = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    privacy: set[str] = field(default_factory=set)
    to_confirm: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def present(self, name: str) -> bool:
        return not self.partial or name in self.raw


def _single_code(c: Check, name: str) -> None:
    labels, required_message = SINGLE_CODES[name]
    value = c.raw.get(name)
    if value in (None, ""):
        # A new inquiry without a status is open; a PATCH that empties the status is refused.
        if required_message and not (name == "status" and not c.partial):
            c.errors[name] = required_message
        else:
            c.clean[name] = "open" if name == "status" else None
    elif not isinstance(value, str) or value not in labels:
        c.errors[name] = f"Okänt värde {str(value)[:40]!r}. Välj ett av alternativen."
    else:
        c.clean[name] = value


def _received_at(c: Check, name: str) -> None:
    try:
        received = parse_datetime(c.raw.get(name))
    except (TypeError, ValueError):
        c.errors[name] = "Ange datum och tid som ÅÅÅÅ-MM-DD TT:MM."
        return
    if received is None:
        if c.partial:
            c.errors[name] = "Ange när kontakten togs."
        else:
            c.clean[name] = utcnow().replace(microsecond=0)
    elif received > utcnow() + dt.timedelta(minutes=5):
        c.errors[name] = "Tidpunkten ligger i framtiden. Ange när kontakten togs."
    elif received.astimezone(LOCAL_TZ).date() < LINE_OPENED:
        c.errors[name] = "Stödtelefonen öppnade 2014-03-13. Ange ett senare datum."
    else:
        c.clean[name] = received


TEXT_LIMITS = {**dict.fromkeys(SHORT_TEXT_FIELDS, MAX_SHORT_TEXT), **dict.fromkeys(LONG_TEXT_FIELDS, MAX_LONG_TEXT),
               "callback_phone": MAX_SHORT_TEXT, "callback_email": MAX_EMAIL}


def _text(c: Check, name: str) -> None:
    try:
        value = text_value(c.raw.get(name))
    except TypeError:
        c.errors[name] = "Ange text."
        return
    limit = TEXT_LIMITS[name]
    if len(value) > limit:
        c.errors[name] = f"Texten är för lång: högst {limit:,} tecken, här finns {len(value):,}.".replace(",", " ")
        return
    if name in GUARDED_FIELDS:
        message, doubtful = guard_text(value, c.confirmed)
        if message:
            c.errors[name] = message
            c.privacy.add(name)
            if doubtful:
                c.to_confirm[name] = doubtful
            return
    c.clean[name] = value


def _summary_given(c: Check, name: str) -> None:
    if name in c.clean and not c.clean[name]:
        c.errors[name] = "Beskriv frågan kort (utan namn eller personnummer)."


def _matches(pattern: re.Pattern, message: str) -> Callable[[Check, str], None]:
    def check(c: Check, name: str) -> None:
        if c.clean.get(name) and not pattern.match(c.clean[name]):
            c.errors[name] = message
    return check


def _empty_is_none(c: Check, name: str) -> None:
    if name in c.clean and not c.clean[name]:
        c.clean[name] = None


def _place(c: Check, _name: str) -> None:
    """Municipality and county together: a municipality must lie in the county given, and an
    empty county takes the municipality's."""
    municipality = c.raw.get("municipality_code") or None
    county = c.raw.get("county_code") or None
    if municipality is not None and (not isinstance(municipality, str) or municipality not in tx.municipalities()):
        c.errors["municipality_code"] = "Okänd kommun. Välj en kommun i listan."
    elif county is not None and (not isinstance(county, str) or county not in tx.COUNTIES):
        c.errors["county_code"] = "Okänt län. Välj ett län i listan."
    elif municipality and county and tx.municipalities()[municipality].county_code != county:
        found = tx.municipalities()[municipality]
        c.errors["municipality_code"] = (f"{found.name} ligger inte i {tx.COUNTIES[county][1]}. "
                                         "Välj en kommun i länet, eller ändra länet.")
    else:
        if municipality:
            county = tx.municipalities()[municipality].county_code
        if c.present("municipality_code"):
            c.clean["municipality_code"] = municipality
        c.clean["county_code"] = county


def _code_list(c: Check, name: str) -> None:
    labels = tx.CODE_KINDS[name]
    try:
        values = _codes(c.raw.get(name))
    except TypeError:
        c.errors[name] = "Ange en lista med koder."
        return
    unknown = [str(v)[:40] for v in values if not isinstance(v, str) or v not in labels]
    if unknown:
        c.errors[name] = "Okänd kod: " + ", ".join(unknown) + ". Välj bland alternativen."
    else:
        c.clean[name] = sorted(set(values))


def _person(person) -> dict | str:
    """One person as stored, or the message that refuses it. Role and relations may be left
    out (an exposed person whose perpetrators' relation is not known)."""
    if not isinstance(person, dict):
        return "Ange åldersgrupp och kön för varje person."
    age = person.get("age_group") or "unknown"
    gender = person.get("gender") or "unknown"
    role = person.get("role") or "exposed"
    if not (isinstance(age, str) and isinstance(gender, str)) or age not in tx.AGE_GROUPS or gender not in tx.GENDERS:
        return "Okänd åldersgrupp eller kön. Välj bland alternativen."
    if not isinstance(role, str) or role not in tx.PERSON_ROLES:
        return "Ange om personen är utsatt eller bara omnämnd."
    try:
        relations = _codes(person.get("perpetrator_relations"))
    except TypeError:
        return "Ange förövarnas relation till personen som en lista med koder."
    if any(not isinstance(r, str) or r not in tx.PERPETRATOR_RELATIONS for r in relations):
        return "Okänd relation till förövaren. Välj bland alternativen."
    return {"age_group": age, "gender": gender, "role": role, "perpetrator_relations": sorted(set(relations))}


def _exposed_persons(c: Check, name: str) -> None:
    persons = c.raw.get(name) or []
    if not isinstance(persons, list) or len(persons) > MAX_PERSONS:
        c.errors[name] = f"Ange högst {MAX_PERSONS} personer."
        return
    cleaned = [_person(p) for p in persons]
    refused = next((p for p in cleaned if isinstance(p, str)), None)
    if refused is not None:
        c.errors[name] = refused
    else:
        c.clean[name] = cleaned


def _now_or_saved(c: Check, name: str, saved):
    """A field's clean value, or (for a change that leaves it out) the value saved before."""
    if name in c.clean:
        return c.clean[name]
    return saved(c.existing) if c.existing is not None else None


def _relations_cover_persons(c: Check, _name: str) -> None:
    """The case's perpetrator relations include each person's: the inquiry-level list is what
    lists, filters and the series before per-person relations count, so it must not miss one."""
    if "perpetrator_relations" in c.errors or "exposed_persons" in c.errors:
        return
    persons = _now_or_saved(c, "exposed_persons", lambda i: [p.as_dict() for p in i.exposed_persons]) or []
    case = _now_or_saved(c, "perpetrator_relations", lambda i: i.codes_of("perpetrator_relations")) or []
    union = sorted({*case, *(r for p in persons for r in p["perpetrator_relations"])})
    if union != sorted(case) or "perpetrator_relations" in c.clean:
        c.clean["perpetrator_relations"] = union


def _centre_id(value) -> int | None | str:
    """The centre an input names: null, an id, or {"id": ...} as the record shows it."""
    if isinstance(value, dict):
        value = value.get("id")
    if value in (None, ""):
        return None
    number = parse_int(value, low=1)
    return number if number is not None else "Välj ett resurscentrum i listan."


def _resource_centre(c: Check, name: str) -> None:
    """The resource centre the centre outcomes name: required with one of them, an active row of
    the directory, and dropped when no centre outcome is chosen (the form keeps its choice in
    the list while the outcome is unticked)."""
    if "outcomes" in c.errors:
        return
    outcomes = _now_or_saved(c, "outcomes", lambda i: i.codes_of("outcomes")) or []
    wanted = c.raw.get(name) if name in c.raw else (
        c.existing.centre.centre_id if c.existing is not None and c.existing.centre is not None else None)
    if not any(o in tx.CENTRE_OUTCOMES for o in outcomes):
        if name in c.raw or c.existing is not None:
            c.clean[name] = None
        return
    centre_id = _centre_id(wanted)
    if isinstance(centre_id, str):
        c.errors[name] = centre_id
    elif centre_id is None:
        keep = name not in c.raw and c.existing is not None and c.existing.centre is not None
        if not keep:
            c.errors[name] = "Välj vilket resurscentrum utfallet gäller."
    elif c.existing is not None and c.existing.centre is not None and c.existing.centre.centre_id == centre_id:
        c.clean[name] = centre_id  # kept as saved, even if the directory has marked it closed since
    elif (centre := db.session.get(ResourceCentre, centre_id)) is None or not centre.active:
        c.errors[name] = "Det resurscentrumet finns inte i katalogen. Välj ett i listan."
    else:
        c.clean[name] = centre_id


def _outcomes_fit(c: Check, name: str) -> None:
    """Outcomes that contradict each other, and a referral elsewhere that says not where."""
    if name in c.errors or "referrals" in c.errors:
        return
    outcomes = set(_now_or_saved(c, name, lambda i: i.codes_of(name)) or [])
    referrals = set(_now_or_saved(c, "referrals", lambda i: i.codes_of("referrals")) or [])
    if "advice_only" in outcomes and outcomes & {*tx.CENTRE_OUTCOMES, "referred_elsewhere"}:
        c.errors[name] = ("”Enbart råd och stöd” går inte ihop med en hänvisning. "
                          "Ta bort det ena av dem.")
    elif "referred_elsewhere" in outcomes and not referrals - {"resource_centre"}:
        c.errors["referrals"] = "Ange vart ärendet hänvisades (utfallet ”Hänvisad till annan instans”)."


def _follow_up_on(c: Check, name: str) -> None:
    try:
        follow_up = parse_date(c.raw.get(name))
    except (TypeError, ValueError):
        c.errors[name] = "Ange datumet som ÅÅÅÅ-MM-DD."
        return
    # A date already saved may stay as it is (an inquiry edited after its follow-up day).
    unchanged = c.existing is not None and follow_up == c.existing.follow_up_on
    if follow_up is not None and follow_up < today_local() and not unchanged:
        c.errors[name] = "Uppföljningsdatumet har redan passerat. Välj i dag eller ett senare datum."
    elif follow_up is not None and follow_up > latest_follow_up() and not unchanged:
        c.errors[name] = (f"Uppföljningsdatumet ligger mer än {MAX_FOLLOW_UP_YEARS} år fram i tiden. "
                          "Välj ett närmare datum.")
    else:
        c.clean[name] = follow_up


def _optional_int(message: str, **bounds) -> Callable[[Check, str], None]:
    def check(c: Check, name: str) -> None:
        value = c.raw.get(name)
        if value in (None, ""):
            c.clean[name] = None
            return
        number = parse_int(value, **bounds)
        if number is None:
            c.errors[name] = message
        else:
            c.clean[name] = number
    return check


def _linked_articles(c: Check, name: str) -> None:
    slugs = c.raw.get(name)
    if not slugs:
        return
    if not isinstance(slugs, list) or not all(isinstance(v, str) for v in slugs):
        c.errors[name] = "Ange artiklarna som en lista med adresser."
        return
    found = published_articles_by_slug(slugs)
    missing = [slug for slug in dict.fromkeys(slugs) if slug not in found]
    if missing:
        c.errors[name] = f"Det finns ingen publicerad artikel med adressen {missing[0][:80]!r}."
    else:
        c.clean[name] = [found[slug] for slug in dict.fromkeys(slugs)]


# In this order: a later check may read what an earlier one cleaned (the call-back number's
# format is checked on the text the text check kept), and the messages come out in form order.
# An entry runs when any of its fields was sent (every field, unless the change is partial).
CHECKS: tuple[tuple[tuple[str, ...], Callable[[Check, str], None]], ...] = (
    *(((name,), _single_code) for name in SINGLE_CODES),
    (("received_at",), _received_at),
    *(((name,), _text) for name in (*SHORT_TEXT_FIELDS, *LONG_TEXT_FIELDS, "callback_phone", "callback_email")),
    (("summary",), _summary_given),
    (("callback_phone",), _matches(PHONE_RE, "Ange ett telefonnummer med siffror, till exempel 010-123 45 67.")),
    (("callback_email",), _matches(EMAIL_RE, "Ange en giltig e-postadress, till exempel namn@kommun.se.")),
    *(((name,), _empty_is_none) for name in ("callback_name", "callback_phone", "callback_email")),
    (("municipality_code", "county_code"), _place),
    *(((name,), _code_list) for name in tx.CODE_KINDS),
    (("exposed_persons",), _exposed_persons),
    (("perpetrator_relations", "exposed_persons"), _relations_cover_persons),
    (("resource_centre", "outcomes"), _resource_centre),
    (("outcomes", "referrals"), _outcomes_fit),
    (("follow_up_on",), _follow_up_on),
    (("assignee_id",), _optional_int("Välj en handläggare i listan.")),
    (("duration_seconds",), _optional_int(
        "Samtalstiden ska vara ett helt antal sekunder mellan 0 och 86 400 (ett dygn).", low=0, high=24 * 3600)),
    (("linked_articles",), _linked_articles),
)


def _entry_text(kind: str, text, confirmed) -> tuple[str, dict | None, InquiryInvalid | None]:
    """The text of a timeline entry and the linked article's slug (detail), or the refusal."""
    try:
        text = text_value(text)
    except TypeError:
        text = ""
    if not text:
        message = "Skriv vad som hände." if kind != "article_link" else "Ange artikelns adress."
        return text, None, InquiryInvalid({"text": message})
    if len(text) > MAX_LONG_TEXT:
        return text, None, InquiryInvalid({"text": f"Texten är för lång: högst 20 000 tecken, här finns {len(text)}."})
    message, doubtful = guard_text(text, confirmed_numbers(list(confirmed)))
    if message:
        return text, None, InquiryInvalid({"text": message}, {"text"}, {"text": doubtful} if doubtful else {})
    if kind != "article_link":
        return text, None, None
    found = published_articles_by_slug([text])
    if not found:
        return text, None, InquiryInvalid({"text": f"Det finns ingen publicerad artikel med adressen {text[:80]!r}."})
    (slug, title), = found.values()
    return title, {"slug": slug}, None


def clean_entry(kind: str, text, at, confirmed) -> tuple[str, dict | None, dt.datetime | None]:
    """Check a timeline entry typed by hand: its kind, its text (for a linked article, the
    article's address, which becomes its title) and its time. Returns (text, detail, at)."""
    errors: dict[str, str] = {}
    privacy: set[str] = set()
    to_confirm: dict[str, list[tuple[str, str]]] = {}
    if kind not in ENTRY_KINDS_BY_HAND:
        errors["kind"] = "Välj kontakt, anteckning eller länkad vägledning."
    text, detail, refused = _entry_text(kind, text, confirmed)
    if refused is not None:
        errors.update(refused.errors)
        privacy, to_confirm = refused.privacy_fields, refused.to_confirm
    try:
        when = parse_datetime(at) if at else None
    except ValueError:
        errors["at"] = "Ange datum och tid som ÅÅÅÅ-MM-DD TT:MM."
        when = None
    if when is not None and when > utcnow() + dt.timedelta(minutes=5):
        errors["at"] = "Tidpunkten ligger i framtiden."
    if errors:
        raise InquiryInvalid(errors, privacy, to_confirm)
    return text, detail, when


def clean_inquiry(raw: dict, *, partial: bool = False, existing: Inquiry | None = None) -> dict:
    """Check and normalise input. With partial=True only the keys given are checked (PATCH).

    Raises InquiryInvalid with a message per field; returns the clean values otherwise."""
    check = Check(raw, partial, existing, confirmed_numbers(raw.get("confirmed_numbers")))
    for names, run in CHECKS:
        if any(check.present(name) for name in names):
            run(check, names[0])
    if check.errors:
        raise InquiryInvalid(check.errors, check.privacy, check.to_confirm)
    return check.clean
