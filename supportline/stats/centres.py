"""The resource-centre directory: reads and the coordinators' changes (audited)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import func, select

from supportline.audit import service as audit
from supportline.extensions import db
from supportline.inquiries import taxonomy as tx
from supportline.stats.models import CENTRE_STATUSES, ResourceCentre
from supportline.stats.seed_data import apply_seed
from supportline.transactions import write_transaction

FIELDS = ("county_code", "name", "host_organisation", "contact", "status", "since", "needs_verification", "note",
          "whole_county", "municipality_codes", "offers", "website", "phone", "hours", "sources", "verified_on")
# A published switchboard or function number: digits with the usual separators, nothing else.
PHONE = re.compile(r"^\+?[0-9][0-9 \-]{4,24}$")
URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


class CentreError(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def all_centres() -> list[ResourceCentre]:
    rows = db.session.scalars(select(ResourceCentre)).all()
    order = list(tx.COUNTY_LABELS)
    return sorted(rows, key=lambda c: (order.index(c.county_code) if c.county_code in order else 99, c.name, c.id))


def centres_for_county(county_code: str | None) -> list[ResourceCentre]:
    if not county_code:
        return []
    return db.session.scalars(select(ResourceCentre).where(ResourceCentre.county_code == county_code,
                                                           ResourceCentre.status != "none")
                              .order_by(ResourceCentre.name)).all()


def seed_centres(actor=None) -> dict[str, int]:
    """Bring the directory to the researched seed (the migration does the same on upgrade).
    Idempotent; rows a coordinator has saved are kept as they are."""
    with write_transaction():
        counts = apply_seed(db.session.connection(), dt.datetime.now(dt.UTC).replace(tzinfo=None))
        if counts["inserted"] or counts["updated"]:
            audit.record("resource_centre.seed", actor, object_type="resource_centre", detail=counts)
    return counts


def _date(raw, name: str, errors: dict) -> dt.date | None:
    value = raw.get(name)
    if isinstance(value, dt.date) or not value:
        return value or None
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        errors[name] = "Ange datumet som ÅÅÅÅ-MM-DD."
        return None


def parse_municipalities(text: str) -> tuple[str, list[str]]:
    """Names or SCB codes, separated by commas or new lines -> space-separated codes, and the
    entries that are not a Swedish municipality (for the error message)."""
    known = tx.municipalities()
    by_name = {m.name.casefold(): code for code, m in known.items()}
    codes, unknown = [], []
    for part in re.split(r"[,;\n]+", text or ""):
        part = part.strip()
        if not part:
            continue
        code = part if part in known else by_name.get(part.casefold())
        if code is None:
            unknown.append(part)
        elif code not in codes:
            codes.append(code)
    return " ".join(codes), unknown


def municipality_text(codes: str) -> str:
    """The form's text for stored codes: names, comma-separated."""
    known = tx.municipalities()
    return ", ".join(known[c].name if c in known else c for c in codes.split())


def clean(raw: dict) -> dict:
    errors: dict[str, str] = {}
    data: dict = {}
    county = (raw.get("county_code") or "").strip()
    if county not in tx.COUNTY_LABELS:
        errors["county_code"] = "Välj ett län i listan."
    data["county_code"] = county
    status = (raw.get("status") or "").strip()
    if status not in CENTRE_STATUSES:
        errors["status"] = "Välj en status i listan."
    data["status"] = status
    for name, limit, label in (("name", 200, "Namnet"), ("host_organisation", 200, "Värdorganisationen"),
                               ("contact", 1000, "Kontaktuppgiften"), ("note", 2000, "Anteckningen")):
        value = (raw.get(name) or "").strip()
        if len(value) > limit:
            errors[name] = f"{label} får vara högst {limit} tecken."
        data[name] = value
    if status in ("established", "developing") and not data["name"]:
        errors["name"] = "Ange resurscentrumets namn."
    for name, limit, label in (("offers", 2000, "Beskrivningen av vad centrumet erbjuder"),
                               ("hours", 200, "Öppettiderna")):
        value = (raw.get(name) or "").strip()
        if len(value) > limit:
            errors[name] = f"{label} får vara högst {limit} tecken."
        data[name] = value
    data["since"] = _date(raw, "since", errors)
    if data.get("since") and not dt.date(2000, 1, 1) <= data["since"] <= dt.date.today() + dt.timedelta(days=3650):
        errors["since"] = "Datumet verkar inte stämma. Ange när centrumet startade (ÅÅÅÅ-MM-DD)."
    data["verified_on"] = _date(raw, "verified_on", errors)
    if data.get("verified_on") and not dt.date(2000, 1, 1) <= data["verified_on"] <= dt.date.today():
        errors["verified_on"] = "Ange dagen då uppgifterna kontrollerades (ÅÅÅÅ-MM-DD, inte i framtiden)."
    data["needs_verification"] = bool(raw.get("needs_verification"))
    data["whole_county"] = bool(raw.get("whole_county"))
    codes, unknown = parse_municipalities(raw.get("municipalities") or "")
    if unknown:
        errors["municipalities"] = ("Okänd kommun: " + ", ".join(unknown[:5])
                                    + ". Skriv kommunens namn eller kommunkod, med kommatecken emellan.")
    data["municipality_codes"] = codes
    phone = (raw.get("phone") or "").strip()
    if phone and not PHONE.match(phone):
        errors["phone"] = "Ange ett publicerat telefonnummer med siffror, t.ex. 010-123 45 67."
    data["phone"] = phone
    website = (raw.get("website") or "").strip()
    if website and (len(website) > 500 or not URL.match(website)):
        errors["website"] = "Ange en webbadress som börjar med https:// (högst 500 tecken)."
    data["website"] = website
    sources = [line.strip() for line in (raw.get("sources") or "").splitlines() if line.strip()]
    bad = [line for line in sources if len(line) > 500 or not URL.match(line)]
    if bad:
        errors["sources"] = f"Varje källa ska vara en webbadress som börjar med https://, en per rad: {bad[0][:80]}"
    data["sources"] = "\n".join(sources)
    if errors:
        raise CentreError(errors)
    return data


def save_centre(actor, centre_id: int | None, raw: dict) -> ResourceCentre:
    data = clean(raw)
    with write_transaction():
        if centre_id is None:
            centre = ResourceCentre()
            db.session.add(centre)
            changed = list(FIELDS)
        else:
            centre = db.session.get(ResourceCentre, centre_id)
            if centre is None:
                raise CentreError({"name": "Resurscentrumet finns inte längre."})
            changed = [k for k in FIELDS if getattr(centre, k) != data[k]]
        for key in FIELDS:
            setattr(centre, key, data[key])
        centre.updated_at = dt.datetime.now(dt.UTC)
        centre.updated_by_id = actor.id if actor is not None else None
        centre.seeded = False  # a coordinator's row from now on: the seed never writes it again
        db.session.flush()
        audit.record("resource_centre.create" if centre_id is None else "resource_centre.update", actor,
                     object_type="resource_centre", object_id=centre.id, detail={"fields": changed})
    return centre


@dataclass
class CountyEntry:
    code: str
    name: str
    centres: list[ResourceCentre]       # established or being built, in this county
    none_row: ResourceCentre | None     # the recorded "no centre found" row, if any
    served_from: list[ResourceCentre]   # centres elsewhere that list one of this county's municipalities


def directory_state() -> str:
    """What the public directory shows, in one short string: it changes whenever a row is added,
    removed or saved (a seed run or a coordinator's edit)."""
    count, last_id, last_saved = db.session.execute(
        select(func.count(ResourceCentre.id), func.max(ResourceCentre.id), func.max(ResourceCentre.updated_at))).one()
    return f"{count}:{last_id}:{last_saved}"


def public_directory() -> list[CountyEntry]:
    """Every county in code order, with or without a centre, for /kunskap/resurscentrum."""
    rows = all_centres()
    known = tx.municipalities()
    entries = []
    for code, name in tx.COUNTY_LABELS.items():
        mine = [c for c in rows if c.county_code == code]
        served_from = [c for c in rows if c.county_code != code and c.active
                       and any(known[m].county_code == code for m in c.code_list if m in known)]
        entries.append(CountyEntry(code, name, [c for c in mine if c.active],
                                   next((c for c in mine if not c.active), None), served_from))
    return entries
