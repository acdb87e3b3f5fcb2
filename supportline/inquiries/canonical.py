"""The canonical inquiry record: one JSON shape for the API, the handover export and import,
described by schema/inquiry.schema.json. Codes from the taxonomies, ISO dates, UTC times."""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path

from supportline.inquiries import taxonomy as tx
from supportline.inquiries.models import Inquiry

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "inquiry.schema.json"
READ_ONLY = {"id", "version", "created_by", "created_at", "updated_at", "timeline", "schema"}
SCHEMA_ID = "https://supportline.invalid/schema/inquiry/1"


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
    record = {
        "schema": SCHEMA_ID,
        "id": inquiry.id,
        "version": inquiry.version,
        "channel": inquiry.channel,
        "received_at": _time(inquiry.received_at),
        "caller_type": inquiry.caller_type,
        "caller_sector": inquiry.caller_sector,
        "caller_role": inquiry.caller_role,
        "caller_organisation": inquiry.caller_organisation,
        "municipality_code": inquiry.municipality_code,
        "county_code": inquiry.county_code,
        "exposed_persons": [{"age_group": p.age_group, "gender": p.gender} for p in inquiry.exposed_persons],
        **{kind: inquiry.codes_of(kind) for kind in tx.CODE_KINDS},
        "urgency": inquiry.urgency,
        "summary": inquiry.summary,
        "advice": inquiry.advice,
        "follow_up_on": inquiry.follow_up_on.isoformat() if inquiry.follow_up_on else None,
        "status": inquiry.status,
        "created_by": inquiry.created_by_id,
        "assignee_id": inquiry.assignee_id,
        "duration_seconds": inquiry.duration_seconds,
        "created_at": _time(inquiry.created_at),
        "updated_at": _time(inquiry.updated_at),
        "timeline": [
            {"kind": e.kind, "at": _time(e.at), "user": e.user_id, "text": e.text, "detail": e.detail or {}}
            for e in inquiry.timeline
        ],
    }
    if include_callback:
        record["callback_name"] = inquiry.callback_name
        record["callback_phone"] = inquiry.callback_phone
        record["callback_email"] = inquiry.callback_email
    return record
