"""/oversikt: the team's load per handler, the unassigned cases and their age, and handing
cases to a handler with a note, on both databases."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from sqlalchemy import delete, select, update

from supportline.audit.models import AuditEvent
from supportline.auth.models import User
from supportline.dates import local_midnight_utc, today_local
from supportline.db import utcnow
from supportline.extensions import db
from supportline.inquiries import service
from supportline.inquiries.models import Inquiry, TimelineEntry
from supportline.retention.service import anonymise
from supportline.transactions import write_transaction
from tests.conftest import csrf_from


def _user(user):
    return db.session.get(User, user.id)


def _age(days: int) -> dt.datetime:
    """Received at noon, Swedish time, so many days ago (whatever the clock and the time zone say)."""
    return local_midnight_utc(today_local() - dt.timedelta(days=days)) + dt.timedelta(hours=12)


def _day(offset: int) -> dt.date:
    return today_local() + dt.timedelta(days=offset)


@pytest.fixture
def team(app, create_user, make_inquiry):
    """A hand-counted team. Anna: open 2, awaiting 1, due today 1, overdue 2, oldest 10 days (one
    closed case of hers does not count). Bo: awaiting 1, oldest 1 day. Cilla: nothing. Dag,
    deactivated: open 1, 4 days. Unassigned: open 1, awaiting 1, overdue 1, oldest 7 days (one
    closed, 100 days old, does not count)."""
    anna = create_user("handler", name="Anna Andersson")
    bo = create_user("handler", name="Bo Berg")
    cilla = create_user("admin", name="Cilla Ceder")
    dag = create_user("handler", name="Dag Dahl")
    cases = {
        # name: (assignee, status, age in days, follow-up in days from today)
        "a_old": (anna, "open", 10, -1),
        "a_today": (anna, "open", 3, 0),
        "a_waiting": (anna, "awaiting", 5, -2),
        "a_closed": (anna, "closed", 40, -20),
        "b_waiting": (bo, "awaiting", 1, None),
        "d_open": (dag, "open", 4, 3),
        "u_open": (None, "open", 7, None),
        "u_waiting": (None, "awaiting", 2, -1),
        "u_closed": (None, "closed", 100, None),
    }
    ids = {name: make_inquiry(anna) for name in cases}
    with app.app_context():
        # By hand: the service rightly refuses a follow-up date in the past.
        for name, (assignee, status, age, follow_up) in cases.items():
            db.session.execute(update(Inquiry).where(Inquiry.id == ids[name]).values(
                assignee_id=assignee.id if assignee else None, status=status, received_at=_age(age),
                follow_up_on=_day(follow_up) if follow_up is not None else None))
        db.session.execute(update(User).where(User.id == dag.id).values(active=False))
        db.session.commit()
    return {"anna": anna, "bo": bo, "cilla": cilla, "dag": dag, **ids}


def _figures(load) -> tuple:
    return load.open, load.awaiting, load.due_today, load.overdue, load.oldest_age_days


def test_figures_per_handler_and_unassigned(app, create_user, team):
    coordinator = create_user("coordinator")
    with app.app_context():
        overview = service.team_overview(_user(coordinator))
        by_name = {load.user.display_name: _figures(load) for load in overview.handlers}
        assert by_name == {"Anna Andersson": (2, 1, 1, 2, 10), "Bo Berg": (0, 1, 0, 0, 1),
                           "Cilla Ceder": (0, 0, 0, 0, None), "Dag Dahl": (1, 0, 0, 0, 4)}
        assert _figures(overview.unassigned) == (1, 1, 0, 1, 7)
        assert overview.total == 7
        # The cases to choose from: not closed, the unassigned first, each part oldest first.
        assert [r.id for r in overview.cases] == [team[n] for n in ("u_open", "u_waiting", "a_old", "a_waiting",
                                                                     "d_open", "a_today", "b_waiting")]
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "inquiry.list.team"))
        assert event.user_id == coordinator.id
        assert sorted(json.loads(event.detail)["ids"]) == sorted(r.id for r in overview.cases)


def _row(html: str, name: str) -> list[str]:
    match = re.search(rf'<th scope="row">{re.escape(name)}</th>(.*?)</tr>', html, re.S)
    assert match, name
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", match.group(1), re.S)]


def test_page_shows_the_figures_and_the_ages(client, login_as, team):
    login_as("coordinator")
    html = client.get("/oversikt").get_data(as_text=True)
    assert _row(html, "Anna Andersson") == ["2", "1", "1", "2", "10 dagar"]
    assert _row(html, "Bo Berg") == ["0", "1", "0", "0", "1 dag"]
    assert _row(html, "Cilla Ceder") == ["0", "0", "0", "0", "–"]
    assert _row(html, "Dag Dahl (kan inte längre ta ärenden)") == ["1", "0", "0", "0", "4 dagar"]
    assert _row(html, "Utan handläggare") == ["1", "1", "0", "1", "7 dagar"]
    assert "7 ärenden, varav 2 utan handläggare" in html
    # closed cases are not offered for reassignment (their checkbox; a user's id may be the same number)
    assert f'id="arende-{team["a_closed"]}"' not in html and f'id="arende-{team["u_closed"]}"' not in html
    assert 'href="/oversikt">Översikt</a>' in html  # in the staff navigation


def test_reassign_many_with_a_note_on_each_timeline_and_in_the_audit(app, create_user, team):
    coordinator = create_user("coordinator")
    chosen = [team["u_open"], team["a_old"]]
    with app.app_context():
        changed = service.reassign_inquiries(_user(coordinator), chosen, team["bo"].id, "Anna är föräldraledig.")
        assert sorted(changed) == sorted(chosen)
        for inquiry_id, previous in ((team["u_open"], None), (team["a_old"], team["anna"].id)):
            inquiry = db.session.get(Inquiry, inquiry_id)
            assert inquiry.assignee_id == team["bo"].id and inquiry.version == 2
            entries = db.session.scalars(select(TimelineEntry).where(TimelineEntry.inquiry_id == inquiry_id,
                                                                     TimelineEntry.kind == "assignment")).all()
            assert [(e.text, e.detail, e.user_id) for e in entries] == [
                ("Anna är föräldraledig.", {"from": previous, "to": team["bo"].id}, coordinator.id)]
            event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "inquiry.reassign",
                                                               AuditEvent.object_id == str(inquiry_id)))
            assert event.user_id == coordinator.id and json.loads(event.detail)["from"] == previous
        overview = service.team_overview(_user(coordinator))
        by_name = {load.user.display_name: _figures(load) for load in overview.handlers}
        assert by_name["Bo Berg"] == (2, 1, 0, 1, 10) and by_name["Anna Andersson"] == (1, 1, 1, 1, 5)
        assert _figures(overview.unassigned) == (0, 1, 0, 1, 2)


def test_reassigning_to_the_same_handler_adds_nothing(app, create_user, team):
    coordinator = create_user("coordinator")
    with app.app_context():
        assert service.reassign_inquiries(_user(coordinator), [team["b_waiting"]], team["bo"].id, "Kvar hos Bo.") == []
        assert db.session.scalars(select(TimelineEntry).where(TimelineEntry.inquiry_id == team["b_waiting"],
                                                              TimelineEntry.kind == "assignment")).all() == []


def test_an_anonymised_inquiry_refuses_the_whole_choice(app, create_user, team):
    coordinator = create_user("coordinator")
    with app.app_context():
        with write_transaction():
            anonymise(db.session.get(Inquiry, team["a_closed"]), utcnow())
        with pytest.raises(service.InquiryAnonymised) as refused:
            service.reassign_inquiries(_user(coordinator), [team["u_open"], team["a_closed"]], team["bo"].id, "Flytt.")
        assert "avidentifierades" in refused.value.message_sv and "kan inte längre ändras" in refused.value.message_sv
        assert db.session.get(Inquiry, team["u_open"]).assignee_id is None  # nothing half done
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "inquiry.reassign")) is None


@pytest.mark.parametrize(("ids", "to", "note", "field", "words"), [
    ([], "bo", "Flytt.", "inquiries", "Välj minst ett ärende"),
    (["u_open"], None, "Flytt.", "assignee_id", "Välj vilken handläggare"),
    (["u_open"], "dag", "Flytt.", "assignee_id", "inaktiverad"),
    (["u_open"], "bo", "  ", "note", "Skriv en kort anteckning"),
    (["u_open"], "bo", "Gäller 20121212-1212.", "note", "personnummer"),
])
def test_reassignment_refusals_are_swedish(app, create_user, team, ids, to, note, field, words):
    coordinator = create_user("coordinator")
    with app.app_context():
        with pytest.raises(service.InquiryInvalid) as refused:
            service.reassign_inquiries(_user(coordinator), [team[i] for i in ids], team[to].id if to else None, note)
        assert words in refused.value.errors[field]
        assert db.session.get(Inquiry, team["u_open"]).assignee_id is None


def _post(client, **data):
    token = csrf_from(client.get("/oversikt").get_data(as_text=True))
    return client.post("/oversikt", data={"csrf_token": token, **data})


def test_the_form_reassigns_and_says_how_many(app, client, login_as, team):
    login_as("coordinator")
    response = _post(client, arende=[str(team["u_open"]), str(team["u_waiting"])], assignee_id=str(team["bo"].id),
                     note="Fördelat efter veckomötet.")
    assert response.status_code == 302 and response.headers["Location"] == "/oversikt"
    html = client.get("/oversikt").get_data(as_text=True)
    assert "2 ärenden fick ny handläggare." in html
    assert _row(html, "Utan handläggare") == ["0", "0", "0", "0", "–"]
    assert _row(html, "Bo Berg") == ["1", "2", "0", "1", "7 dagar"]


def test_the_form_comes_back_with_what_was_chosen_on_error(client, login_as, team):
    login_as("coordinator")
    response = _post(client, arende=[str(team["u_open"]), str(team["a_old"])], assignee_id=str(team["bo"].id),
                     note="Ring 20121212-1212.")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "personnummer" in html and 'aria-invalid="true"' in html
    assert "Inga ärenden tilldelades." in html
    assert f'value="{team["u_open"]}" id="arende-{team["u_open"]}" checked' in html
    assert f'value="{team["a_old"]}" id="arende-{team["a_old"]}" checked' in html
    assert f'value="{team["u_waiting"]}" id="arende-{team["u_waiting"]}">' in html
    assert f'<option selected value="{team["bo"].id}">' in html
    assert "Ring 20121212-1212.</textarea>" in html


def test_the_form_names_the_anonymised_inquiry(app, client, login_as, team):
    login_as("coordinator")
    with app.app_context():
        with write_transaction():
            anonymise(db.session.get(Inquiry, team["u_waiting"]), utcnow())
    response = _post(client, arende=[str(team["u_waiting"])], assignee_id=str(team["bo"].id), note="Flytt.")
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert f"Ärende {team['u_waiting']} avidentifierades" in html
    assert f'value="{team["u_waiting"]}" id="arende-{team["u_waiting"]}" checked' in html


@pytest.mark.parametrize(("role", "status"), [("handler", 403), ("editor", 403), (None, 302)])
def test_only_coordinators_and_admins_reassign(app, client, login_as, team, role, status):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    if role:
        login_as(role)
        token = csrf_from(client.get("/").get_data(as_text=True))
    response = client.post("/oversikt", data={"csrf_token": token, "arende": str(team["u_open"]),
                                              "assignee_id": str(team["bo"].id), "note": "Flytt."})
    assert response.status_code == status
    with app.app_context():
        assert db.session.get(Inquiry, team["u_open"]).assignee_id is None


def test_a_case_gone_since_the_page_was_shown_is_named(app, client, login_as, team):
    login_as("coordinator")
    token = csrf_from(client.get("/oversikt").get_data(as_text=True))
    with app.app_context():
        db.session.execute(delete(Inquiry).where(Inquiry.id == team["u_open"]))
        db.session.commit()
    response = client.post("/oversikt", data={"csrf_token": token, "arende": [str(team["u_open"]),
                                                                               str(team["u_waiting"])],
                                              "assignee_id": str(team["bo"].id), "note": "Flytt."})
    assert response.status_code == 409
    assert f"Ärende {team['u_open']} finns inte längre." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Inquiry, team["u_waiting"]).assignee_id is None
