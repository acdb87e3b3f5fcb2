"""Inquiry service: validation, changes, timeline, versions, drafts, search and audit, on both databases."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from supportline.audit.models import AuditEvent
from supportline.auth.models import User
from supportline.extensions import db
from supportline.inquiries import service
from supportline.inquiries.models import Inquiry, InquiryCode, InquiryDraft, TimelineEntry
from supportline.inquiries.search import Filters, search_inquiries
from tests.inquiries.conftest import valid_payload


def _user(user):
    return db.session.get(User, user.id)


def test_create_stores_codes_persons_county_and_audit(app, create_user):
    handler = create_user("handler")
    with app.app_context():
        inquiry = service.create_inquiry(_user(handler), valid_payload(
            exposed_persons=[{"age_group": "13-15", "gender": "girl_woman"},
                             {"age_group": "6-12", "gender": "boy_man"}],
            callback_phone="+46 70-123 45 67"))
        inquiry = db.session.get(Inquiry, inquiry.id)
        assert inquiry.county_code == "05"  # from Linköping
        assert inquiry.codes_of("exposure_types") == ["control", "forced_marriage"]
        assert [(p.age_group, p.gender) for p in inquiry.exposed_persons] == [("13-15", "girl_woman"),
                                                                                ("6-12", "boy_man")]
        assert inquiry.version == 1 and inquiry.status == "open" and inquiry.created_by_id == handler.id
        assert inquiry.callback_phone_key == "0701234567"
        assert inquiry.organisation_key == "norra skolan"
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "inquiry.create"))
        assert event.user_id == handler.id and event.object_id == str(inquiry.id)


@pytest.mark.parametrize(("overrides", "field", "words"), [
    ({"channel": ""}, "channel", "Välj kanal"),
    ({"channel": "fax"}, "channel", "Okänt värde"),
    ({"summary": "  "}, "summary", "Beskriv frågan"),
    ({"exposure_types": ["control", "witchcraft"]}, "exposure_types", "Okänd kod: witchcraft"),
    ({"municipality_code": "9999"}, "municipality_code", "Okänd kommun"),
    ({"received_at": "2999-01-01T10:00"}, "received_at", "framtiden"),
    ({"received_at": "2010-01-01T10:00"}, "received_at", "2014-03-13"),
    ({"received_at": "igår"}, "received_at", "ÅÅÅÅ-MM-DD"),
    ({"follow_up_on": "2020-01-01"}, "follow_up_on", "redan passerat"),
    ({"summary": "x" * 102_400}, "summary", "för lång"),
    ({"summary": "Flickan 121212-1212 är rädd"}, "summary", "personnummer"),
    ({"advice": "ring 070-123 45 67"}, "advice", "telefonnummer"),
    ({"caller_role": "anna@skolan.se"}, "caller_role", "e-postadress"),
    ({"callback_email": "inte-en-adress"}, "callback_email", "giltig e-postadress"),
    ({"exposed_persons": [{"age_group": "99", "gender": "girl_woman"}]}, "exposed_persons", "Okänd åldersgrupp"),
    ({"duration_seconds": "-4"}, "duration_seconds", "mellan 0"),
])
def test_bad_input_gets_a_swedish_message_on_the_field(app, create_user, overrides, field, words):
    handler = create_user("handler")
    with app.app_context():
        with pytest.raises(service.InquiryInvalid) as info:
            service.create_inquiry(_user(handler), valid_payload(**overrides))
        assert words in info.value.errors[field]
        assert db.session.scalar(select(func.count()).select_from(Inquiry)) == 0


def test_contact_details_are_allowed_in_the_callback_fields(app, create_user):
    handler = create_user("handler")
    with app.app_context():
        inquiry = service.create_inquiry(_user(handler), valid_payload(
            callback_name="Kim Kurator", callback_phone="070-123 45 67", callback_email="kim@skolan.se"))
        assert inquiry.callback_email == "kim@skolan.se"


def test_deleted_or_inactive_user_cannot_be_assignee(app, create_user):
    handler = create_user("handler")
    gone = create_user("handler", active=False)
    editor = create_user("editor")
    with app.app_context():
        for bad in (gone.id, editor.id, 99999):
            with pytest.raises(service.InquiryInvalid) as info:
                service.create_inquiry(_user(handler), valid_payload(assignee_id=bad))
            assert "finns inte eller är inaktiverad" in info.value.errors["assignee_id"]


def test_update_bumps_version_adds_timeline_and_refuses_stale_versions(app, create_user, make_inquiry):
    handler, other = create_user("handler"), create_user("handler")
    inquiry_id = make_inquiry(handler)
    with app.app_context():
        service.update_inquiry(_user(handler), inquiry_id, {"status": "awaiting", "assignee_id": other.id},
                               expected_version=1)
        with pytest.raises(service.StaleVersion) as info:
            service.update_inquiry(_user(other), inquiry_id, {"summary": "Ny text"}, expected_version=1)
        assert info.value.current.version == 2
        inquiry = db.session.get(Inquiry, inquiry_id)
        assert inquiry.summary.startswith("Eleven")
        kinds = [e.kind for e in inquiry.timeline]
        assert kinds == ["status", "assignment"]
        updated = service.update_inquiry(_user(other), inquiry_id, {"summary": "Ny text"}, expected_version=2)
        assert updated.version == 3
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(inquiry_id))).all()
        assert actions.count("inquiry.update") == 2


def test_timeline_entries_are_privacy_guarded_and_searchable(app, create_user, make_inquiry):
    handler = create_user("handler")
    inquiry_id = make_inquiry(handler)
    with app.app_context():
        with pytest.raises(service.InquiryInvalid) as info:
            service.add_entry(_user(handler), inquiry_id, "note", "Mamman har nummer 0701234567")
        assert "text" in info.value.privacy_fields
        service.add_entry(_user(handler), inquiry_id, "contact", "Kuratorn ringde tillbaka om utreseförbud.")
        entry = db.session.scalar(select(TimelineEntry).where(TimelineEntry.inquiry_id == inquiry_id))
        assert entry.kind == "contact" and entry.user_id == handler.id
        page = search_inquiries(_user(handler), Filters(q="utreseförbuden"))
        assert [r.id for r in page.items] == [inquiry_id]


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2026-02-30T10:00"])
def test_an_entry_time_outside_the_calendar_in_utc_gets_the_swedish_message(app, create_user, make_inquiry, at):
    handler = create_user("handler")
    inquiry_id = make_inquiry(handler)
    with app.app_context():
        with pytest.raises(service.InquiryInvalid) as info:
            service.add_entry(_user(handler), inquiry_id, "note", "Kuratorn ringer tillbaka.", at=at)
        assert info.value.errors == {"at": "Ange datum och tid som ÅÅÅÅ-MM-DD TT:MM."}
        assert db.session.scalar(select(func.count()).select_from(TimelineEntry)
                                 .where(TimelineEntry.inquiry_id == inquiry_id, TimelineEntry.kind == "note")) == 0


def test_search_stems_swedish_and_filters_combine(app, create_user, make_inquiry):
    handler = create_user("handler")
    a = make_inquiry(handler, summary="Oro för tvångsgifta flickor i familjen.", caller_sector="health",
                     question_topics=["lvu"])
    b = make_inquiry(handler, summary="Fråga om skyddat boende.", municipality_code="1280", urgency="acute",
                     exposure_types=["control"])
    c = make_inquiry(handler, summary="Tvångsgifte planeras utomlands.", status="closed")
    with app.app_context():
        actor = _user(handler)
        assert {r.id for r in search_inquiries(actor, Filters(q="tvångsgifte")).items} == {a, c}
        assert [r.id for r in search_inquiries(actor, Filters(q="tvångsgifte", status="open")).items] == [a]
        assert [r.id for r in search_inquiries(actor, Filters(county="12")).items] == [b]
        assert [r.id for r in search_inquiries(actor, Filters(topic="lvu")).items] == [a]
        assert [r.id for r in search_inquiries(actor, Filters(sector="health")).items] == [a]
        assert [r.id for r in search_inquiries(actor, Filters(urgency="acute")).items] == [b]
        assert {r.id for r in search_inquiries(actor, Filters(exposure="forced_marriage")).items} == {a, c}
        assert search_inquiries(actor, Filters(q="skyddat boende tvångsgifte")).items == []
        assert [r.id for r in search_inquiries(actor, Filters(q="boenden")).items] == [b]
        newest_first = [r.id for r in search_inquiries(actor, Filters()).items]
        assert newest_first == [c, b, a]
        today = service.today_local()
        assert len(search_inquiries(actor, Filters(date_from=today, date_to=today)).items) == 3
        assert search_inquiries(actor, Filters(date_to=today - dt.timedelta(days=1))).items == []
        logged = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "inquiry.list")).all()
        assert len(logged) == 12


def test_search_audit_does_not_store_a_personnummer_typed_as_query(app, create_user, make_inquiry):
    handler = create_user("handler")
    make_inquiry(handler)
    with app.app_context():
        search_inquiries(_user(handler), Filters(q="121212-1212"))
        detail = db.session.scalar(select(AuditEvent.detail).where(AuditEvent.action == "inquiry.list"))
        assert "1212" not in detail and "[borttaget]" in detail


def test_pagination(app, create_user, make_inquiry):
    handler = create_user("handler")
    ids = [make_inquiry(handler) for _ in range(7)]
    with app.app_context():
        page = search_inquiries(_user(handler), Filters(), page=2, per_page=3)
        assert page.total == 7 and page.pages == 3
        assert [r.id for r in page.items] == list(reversed(ids))[3:6]


def test_follow_ups_due_today_and_overdue_for_the_assignee(app, create_user, make_inquiry):
    handler, colleague = create_user("handler"), create_user("handler")
    today = service.today_local()
    due = make_inquiry(handler, follow_up_on=today.isoformat())
    assigned = make_inquiry(handler, follow_up_on=today.isoformat(), assignee_id=colleague.id)
    later = make_inquiry(handler, follow_up_on=(today + dt.timedelta(days=3)).isoformat())
    with app.app_context():
        # make one overdue, as time passing would
        db.session.get(Inquiry, later).follow_up_on = today - dt.timedelta(days=2)
        db.session.commit()
        mine = [r.id for r in service.due_follow_ups(_user(handler))]
        assert mine == [later, due]
        assert [r.id for r in service.due_follow_ups(_user(colleague))] == [assigned]
        service.update_inquiry(_user(handler), due, {"status": "closed"}, expected_version=None)
        assert [r.id for r in service.due_follow_ups(_user(handler))] == [later]


def test_previous_contacts_match_organisation_or_number(app, create_user, make_inquiry):
    handler = create_user("handler")
    first = make_inquiry(handler, caller_organisation="Socialtjänsten  Linköping", callback_phone="070-123 45 67")
    make_inquiry(handler, caller_organisation="Annan skola")
    with app.app_context():
        actor = _user(handler)
        assert [r.id for r in service.previous_contacts(actor, "socialtjänsten linköping", None)] == [first]
        assert [r.id for r in service.previous_contacts(actor, "", "+46701234567")] == [first]
        assert service.previous_contacts(actor, "", "") == []
        assert service.previous_contacts(actor, "Socialtjänsten Linköping", None, exclude_id=first) == []


def test_drafts_are_per_user_and_never_keep_a_personnummer(app, create_user):
    handler, other = create_user("handler"), create_user("handler")
    with app.app_context():
        findings = service.save_draft(_user(handler), "new", {"summary": "Flickan 121212-1212", "channel": "phone",
                                                                "exposure_types": ["control"]})
        assert "summary" in findings
        service.save_draft(_user(handler), "new", {"summary": "Andra versionen 121212-1212", "channel": "chat"})
        draft = service.get_draft(_user(handler), "new")
        assert draft.payload == {"summary": "Andra versionen [borttaget]", "channel": "chat"}
        assert service.get_draft(_user(other), "new") is None
        service.create_inquiry(_user(handler), valid_payload())
        assert db.session.scalar(select(func.count()).select_from(InquiryDraft)) == 0


def test_reading_an_inquiry_is_audited(app, create_user, make_inquiry):
    handler, coordinator = create_user("handler"), create_user("coordinator")
    inquiry_id = make_inquiry(handler)
    with app.app_context():
        service.get_inquiry(_user(coordinator), inquiry_id)
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "inquiry.read"))
        assert event.user_id == coordinator.id and event.object_id == str(inquiry_id)
        with pytest.raises(service.InquiryNotFound):
            service.get_inquiry(_user(coordinator), 424242)


def test_codes_are_rows_so_they_can_be_filtered(app, create_user, make_inquiry):
    handler = create_user("handler")
    inquiry_id = make_inquiry(handler, referrals=["barnahus", "police"])
    with app.app_context():
        rows = db.session.scalars(select(InquiryCode.code).where(InquiryCode.inquiry_id == inquiry_id,
                                                                 InquiryCode.kind == "referrals")).all()
        assert sorted(rows) == ["barnahus", "police"]
        service.update_inquiry(_user(handler), inquiry_id, {"referrals": ["police"]}, expected_version=1)
        rows = db.session.scalars(select(InquiryCode.code).where(InquiryCode.inquiry_id == inquiry_id,
                                                                 InquiryCode.kind == "referrals")).all()
        assert rows == ["police"]


def test_there_are_290_municipalities_in_21_counties():
    from supportline.inquiries import taxonomy as tx

    municipalities = tx.municipalities()
    assert len(municipalities) == 290
    assert {m.county_code for m in municipalities.values()} == set(tx.COUNTIES)
    assert municipalities["0580"].name == "Linköping" and municipalities["2584"].county_code == "25"


def test_daily_reminder_records_what_is_due_per_handler(app, create_user, make_inquiry):
    from supportline.clock.jobs import JOBS
    from supportline.inquiries.reminders import send_follow_up_reminders

    assert "follow-up-reminders" in {job.id for job in JOBS}
    handler, colleague = create_user("handler"), create_user("handler")
    today = service.today_local().isoformat()
    make_inquiry(handler, follow_up_on=today)
    make_inquiry(handler, follow_up_on=today, assignee_id=colleague.id)
    make_inquiry(handler, follow_up_on=today, assignee_id=colleague.id, status="closed")
    with app.app_context():
        assert send_follow_up_reminders() == 2
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "inquiry.reminder")).all()
        assert sorted(e.object_id for e in events) == sorted([str(handler.id), str(colleague.id)])


def test_a_possible_personnummer_is_saved_only_when_confirmed(app, create_user, make_inquiry):
    handler = create_user("handler")
    summary = "Skolan uppger nummer 201001012384 för ärendet."
    with app.app_context():
        with pytest.raises(service.InquiryInvalid) as info:
            service.create_inquiry(_user(handler), valid_payload(summary=summary))
        assert "ser ut som ett personnummer" in info.value.errors["summary"]
        assert info.value.to_confirm == {"summary": [("201001012384", "201001012384")]}
        db.session.rollback()
        inquiry = service.create_inquiry(_user(handler), valid_payload(
            summary=summary, confirmed_numbers=["201001012384"]))
        assert inquiry.summary == summary
        # The access review sees who confirmed it, and where (never the number itself).
        detail = db.session.scalar(select(AuditEvent.detail).where(AuditEvent.action == "inquiry.create",
                                                                   AuditEvent.object_id == str(inquiry.id)))
        assert "confirmed_numbers_in" in str(detail) and "summary" in str(detail) and "2384" not in str(detail)
        # A confirmation covers that number only, and never a Luhn-valid personnummer.
        with pytest.raises(service.InquiryInvalid) as info:
            service.create_inquiry(_user(handler), valid_payload(
                summary=summary + " Även 201001012382.", confirmed_numbers=["201001012384", "201001012382"]))
        assert "personnummer får inte sparas" in info.value.errors["summary"]
        assert info.value.to_confirm == {}
        db.session.rollback()
    inquiry_id = make_inquiry(handler)
    with app.app_context():
        with pytest.raises(service.InquiryInvalid) as info:
            service.add_entry(_user(handler), inquiry_id, "note", "Referens 201001012384")
        assert info.value.to_confirm == {"text": [("201001012384", "201001012384")]}
        db.session.rollback()
        entry = service.add_entry(_user(handler), inquiry_id, "note", "Referens 201001012384",
                                  confirmed=["201001012384"])
        assert entry.text == "Referens 201001012384"


@pytest.mark.parametrize("change", ["create", "entry"])
def test_a_refused_change_leaves_no_transaction_open(app, create_user, make_inquiry, change):
    """The service ends what it began, so no caller rolls back after it (a read transaction
    left open on SQLite keeps an old snapshot and blocks the WAL from being checkpointed)."""
    handler = create_user("handler")
    inquiry_id = make_inquiry(handler) if change != "create" else None
    with app.app_context():
        actor = _user(handler)
        with pytest.raises(service.InquiryInvalid):
            if change == "create":
                service.create_inquiry(actor, valid_payload(linked_articles=["finns-inte"]))
            else:
                service.add_entry(actor, inquiry_id, "article_link", "finns-inte")
        assert not db.session().in_transaction()
