"""The resource-centre directory: reads and the coordinators' changes (audited)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, insert, select

from supportline.audit import service as audit
from supportline.extensions import db
from supportline.inquiries import taxonomy as tx
from supportline.stats.models import CENTRE_STATUSES, ResourceCentre
from supportline.stats.seed_data import seed_rows
from supportline.transactions import begin_write

FIELDS = ("county_code", "name", "host_organisation", "contact", "status", "since", "needs_verification", "note")


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


def seed_centres(actor=None) -> int:
    """Insert the DOMAIN.md starting point if the directory is empty (the migration does the
    same for a new installation; this is for the demo and the tests)."""
    begin_write()
    if db.session.scalar(select(func.count()).select_from(ResourceCentre)):
        db.session.rollback()
        return 0
    rows = seed_rows()
    db.session.execute(insert(ResourceCentre), rows)
    audit.record("resource_centre.seed", actor, object_type="resource_centre", detail={"rows": len(rows)})
    db.session.commit()
    return len(rows)


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
    since = raw.get("since")
    if isinstance(since, dt.date) or not since:
        data["since"] = since or None
    else:
        try:
            data["since"] = dt.date.fromisoformat(str(since).strip())
        except ValueError:
            errors["since"] = "Ange datumet som ÅÅÅÅ-MM-DD."
    if data.get("since") and not dt.date(2000, 1, 1) <= data["since"] <= dt.date.today() + dt.timedelta(days=3650):
        errors["since"] = "Datumet verkar inte stämma. Ange när centrumet startade (ÅÅÅÅ-MM-DD)."
    data["needs_verification"] = bool(raw.get("needs_verification"))
    if errors:
        raise CentreError(errors)
    return data


def save_centre(actor, centre_id: int | None, raw: dict) -> ResourceCentre:
    data = clean(raw)
    begin_write()
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
    db.session.flush()
    audit.record("resource_centre.create" if centre_id is None else "resource_centre.update", actor,
                 object_type="resource_centre", object_id=centre.id, detail={"fields": changed})
    db.session.commit()
    return centre
