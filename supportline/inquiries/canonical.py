"""The canonical inquiry record: one JSON shape for the API, the handover export and import,
described by schema/inquiry.schema.json. Codes from the taxonomies, ISO dates, UTC times."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from supportline.inquiries import taxonomy as tx
from supportline.inquiries.models import Inquiry, InquiryCentre

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "inquiry.schema.json"
READ_ONLY = {"id", "version", "created_by", "created_at", "updated_at", "anonymised_at", "timeline", "schema"}
SCHEMA_ID = "https://supportline.invalid/schema/inquiry/2"
# Version 1 (handover format 1) had no outcomes, no resource centre and persons of age group and
# gender only; the importer reads both.
SCHEMA_ID_V1 = "https://supportline.invalid/schema/inquiry/1"


@cache
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _time(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def to_canonical(inquiry: Inquiry, *, include_callback: bool = True) -> dict:
    """The record of one inquiry. include_callback=False leaves out the professional's own
    contact details for receivers that do not need them."""
    columns = {column.key: getattr(inquiry, column.key) for column in Inquiry.__table__.columns}
    persons = [p.as_dict() for p in inquiry.exposed_persons]
    codes: dict[str, list[str]] = {}
    for code in inquiry.codes:
        codes.setdefault(code.kind, []).append(code.code)
    timeline = [{"kind": e.kind, "at": e.at, "user_id": e.user_id, "text": e.text, "detail": e.detail}
                for e in inquiry.timeline]
    return build_record(columns, persons, codes, timeline, include_callback=include_callback,
                        centre=centre_record(inquiry.centre))


def centre_record(centre: Mapping | InquiryCentre | None, key: str | None = None) -> dict | None:
    """The resource centre of the centre outcomes as the record holds it: this installation's
    directory id (null once the row is gone), the directory's seed key, which names the same
    centre on every installation (null for a centre a coordinator added), and the name and county
    as chosen. From an InquiryCentre or a plain row of inquiry_centres (with `key` read beside it)."""
    if centre is None:
        return None
    if isinstance(centre, InquiryCentre):
        key = centre.directory_key
        centre = {"centre_id": centre.centre_id, "name": centre.name, "county_code": centre.county_code}
    return {"id": centre["centre_id"], "key": key, "name": centre["name"], "county_code": centre["county_code"]}


def person_record(person: Mapping) -> dict:
    """One person from a plain row or a dict: relations as a sorted list, role "exposed" unless
    the person is only mentioned."""
    relations = person.get("perpetrator_relations") or []
    if isinstance(relations, str):
        relations = relations.split()
    return {"age_group": person["age_group"], "gender": person["gender"], "role": person.get("role") or "exposed",
            "perpetrator_relations": sorted(relations)}


def build_record(columns: Mapping, persons: list[Mapping], codes: Mapping[str, list[str]], timeline: list[Mapping],
                 *, include_callback: bool = True, centre: dict | None = None) -> dict:
    """The canonical record from plain values: an inquiry's columns, its persons in order, its
    codes by kind, its timeline in order and its resource centre (centre_record). The handover
    export streams rows into this without loading ORM objects."""
    record = {
        "schema": SCHEMA_ID,
        "id": columns["id"],
        "version": columns["version"],
        "channel": columns["channel"],
        "received_at": _time(columns["received_at"]),
        "caller_type": columns["caller_type"],
        "caller_sector": columns["caller_sector"],
        "caller_role": columns["caller_role"],
        "caller_organisation": columns["caller_organisation"],
        "municipality_code": columns["municipality_code"],
        "county_code": columns["county_code"],
        "exposed_persons": [person_record(p) for p in persons],
        **{kind: sorted(codes.get(kind, [])) for kind in tx.CODE_KINDS},
        "resource_centre": centre,
        "urgency": columns["urgency"],
        "summary": columns["summary"],
        "advice": columns["advice"],
        "follow_up_on": columns["follow_up_on"].isoformat() if columns["follow_up_on"] else None,
        "status": columns["status"],
        "created_by": columns["created_by_id"],
        "assignee_id": columns["assignee_id"],
        "duration_seconds": columns["duration_seconds"],
        "created_at": _time(columns["created_at"]),
        "updated_at": _time(columns["updated_at"]),
        "anonymised_at": _time(columns.get("anonymised_at")),
        "timeline": [
            {"kind": e["kind"], "at": _time(e["at"]), "user": e["user_id"], "text": e["text"],
             "detail": e["detail"] or {}}
            for e in timeline
        ],
    }
    if include_callback:
        record["callback_name"] = columns["callback_name"]
        record["callback_phone"] = columns["callback_phone"]
        record["callback_email"] = columns["callback_email"]
    return record
