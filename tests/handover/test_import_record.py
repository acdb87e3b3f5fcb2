"""One inquiry record of a package as the receiving installation stores it: the values as sent,
the keys its search for earlier contacts uses, and the defaults for what an older or anonymised
record leaves out."""

from __future__ import annotations

import datetime as dt

from supportline.handover.importer import _inquiry

FULL = {
    "id": 7, "version": 3, "channel": "phone", "received_at": "2026-03-02T09:15:00Z",
    "caller_type": "professional", "caller_sector": "school", "caller_role": "Kurator",
    "caller_organisation": "  Norra  Skolan\tGävle ", "municipality_code": "2180", "county_code": "21",
    "callback_name": "Kim", "callback_phone": "026-12 34 56", "callback_email": "kim@example.se",
    "urgency": "high", "summary": "Oro för en resa", "advice": "Riskbedömning", "follow_up_on": "2026-03-09",
    "status": "awaiting", "created_by": 2, "assignee_id": 4, "duration_seconds": 540,
    "created_at": "2026-03-02T09:30:00+00:00", "updated_at": "2026-03-03T10:00:00Z",
    "anonymised_at": None,
    "exposed_persons": [{"age_group": "13-15", "gender": "girl_woman"}, {"age_group": "6-12", "gender": "boy_man"}],
    "question_topics": ["risk_assessment", "lvu"], "exposure_types": ["abroad"], "referrals": ["police"],
    "timeline": [{"kind": "note", "at": "2026-03-02T09:31:00Z", "user": 2, "text": "Ringde upp",
                  "detail": {"a": 1}},
                 {"kind": "status", "at": "2026-03-03T10:00:00Z"}],
}
UTC = dt.UTC


def test_a_full_record_keeps_every_value_and_gets_its_search_keys():
    inquiry = _inquiry(FULL)
    assert (inquiry.id, inquiry.version, inquiry.channel, inquiry.caller_type, inquiry.caller_sector) == (
        7, 3, "phone", "professional", "school")
    assert inquiry.received_at == dt.datetime(2026, 3, 2, 9, 15, tzinfo=UTC)
    assert (inquiry.created_at, inquiry.updated_at) == (dt.datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
                                                        dt.datetime(2026, 3, 3, 10, tzinfo=UTC))
    assert inquiry.caller_organisation == "  Norra  Skolan\tGävle "
    assert inquiry.organisation_key == "norra skolan gävle"  # how earlier contacts are found
    assert (inquiry.callback_name, inquiry.callback_phone, inquiry.callback_email) == (
        "Kim", "026-12 34 56", "kim@example.se")
    assert inquiry.callback_phone_key == "026123456"
    assert (inquiry.municipality_code, inquiry.county_code, inquiry.urgency, inquiry.status) == (
        "2180", "21", "high", "awaiting")
    assert (inquiry.caller_role, inquiry.summary, inquiry.advice) == ("Kurator", "Oro för en resa", "Riskbedömning")
    assert inquiry.follow_up_on == dt.date(2026, 3, 9)
    assert (inquiry.created_by_id, inquiry.assignee_id, inquiry.duration_seconds) == (2, 4, 540)
    assert inquiry.anonymised_at is None
    assert [(p.position, p.age_group, p.gender) for p in inquiry.exposed_persons] == [
        (0, "13-15", "girl_woman"), (1, "6-12", "boy_man")]
    assert sorted((c.kind, c.code) for c in inquiry.codes) == [
        ("exposure_types", "abroad"), ("question_topics", "lvu"), ("question_topics", "risk_assessment"),
        ("referrals", "police")]
    assert [(e.kind, e.at, e.user_id, e.text, e.detail) for e in inquiry.timeline] == [
        ("note", dt.datetime(2026, 3, 2, 9, 31, tzinfo=UTC), 2, "Ringde upp", {"a": 1}),
        ("status", dt.datetime(2026, 3, 3, 10, tzinfo=UTC), None, "", None)]


def test_what_a_record_leaves_out_is_empty_not_an_error():
    required = {k: FULL[k] for k in ("id", "version", "channel", "received_at", "caller_type", "urgency",
                                      "status", "created_by", "created_at", "updated_at")}
    inquiry = _inquiry(required)
    assert (inquiry.caller_role, inquiry.caller_organisation, inquiry.summary, inquiry.advice) == ("", "", "", "")
    assert inquiry.organisation_key is None and inquiry.callback_phone_key is None
    assert (inquiry.caller_sector, inquiry.municipality_code, inquiry.county_code, inquiry.assignee_id) == (
        None, None, None, None)
    assert (inquiry.callback_name, inquiry.callback_phone, inquiry.callback_email) == (None, None, None)
    assert (inquiry.follow_up_on, inquiry.duration_seconds, inquiry.anonymised_at) == (None, None, None)
    assert (inquiry.exposed_persons, inquiry.codes, inquiry.timeline) == ([], [], [])


def test_an_anonymised_record_keeps_its_date_and_has_no_search_keys():
    inquiry = _inquiry({**FULL, "caller_organisation": "", "callback_phone": "", "summary": None,
                        "advice": None, "caller_role": None, "exposed_persons": None, "timeline": None,
                        "question_topics": None, "anonymised_at": "2026-10-01T00:00:00Z"})
    assert inquiry.anonymised_at == dt.datetime(2026, 10, 1, tzinfo=UTC)
    assert inquiry.organisation_key is None and inquiry.callback_phone_key is None
    assert (inquiry.summary, inquiry.advice, inquiry.caller_role) == ("", "", "")
    assert inquiry.exposed_persons == [] and inquiry.timeline == []
    assert sorted(c.code for c in inquiry.codes) == ["abroad", "police"]


def test_an_imported_record_gets_the_same_search_keys_the_app_writes():
    # "Tidigare kontakter" on the receiving side compares these keys with those of new calls:
    # a number written +46 … and an organisation name longer than the key must match as the app's do.
    from supportline.inquiries.validation import organisation_key, phone_key

    record = {**FULL, "callback_phone": "+46 26-12 34 56", "caller_organisation": "Skolan " * 40}
    inquiry = _inquiry(record)
    assert inquiry.callback_phone_key == phone_key("026-12 34 56") == "026123456"
    assert inquiry.organisation_key == organisation_key(record["caller_organisation"])
    assert len(inquiry.organisation_key) == 200
