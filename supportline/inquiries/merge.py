"""Two people saving one inquiry: a three-way merge against the version a change was based on.

A field changed only by the colleague is taken from the saved version, a field changed only
by the one saving now is kept, and only a field both changed, to different values, is a
conflict for a person to decide. The form knows what it was based on from a keyed hash per
field (no second copy of the case text in the page); the API, which sends only what it
changes, from the fields it sends. Who changed what since a version is read from the audit
log, which records the fields and the new version of every change."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from supportline.audit.models import AuditEvent
from supportline.auth.models import User
from supportline.extensions import db
from supportline.inquiries import service
from supportline.inquiries import taxonomy as tx
from supportline.inquiries.forms import InquiryForm
from supportline.inquiries.models import Inquiry

# The duration is the first call's and not changed by an edit.
MERGE_FIELDS = tuple(name for name in service.WRITABLE_FIELDS if name != "duration_seconds")
FIELD_LABELS = {name: getattr(InquiryForm, name).args[0] for name in service.WRITABLE_FIELDS
                if name in InquiryForm.__dict__ and getattr(getattr(InquiryForm, name), "args", None)}
FIELD_LABELS["exposed_persons"] = "Personer i ärendet"
FIELD_LABELS["resource_centre"] = "Resurscentrum"


def values_of(inquiry: Inquiry) -> dict:
    """An inquiry's values as the edit form holds them."""
    local = inquiry.received_at.astimezone(service.LOCAL_TZ)
    return {
        "channel": inquiry.channel, "received_at": local.strftime("%Y-%m-%dT%H:%M"),
        "caller_type": inquiry.caller_type, "caller_sector": inquiry.caller_sector or "",
        "caller_role": inquiry.caller_role, "caller_organisation": inquiry.caller_organisation,
        "municipality_code": inquiry.municipality_code or "", "county_code": inquiry.county_code or "",
        "callback_name": inquiry.callback_name or "", "callback_phone": inquiry.callback_phone or "",
        "callback_email": inquiry.callback_email or "",
        "exposed_persons": [p.as_dict() for p in inquiry.exposed_persons],
        **{kind: inquiry.codes_of(kind) for kind in tx.CODE_KINDS},
        "resource_centre": str(inquiry.centre.centre_id or "") if inquiry.centre is not None else "",
        "urgency": inquiry.urgency, "summary": inquiry.summary, "advice": inquiry.advice,
        "follow_up_on": inquiry.follow_up_on.isoformat() if inquiry.follow_up_on else "",
        "status": inquiry.status, "assignee_id": str(inquiry.assignee_id or ""),
    }


def comparable(name: str, value) -> str:
    """A value in one spelling, so that only a real difference counts: checkboxes and persons
    as sets (their order means nothing), text without surrounding space, times in UTC."""
    if name in tx.CODE_KINDS:
        return ",".join(sorted({str(v) for v in (value if isinstance(value, list | tuple) else [value]) if v}))
    if name == "exposed_persons":
        # A stale PATCH is compared before it is validated: a body may send anything here.
        return ",".join(sorted(_person_key(p) for p in (value if isinstance(value, list | tuple) else [])
                               if isinstance(p, dict)))
    if name == "resource_centre" and isinstance(value, dict):
        value = value.get("id")
    if name == "received_at":
        try:
            parsed = service.parse_datetime(value)
        except (TypeError, ValueError):
            return str(value)
        return parsed.strftime("%Y-%m-%dT%H:%M") if parsed else ""
    return "" if value is None else str(value).replace("\r\n", "\n").strip()


def _person_key(person: dict) -> str:
    """A person in one spelling: their relations as a set, an absent role as "exposed"."""
    relations = person.get("perpetrator_relations") or []
    relations = relations.split() if isinstance(relations, str) else relations
    relations = relations if isinstance(relations, list | tuple) else [relations]
    return "/".join((str(person.get("age_group") or "unknown"), str(person.get("gender") or "unknown"),
                     str(person.get("role") or "exposed"), "+".join(sorted({str(r) for r in relations if r}))))


def _digest(name: str, value) -> str:
    secret = current_app.config["SECRET_KEY"].encode("utf-8")
    text = f"{name}\0{comparable(name, value)}".encode()
    return hmac.new(secret, text, hashlib.sha256).hexdigest()[:16]


def fingerprints(values: dict) -> str:
    """What a form is based on, for its hidden field: a keyed hash per field. Keyed, because
    short fields (a call-back number) could be guessed from a plain hash."""
    return json.dumps({name: _digest(name, values.get(name)) for name in MERGE_FIELDS}, separators=(",", ":"))


def parse_fingerprints(text: str | None) -> dict[str, str] | None:
    try:
        data = json.loads(text or "")
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


@dataclass(frozen=True)
class Change:
    """The last change of a field by someone else: who and when."""

    name: str
    at: dt.datetime


def changes_since(inquiry_id: int, version: int) -> dict[str, Change]:
    """Field -> its last change after `version`, from the audit log."""
    rows = db.session.execute(
        select(AuditEvent.detail, AuditEvent.at, User.name, AuditEvent.actor)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .where(AuditEvent.object_type == "inquiry", AuditEvent.object_id == str(inquiry_id),
               AuditEvent.action == "inquiry.update")
        .order_by(AuditEvent.id)).all()
    changes: dict[str, Change] = {}
    for detail, at, name, actor in rows:
        data = json.loads(detail or "{}")
        if isinstance(data.get("version"), int) and data["version"] > version:
            for field in data.get("fields") or []:
                changes[field] = Change(name or actor, at)
    return changes


@dataclass
class Merge:
    taken: list[str]       # changed only by the colleague: taken from the saved version
    conflicts: list[str]   # changed by both, to different values: a person decides


def three_way(mine: dict, theirs: dict, *, base: dict[str, str] | None, changed: set[str],
              sent: set[str] | None = None) -> Merge:
    """Compare mine and theirs against the base. `base` holds the form's hashes; without them
    (the API, or a form from before they existed) the colleague changed the fields in
    `changed` and I changed those I sent (all of them for a whole form)."""
    merge = Merge([], [])
    for name in MERGE_FIELDS:
        if name not in mine or comparable(name, mine[name]) == comparable(name, theirs.get(name)):
            continue
        if base is not None and name in base:
            i_changed = _digest(name, mine[name]) != base[name]
            they_changed = _digest(name, theirs.get(name)) != base[name]
        else:
            i_changed = sent is None or name in sent
            they_changed = name in changed
        if they_changed and not i_changed:
            merge.taken.append(name)
        elif they_changed:
            merge.conflicts.append(name)
    return merge


def conflict_list(names: list[str], changes: dict[str, Change]) -> list[dict]:
    """The conflicting fields named the same way on the page and in the API."""
    return [{"field": name, "label": FIELD_LABELS.get(name, name),
             "changed_by": changes[name].name if name in changes else None,
             "changed_at": changes[name].at.astimezone(service.LOCAL_TZ).isoformat(timespec="minutes")
             if name in changes else None} for name in names]
