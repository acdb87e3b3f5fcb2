"""Inquiries: the service functions the views, the API, the CLI and the jobs call.

A facade over the modules that do the work, so callers keep one import:
`validation` (checking input, one small check per field), `writes` (changes, idempotency),
`queries` (reads and lists), `drafts` (what a form keeps while it is typed), `errors` and
`constants`. Every change takes the acting user, writes the audit log and commits once."""

from __future__ import annotations

from supportline.dates import LOCAL_TZ, today_local
from supportline.inquiries.constants import (
    DRAFT_MAX_BYTES,
    ENTRY_KINDS_BY_HAND,
    GUARDED_FIELDS,
    LINE_OPENED,
    MAX_FOLLOW_UP_YEARS,
    MAX_LONG_TEXT,
    MAX_PERSONS,
    WRITABLE_FIELDS,
)
from supportline.inquiries.drafts import discard_draft, draft_inquiry_id, get_draft, save_draft
from supportline.inquiries.errors import InquiryAnonymised, InquiryInvalid, InquiryNotFound, IntakeClosed, StaleVersion
from supportline.inquiries.queries import (
    ROW_COLUMNS,
    InquiryRow,
    TeamLoad,
    TeamOverview,
    age_in_days,
    assignable_users,
    audit_list,
    centre_named,
    count_due_follow_ups,
    due_follow_ups,
    get_inquiry,
    previous_contacts,
    sees_callback_details,
    selectable_centres,
    team_overview,
    users_by_id,
)
from supportline.inquiries.validation import (
    clean_inquiry,
    confirmed_fields,
    confirmed_numbers,
    guard_text,
    latest_follow_up,
    organisation_key,
    parse_date,
    parse_datetime,
    phone_key,
    published_articles_by_slug,
)
from supportline.inquiries.writes import (
    CreateOnce,
    add_entry,
    create_inquiry,
    create_inquiry_once,
    reassign_inquiries,
    request_fingerprint,
    update_inquiry,
    valid_idempotency_key,
)

__all__ = [
    "DRAFT_MAX_BYTES", "ENTRY_KINDS_BY_HAND", "GUARDED_FIELDS", "LINE_OPENED", "LOCAL_TZ", "MAX_FOLLOW_UP_YEARS",
    "MAX_LONG_TEXT", "MAX_PERSONS", "ROW_COLUMNS", "WRITABLE_FIELDS", "CreateOnce", "InquiryAnonymised",
    "InquiryInvalid", "InquiryNotFound", "InquiryRow", "IntakeClosed", "StaleVersion", "TeamLoad", "TeamOverview",
    "add_entry", "age_in_days", "assignable_users", "selectable_centres", "centre_named", "audit_list",
    "clean_inquiry", "confirmed_fields",
    "confirmed_numbers", "count_due_follow_ups", "create_inquiry", "create_inquiry_once", "discard_draft",
    "draft_inquiry_id", "due_follow_ups", "get_draft", "get_inquiry", "guard_text", "latest_follow_up",
    "organisation_key", "parse_date", "parse_datetime", "phone_key", "previous_contacts", "published_articles_by_slug",
    "reassign_inquiries", "request_fingerprint", "save_draft", "sees_callback_details", "team_overview", "today_local",
    "update_inquiry", "users_by_id", "valid_idempotency_key",
]
