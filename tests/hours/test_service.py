"""The opening hours as stored: the migration's seed, the admin's changes (audited) and the
public functions reading them, on both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from supportline.audit.models import AuditEvent
from supportline.auth.models import User
from supportline.extensions import db
from supportline.hours import service
from supportline.hours.service import HoursError
from tests.hours.test_schedule import NINE_TO_TWELVE, local

PUBLISHED = {0: NINE_TO_TWELVE, 2: NINE_TO_TWELVE, 4: NINE_TO_TWELVE}


@pytest.fixture
def admin(app, create_user):
    user = create_user("admin")
    with app.app_context():
        return db.session.get(User, user.id)


def test_the_migration_seeds_the_published_hours_unconfirmed(app):
    with app.app_context():
        downgrade(revision="0019_timeline_article_slug")
        upgrade()
        db.engine.dispose()
        assert service.load_schedule().weekly == PUBLISHED
        assert service.weekly_text() == "måndag, onsdag och fredag kl. 9–12"
        assert service.is_confirmed() is False


def test_weekly_hours_replace_the_week_and_are_audited(app, admin):
    with app.app_context():
        service.set_weekly_hours(admin, PUBLISHED, confirmed=False)
        service.set_weekly_hours(admin, {**PUBLISHED, 0: (600, 660)}, confirmed=False)  # the same days again
        assert service.load_schedule().weekly[0] == (600, 660)
        service.set_weekly_hours(admin, {1: (480, 960), 3: (480, 960)}, confirmed=True)
        assert service.weekly_text() == "tisdag och torsdag kl. 8–16"
        assert service.is_confirmed() is True
        assert service.is_open(local(2026, 12, 8, 15)) and not service.is_open(local(2026, 12, 7, 10))
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "hours.weekly_set")
                                    .order_by(AuditEvent.id)).all()
        assert [e.actor for e in events] == [admin.email] * 3
        assert '"after": {"1": [480, 960], "3": [480, 960]}' in events[-1].detail


def test_a_week_without_any_open_day_is_refused(app, admin):
    with app.app_context():
        service.set_weekly_hours(admin, PUBLISHED, confirmed=False)
        with pytest.raises(HoursError) as caught:
            service.set_weekly_hours(admin, {}, confirmed=True)
        assert "Minst en dag" in caught.value.errors["week"]
        assert service.load_schedule().weekly == PUBLISHED


def test_changed_days_count_and_can_be_removed(app, admin):
    with app.app_context():
        service.set_weekly_hours(admin, PUBLISHED, confirmed=True)
        christmas = service.add_change(admin, dt.date(2026, 12, 25), None, "  juldagen ")
        service.add_change(admin, dt.date(2026, 12, 23), (540, 600), "lilla julafton")
        assert service.opening_seconds_between(local(2026, 12, 21), local(2026, 12, 28)) == 4 * 3600
        assert service.answer_due_at(local(2026, 12, 22, 10)) == local(2026, 12, 28, 12)
        assert service.changes_text(dt.date(2026, 12, 6)) == \
            "23 december: kl. 9–10, lilla julafton; 25 december: stängt, juldagen"
        with pytest.raises(HoursError) as caught:
            service.add_change(admin, dt.date(2026, 12, 25), (540, 600), "öppet ändå")
        assert "har redan ändrade tider" in caught.value.errors["day"]
        with pytest.raises(HoursError) as caught:
            service.add_change(admin, dt.date(2026, 12, 31), None, " ")
        assert "anteckning" in caught.value.errors["note"]
        assert service.remove_change(admin, christmas.id) is True
        assert service.remove_change(admin, christmas.id) is False
        assert service.answer_due_at(local(2026, 12, 22, 10)) == local(2026, 12, 25, 12)
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("hours.change%"))
                                     .order_by(AuditEvent.id)).all()
        assert actions == ["hours.change_add", "hours.change_add", "hours.change_remove"]


def test_the_target_is_a_setting(app, admin, monkeypatch):
    with app.app_context():
        service.set_weekly_hours(admin, PUBLISHED, confirmed=True)
        monkeypatch.setitem(app.config, "SUPPORTLINE_ANSWER_TARGET_DAYS", 1)
        assert service.answer_due_at(local(2026, 12, 3, 14)) == local(2026, 12, 4, 12)
        monkeypatch.setitem(app.config, "SUPPORTLINE_ANSWER_TARGET_DAYS", 3)
        assert service.answer_due_at(local(2026, 12, 3, 14)) == local(2026, 12, 9, 12)


def test_this_weeks_hours_show_the_changes(app, admin):
    with app.app_context():
        service.set_weekly_hours(admin, PUBLISHED, confirmed=True)
        service.add_change(admin, dt.date(2026, 12, 25), None, "juldagen")
        week = service.week_hours(dt.date(2026, 12, 24))
        assert [(d.name, d.text, d.note) for d in week] == [
            ("måndag", "kl. 9–12", None), ("tisdag", "stängt", None), ("onsdag", "kl. 9–12", None),
            ("torsdag", "stängt", None), ("fredag", "stängt", "juldagen"), ("lördag", "stängt", None),
            ("söndag", "stängt", None)]
