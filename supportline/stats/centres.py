"""The resource-centre directory: reads and the coordinators' changes (audited)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from supportline.audit import service as audit
from supportline.dates import today_local
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


# The form's checks, in the order the form shows its fields: each takes the raw form, puts its
# clean value in `data` and, for a mistake, its Swedish message in `errors` (in this order, which
# is also the order of the joint message).
Check = Callable[[dict, dict, dict], None]


def _stripped(raw: dict, name: str) -> str:
    return (raw.get(name) or "").strip()


def _one_of(name: str, allowed, message: str) -> Check:
    def check(raw, data, errors):
        data[name] = _stripped(raw, name)
        if data[name] not in allowed:
            errors[name] = message
    return check


def _text(name: str, limit: int, label: str) -> Check:
    def check(raw, data, errors):
        data[name] = _stripped(raw, name)
        if len(data[name]) > limit:
            errors[name] = f"{label} får vara högst {limit} tecken."
    return check


def _name_required(raw, data, errors):
    # A centre that exists or is being built is listed publicly by its name.
    if data["status"] in ("established", "developing") and not data["name"]:
        errors["name"] = "Ange resurscentrumets namn."


def _date_between(name: str, latest: Callable[[], dt.date], message: str) -> Check:
    def check(raw, data, errors):
        data[name] = _date(raw, name, errors)
        if data[name] and not dt.date(2000, 1, 1) <= data[name] <= latest():
            errors[name] = message
    return check


def _flag(name: str) -> Check:
    def check(raw, data, errors):
        data[name] = bool(raw.get(name))
    return check


def _municipalities(raw, data, errors):
    data["municipality_codes"], unknown = parse_municipalities(raw.get("municipalities") or "")
    if unknown:
        errors["municipalities"] = ("Okänd kommun: " + ", ".join(unknown[:5])
                                    + ". Skriv kommunens namn eller kommunkod, med kommatecken emellan.")


def _web_address(text: str) -> bool:
    return len(text) <= 500 and bool(URL.match(text))


def _matching(name: str, accepts: Callable[[str], object], message: str) -> Check:
    """An optional field that, when filled in, must have the shape `accepts` checks."""
    def check(raw, data, errors):
        data[name] = _stripped(raw, name)
        if data[name] and not accepts(data[name]):
            errors[name] = message
    return check


def _sources(raw, data, errors):
    sources = [line.strip() for line in (raw.get("sources") or "").splitlines() if line.strip()]
    bad = [line for line in sources if not _web_address(line)]
    if bad:
        errors["sources"] = f"Varje källa ska vara en webbadress som börjar med https://, en per rad: {bad[0][:80]}"
    data["sources"] = "\n".join(sources)


CHECKS: tuple[Check, ...] = (
    _one_of("county_code", tx.COUNTY_LABELS, "Välj ett län i listan."),
    _one_of("status", CENTRE_STATUSES, "Välj en status i listan."),
    _text("name", 200, "Namnet"),
    _text("host_organisation", 200, "Värdorganisationen"),
    _text("contact", 1000, "Kontaktuppgiften"),
    _text("note", 2000, "Anteckningen"),
    _name_required,
    _text("offers", 2000, "Beskrivningen av vad centrumet erbjuder"),
    _text("hours", 200, "Öppettiderna"),
    _date_between("since", lambda: today_local() + dt.timedelta(days=3650),
                  "Datumet verkar inte stämma. Ange när centrumet startade (ÅÅÅÅ-MM-DD)."),
    _date_between("verified_on", today_local,
                  "Ange dagen då uppgifterna kontrollerades (ÅÅÅÅ-MM-DD, inte i framtiden)."),
    _flag("needs_verification"),
    _flag("whole_county"),
    _municipalities,
    _matching("phone", PHONE.match, "Ange ett publicerat telefonnummer med siffror, t.ex. 010-123 45 67."),
    _matching("website", _web_address, "Ange en webbadress som börjar med https:// (högst 500 tecken)."),
    _sources,
)


def clean(raw: dict) -> dict:
    errors: dict[str, str] = {}
    data: dict = {}
    for check in CHECKS:
        check(raw, data, errors)
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
