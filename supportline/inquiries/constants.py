"""The limits and field lists the inquiry validation, writes and drafts share."""

from __future__ import annotations

import datetime as dt
import re

from supportline.inquiries import taxonomy as tx

LINE_OPENED = dt.date(2014, 3, 13)
MAX_LONG_TEXT = 20_000
MAX_SHORT_TEXT = 200
MAX_EMAIL = 320
MAX_PERSONS = 20
MAX_FOLLOW_UP_YEARS = 2
# Free text that may hold case details; the privacy guard checks all of it. The call-back
# fields are the only place a phone number or e-mail may stand.
GUARDED_FIELDS = ("summary", "advice", "caller_role", "caller_organisation")
SHORT_TEXT_FIELDS = ("caller_role", "caller_organisation", "callback_name")
LONG_TEXT_FIELDS = ("summary", "advice")
CALLBACK_FIELDS = ("callback_name", "callback_phone", "callback_email")
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
    "perpetrator_relations", "exposure_types", "question_topics", "referrals", "outcomes", "resource_centre",
    "urgency", "summary", "advice", "follow_up_on", "status", "assignee_id", "duration_seconds",
)
ENTRY_KINDS_BY_HAND = {"contact", "note", "article_link"}
DRAFT_MAX_BYTES = 200_000
# An idempotency key: 1-100 visible ASCII characters (a UUID fits; so does Stripe's style of key).
IDEMPOTENCY_KEY_RE = re.compile(r"^[\x21-\x7e]{1,100}$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
# ASCII digits: \d would also take Arabic-Indic and fullwidth digits, which no phone dials.
PHONE_RE = re.compile(r"^\+?[0-9 \-()]{6,40}$")
