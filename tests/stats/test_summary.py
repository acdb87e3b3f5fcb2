"""The stored months (stats/summary.py) against counting the inquiries themselves: the same report
from both, after every kind of change the database triggers must notice."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, text

from supportline.clock.jobs import JOBS
from supportline.extensions import db
from supportline.inquiries.models import Inquiry
from supportline.stats import counting, service, snapshots, summary
from supportline.stats.models import StatisticsChange, StatisticsMonth
from tests.stats.conftest import local
from tests.stats.test_series import series  # noqa: F401 - the fixture

NOW = dt.datetime(2025, 10, 15, 10, tzinfo=dt.UTC)
PERIODS = [
    ("2025-01-01", "2025-12-31"),  # twelve whole months
    ("2025-01-01", "2025-03-31"),  # a quarter
    ("2024-12-15", "2025-02-10"),  # cut mid-month at both ends
    ("2025-02-03", "2025-02-20"),  # inside one month
    ("2020-01-01", "2025-12-31"),  # by year
]


def _data(f: service.Filters) -> dict:
    data = snapshots.to_data(service.build_report(f, now=NOW))
    data.pop("generated_at")
    return data


def _both_ways(app, monkeypatch, period) -> tuple[dict, dict]:
    """The report from the stored months, and counted from the inquiries, for one period."""
    f = service.Filters(dt.date.fromisoformat(period[0]), dt.date.fromisoformat(period[1]))
    with app.app_context():
        assert summary.up_to_date()
        stored = _data(f)
    with monkeypatch.context() as m:
        m.setattr(summary, "up_to_date", lambda: False)
        with app.app_context():
            counted = _data(f)
    return stored, counted


def _refreshed(app) -> None:
    with app.app_context():
        summary.refresh()
        assert db.session.scalar(select(func.count()).select_from(StatisticsChange)) == 0


def _months(app) -> dict[str, int]:
    with app.app_context():
        return {m.isoformat()[:7]: n for m, n in db.session.execute(
            select(StatisticsMonth.month, StatisticsMonth.total)).all()}


def _sql(app, statement: str, **params) -> None:
    with app.app_context():
        db.session.execute(text(statement), params)
        db.session.commit()


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: f"{p[0]}..{p[1]}")
def test_the_stored_months_give_the_report_counting_gives(app, series, monkeypatch, period):  # noqa: F811
    _refreshed(app)
    stored, counted = _both_ways(app, monkeypatch, period)
    assert stored == counted
    assert stored["total"] > 0


def test_each_month_is_stored_with_its_inquiries(app, series):  # noqa: F811
    _refreshed(app)
    # conftest: five in January 2024; Q1 2025 by local month 10, 8, 4; 1 April 00:30 local; Q3 from test_series.
    months = _months(app)
    assert months["2024-01"] == 5
    assert (months["2025-01"], months["2025-02"], months["2025-03"], months["2025-04"]) == (10, 8, 4, 1)
    assert months["2025-07"] + months["2025-08"] + months["2025-09"] == 10
    assert "2025-05" not in months


def test_every_way_of_changing_an_inquiry_is_counted(app, series, monkeypatch):  # noqa: F811
    _refreshed(app)
    year = ("2025-01-01", "2025-12-31")
    with app.app_context():
        first_march = db.session.scalar(select(text("min(id)")).select_from(text("inquiries"))
                                        .where(text("received_at >= :a AND received_at < :b"))
                                        .params(a=local(2025, 3, 1).replace(tzinfo=None),
                                                b=local(2025, 4, 1).replace(tzinfo=None)))
    # Moved from March to May by plain SQL: both months are counted again.
    _sql(app, "UPDATE inquiries SET received_at = :at WHERE id = :id",
         at=local(2025, 5, 20, 12).replace(tzinfo=None), id=first_march)
    with app.app_context():
        assert summary.up_to_date()
    assert (_months(app)["2025-03"], _months(app)["2025-05"]) == (3, 1)
    stored, counted = _both_ways(app, monkeypatch, year)
    assert stored == counted
    # A code, a person and a centre changed on their own rows, then an inquiry deleted with all of them.
    _sql(app, "INSERT INTO inquiry_codes (inquiry_id, kind, code) VALUES (:id, 'outcomes', 'police_report')",
         id=first_march)
    _sql(app, "UPDATE inquiry_exposed_persons SET gender = 'boy_man' WHERE inquiry_id = :id", id=first_march)
    stored, counted = _both_ways(app, monkeypatch, year)
    assert stored == counted
    assert stored["persons"] == counted["persons"]
    _sql(app, "DELETE FROM inquiry_centres WHERE inquiry_id IN (SELECT min(inquiry_id) FROM inquiry_centres)")
    _sql(app, "DELETE FROM inquiries WHERE id = :id", id=first_march)
    stored, counted = _both_ways(app, monkeypatch, year)
    assert stored == counted
    assert "2025-05" not in _months(app)  # its only inquiry is gone


def test_one_statement_over_many_inquiries_counts_each_of_their_days(app, series, monkeypatch):  # noqa: F811
    """An import or a bulk load writes the parts of many inquiries in one statement: every day among
    them is counted again. On PostgreSQL the triggers run once per statement and record each time
    once, however many rows carry it (a row trigger looked up the inquiry of every row)."""
    _refreshed(app)
    year = ("2025-01-01", "2025-12-31")
    before, _counted = _both_ways(app, monkeypatch, year)
    with app.app_context():
        without = db.session.scalars(text(
            "SELECT id FROM inquiries WHERE id NOT IN (SELECT inquiry_id FROM inquiry_codes "
            "WHERE kind IN ('outcomes', 'topics') AND code = 'police_report')")).all()
        times = db.session.scalar(select(func.count(Inquiry.received_at.distinct())).where(Inquiry.id.in_(without)))
        db.session.rollback()
    assert times > 1
    ids = ", ".join(str(inquiry_id) for inquiry_id in without)
    # two rows an inquiry: a police report asked about and recommended
    _sql(app, "INSERT INTO inquiry_codes (inquiry_id, kind, code) SELECT id, kind, 'police_report' "
              f"FROM inquiries, (SELECT 'outcomes' AS kind UNION ALL SELECT 'topics') AS kinds WHERE id IN ({ids})")
    with app.app_context():
        changes = db.session.scalar(select(func.count()).select_from(StatisticsChange))
        db.session.rollback()
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        assert changes == times
    _refreshed(app)  # more days than a request counts: the clock's job, as after an import
    stored, counted = _both_ways(app, monkeypatch, year)
    assert stored == counted
    assert stored != before  # every inquiry of the year has a police report now
    _sql(app, "DELETE FROM inquiry_codes WHERE kind IN ('outcomes', 'topics') AND code = 'police_report' "
              f"AND inquiry_id IN ({ids})")
    _refreshed(app)
    stored, counted = _both_ways(app, monkeypatch, year)
    assert stored == counted
    assert stored == before


def test_an_inquiry_saved_and_edited_through_the_service_is_counted(app, series, create_user,  # noqa: F811
                                                                   monkeypatch):
    from supportline.auth.models import User
    from supportline.inquiries.writes import create_inquiry, update_inquiry
    from tests.inquiries.conftest import valid_payload

    _refreshed(app)
    user = create_user("handler")
    before = _months(app)["2025-08"]
    with app.app_context():
        actor = db.session.get(User, user.id)
        made = create_inquiry(actor, valid_payload(received_at=local(2025, 8, 14, 9).isoformat()))
        made_id, version = made.id, made.version
        assert summary.up_to_date()
    assert _months(app)["2025-08"] == before + 1
    stored, counted = _both_ways(app, monkeypatch, ("2025-07-01", "2025-09-30"))
    assert stored == counted
    with app.app_context():
        actor = db.session.get(User, user.id)
        update_inquiry(actor, made_id, valid_payload(received_at=local(2025, 8, 14, 9).isoformat(),
                                                     status="closed", urgency="acute"),
                       expected_version=version)
        assert summary.up_to_date()
        data = db.session.scalar(select(StatisticsMonth.counts).where(StatisticsMonth.month == dt.date(2025, 8, 1)))
    assert data["by_urgency"]["acute"] == 1
    stored, counted = _both_ways(app, monkeypatch, ("2025-07-01", "2025-09-30"))
    assert stored == counted


def test_more_changed_months_than_a_request_counts_wait_for_the_clock(app, series, monkeypatch):  # noqa: F811
    _refreshed(app)
    stale = _months(app)
    # Every inquiry changed at once: every month with inquiries is out of date.
    _sql(app, "UPDATE inquiries SET urgency = 'high'")
    with app.app_context():
        assert not summary.up_to_date()  # more than DAYS_ON_REQUEST days: left to the clock
        report = service.build_report(service.Filters(dt.date(2025, 1, 1), dt.date(2025, 12, 31)), now=NOW)
    assert report.table("urgency").rows[1].count == report.total  # counted from the inquiries: all high now
    assert _months(app) == stale  # nothing stored by the request
    job = next(j for j in JOBS if j.id == "statistics-months")
    with app.app_context():
        job.func()
        assert summary.up_to_date()
        data = db.session.scalar(select(StatisticsMonth.counts).where(StatisticsMonth.month == dt.date(2025, 2, 1)))
    assert data["by_urgency"] == {"high": 8}
    stored, counted = _both_ways(app, monkeypatch, ("2025-01-01", "2025-12-31"))
    assert stored == counted


def test_a_change_without_a_time_counts_every_month_anew(app, series, runner):  # noqa: F811
    _refreshed(app)
    _sql(app, "DELETE FROM statistics_months")
    _sql(app, "INSERT INTO statistics_changes (received_at) VALUES (NULL)")  # as the migration leaves it
    with app.app_context():
        assert not summary.up_to_date()
    result = runner.invoke(args=["stats", "months"])
    assert result.exit_code == 0, result.output
    assert "räknad för 8 månader med ärenden" in result.output
    assert _months(app)["2024-01"] == 5


def test_a_filtered_period_is_counted_from_the_inquiries(app, series, monkeypatch):  # noqa: F811
    _refreshed(app)
    called = []
    monkeypatch.setattr(summary, "counts_for", lambda *a: called.append(a))
    with app.app_context():
        report = service.build_report(service.Filters(dt.date(2025, 1, 1), dt.date(2025, 3, 31), county="01"),
                                      now=NOW)
    assert report.total == 12 and called == []


@pytest.mark.parametrize(("durations", "median"), [
    ({}, None), ({600: 1}, 600), ({300: 1, 600: 1}, 450), ({300: 2, 1200: 1}, 300),
    ({60: 1, 301: 1, 302: 1, 900: 1}, 302), ({5: 3, 7: 3}, 6)])
def test_the_median_call_from_the_lengths_counted(durations, median):
    assert counting.Counts(durations=durations).median_duration_seconds == median


def test_an_edit_through_the_api_counts_its_day_before_the_answer(app, client, series, create_user):  # noqa: F811
    """The save itself counts the changed day again: the next /statistik finds nothing to count."""
    from supportline.auth.models import User
    from supportline.auth.service import issue_api_token
    from supportline.inquiries.models import Inquiry

    _refreshed(app)
    handler = create_user("handler")
    with app.app_context():
        token = issue_api_token(None, db.session.get(User, handler.id))
        inquiry = db.session.scalars(select(Inquiry).where(Inquiry.received_at >= local(2025, 8, 1),
                                                           Inquiry.received_at < local(2025, 9, 1))).first()
        inquiry_id, version, urgency = inquiry.id, inquiry.version, inquiry.urgency
        before = db.session.scalar(select(StatisticsMonth.counts).where(StatisticsMonth.month == dt.date(2025, 8, 1)))
    new = "acute" if urgency != "acute" else "high"
    response = client.patch(f"/api/v1/inquiries/{inquiry_id}", json={"version": version, "urgency": new},
                            headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StatisticsChange)) == 0
        after = db.session.scalar(select(StatisticsMonth.counts).where(StatisticsMonth.month == dt.date(2025, 8, 1)))
    assert after["by_urgency"].get(new, 0) == before["by_urgency"].get(new, 0) + 1


def test_a_save_whose_count_loses_the_database_still_answers_with_the_case(app, client, create_user, monkeypatch):
    """The save is committed; counting its day after the commit fails (the server went away under
    the count's first read). The count is given up and the answer still carries the saved case: the
    request's session was rolled back, not left holding the broken connection."""
    from supportline.auth.models import User
    from supportline.auth.service import issue_api_token
    from tests.inquiries.conftest import valid_payload

    def connection_lost(limit=None):
        db.session.connection().invalidate()
        return db.session.execute(select(StatisticsChange.id).limit(1))  # raises: the connection is gone

    monkeypatch.setattr(summary, "refresh", connection_lost)
    handler = create_user("handler")
    with app.app_context():
        token = issue_api_token(None, db.session.get(User, handler.id))
    response = client.post("/api/v1/inquiries", json=valid_payload(), headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["summary"] == valid_payload()["summary"]


def test_counting_many_days_goes_a_month_at_a_time_and_ends_up_the_same(app, series, monkeypatch):  # noqa: F811
    _refreshed(app)
    counted_once = _months(app)
    _sql(app, "DELETE FROM statistics_months")
    _sql(app, "DELETE FROM statistics_days")
    _sql(app, "INSERT INTO statistics_changes (received_at) VALUES (NULL)")
    transactions = []
    original = summary._recount
    monkeypatch.setattr(summary, "_DAYS_AT_ONCE", 5)
    monkeypatch.setattr(summary, "_recount", lambda days: (transactions.append(sorted(days)), original(days)))
    _refreshed(app)
    assert _months(app) == counted_once
    assert len(transactions) == len(counted_once)  # one write transaction per month with inquiries
    assert all(len({day.replace(day=1) for day in days}) == 1 for days in transactions)
    stored, counted = _both_ways(app, monkeypatch, ("2024-01-01", "2025-12-31"))
    assert stored == counted
