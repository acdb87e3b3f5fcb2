"""The figures against the hand-counted data set in conftest.py."""

from __future__ import annotations

import datetime as dt

import pytest

from supportline.stats import service
from supportline.stats.suppression import SECONDARY, SMALL, suppress
from tests.stats.conftest import Q1_2025

NOW = dt.datetime(2025, 4, 15, 10, tzinfo=dt.UTC)


def _report(app, **args):
    with app.app_context():
        return service.build_report(service.parse_filters({**Q1_2025, **args}), now=NOW)


def _counts(table):
    return {r.label: r.count for r in table.rows}


def test_totals_months_and_the_year_before(app, seeded):
    report = _report(app)
    assert report.total == 22  # 12 + 6 + 3 + 1; 1 April 00:30 local is outside, 1 January 00:10 inside
    assert report.granularity == "month"
    assert report.timeline == [("2025-01", 10, 5), ("2025-02", 8, 0), ("2025-03", 4, 0)]
    assert sum(r.count for r in report.table("timeline").rows) == report.total


def test_by_county_with_rates_and_centres(app, seeded):
    report = _report(app)
    rows = {r.code: r for r in report.table("county").rows}
    assert (rows["01"].count, rows["21"].count, rows["09"].count, rows[""].count) == (12, 6, 3, 1)
    # per 100,000 inhabitants, SCB 2023-12-31: 12/2,454,821, 6/287,502, 3/61,001
    assert (rows["01"].rate, rows["21"].rate, rows["09"].rate) == (0.5, 2.1, 4.9)
    assert rows["05"].count == 0 and rows["05"].rate == 0.0
    assert (rows["01"].extra, rows["21"].extra, rows["03"].extra) == ("Nej", "Ja", "Ja")
    assert report.referrals_to_centres == 6
    assert report.from_counties_without_centre == 15  # Stockholm 12 + Gotland 3
    assert "Stockholms län" in report.counties_without_centre
    assert "Gävleborgs län" not in report.counties_without_centre


def test_categories_persons_and_handling(app, seeded):
    report = _report(app)
    assert _counts(report.table("sector")) == {**{label: 0 for label in service.tx.SECTORS.values()},
                                               "Socialtjänst": 12, "Skola": 9, "Uppgift saknas": 1}
    assert _counts(report.table("age"))["13–15 år"] == 12
    assert _counts(report.table("gender")) == {"Flicka/kvinna": 15, "Pojke/man": 6, "Annat": 0, "Okänt": 1}
    assert report.persons == 22
    assert report.children_inquiries == 15 and report.children_share == 68.2
    assert _counts(report.table("topic"))["Risk- och skyddsbedömning"] == 22
    assert _counts(report.table("referral"))["Polisen"] == 3
    # durations: 3 × 300, 12 × 600, 6 × 1200 (one has none) -> the 11th of 21 is 600
    assert report.median_duration_seconds == 600
    # four with a follow-up date of 2025-02-28: open and awaiting are late, two closed are on time
    assert (report.follow_up_due, report.follow_up_on_time, report.follow_up_share) == (4, 2, 50.0)
    assert _counts(report.table("open_age")) == {"0–7 dagar": 0, "8–30 dagar": 0, "31–90 dagar": 2,
                                                 "Mer än 90 dagar": 0}


def test_filters_by_county_and_sector(app, seeded):
    assert _report(app, county="21").total == 6
    assert _report(app, sector="school").total == 9
    assert _report(app, county="09", sector="school").total == 3
    assert _report(app, county="01", sector="school").total == 0


def test_an_empty_period_has_no_division_by_zero(app, seeded):
    report = _report(app, **{"from": "2016-01-01", "to": "2016-03-31"})
    assert report.total == 0
    assert report.children_share is None and report.median_duration_seconds is None
    assert report.follow_up_share is None


def test_thirty_years_are_shown_per_year(app, seeded):
    report = _report(app, **{"from": "1996-01-01", "to": "2025-12-31"})
    assert report.granularity == "year" and len(report.timeline) == 30
    assert dict((label, n) for label, n, _e in report.timeline)["2024"] == 5
    assert report.total == 28


def _codes(table):
    return {r.code: r.count for r in table.rows if r.count}


def test_the_tables_come_in_the_reports_order_with_their_totals(app, seeded):
    report = _report(app)
    # Single-valued columns add up to the 22 inquiries (or 22 persons); codes an inquiry can have
    # several of have no total; open cases are the two not closed.
    assert [(t.key, t.title, t.total, t.unit) for t in report.tables] == [
        ("timeline", "Ärenden per månad", 22, "Ärenden"),
        ("county", "Ärenden per län", 22, "Ärenden"),
        ("centre_compare", "Län med och utan regionalt resurscentrum", 22, "Ärenden"),
        ("persons_per_inquiry", "Ärenden efter antal utsatta personer", 22, "Ärenden"),
        ("composition", "Ärendets sammansättning", 22, "Ärenden"),
        ("gender_age", "Utsatta personer: kön och ålder", 22, "Personer"),
        ("sector", "Den som ringer: verksamhet", 22, "Ärenden"),
        ("channel", "Kanal", 22, "Ärenden"),
        ("topic", "Frågan gäller", None, "Ärenden"),
        ("exposure", "Utsatthet", None, "Ärenden"),
        ("age", "Utsatta personer: åldersgrupp", 22, "Personer"),
        ("gender", "Utsatta personer: kön", 22, "Personer"),
        ("perpetrator", "Förövarens relation", None, "Ärenden"),
        ("urgency", "Hur brådskande", 22, "Ärenden"),
        ("referral", "Hänvisning", None, "Ärenden"),
        ("perpetrator_person", "Förövarens relation till den utsatta", None, "Personer"),
        ("outcome", "Vad samtalet ledde till", None, "Ärenden"),
        ("referral_centre", "Hänvisningar per regionalt resurscentrum", 6, "Ärenden"),
        ("open_age", "Öppna ärenden efter ålder", 2, "Ärenden"),
        ("written_sector", "Skriftliga frågor: verksamhet", 0, "Frågor"),
        ("written_county", "Skriftliga frågor: län", 0, "Frågor"),
    ]
    assert report.table("timeline").note == "Samma period ett år tidigare visas i diagrammet."
    county = report.table("county")
    assert county.has_rate and county.extra_header == "Regionalt resurscentrum"
    assert [r.code for r in county.rows] == [*service.tx.COUNTY_LABELS, ""]  # the missing county last
    assert [r.label for r in report.table("urgency").rows] == ["Akut", "Hög", "Normal"]


def test_every_category_is_counted(app, seeded):
    report = _report(app)
    # inquiries 1 to 22 are in the quarter; every fourth came by e-mail
    assert _codes(report.table("channel")) == {"phone": 17, "email": 5}
    assert _codes(report.table("urgency")) == {"normal": 22}
    assert _codes(report.table("sector")) == {"social_services": 12, "school": 9, "": 1}
    assert _codes(report.table("age")) == {"13-15": 12, "26+": 6, "0-5": 3, "unknown": 1}
    assert _codes(report.table("gender")) == {"girl_woman": 15, "boy_man": 6, "unknown": 1}
    assert _codes(report.table("topic")) == {"risk_assessment": 22}
    assert _codes(report.table("referral")) == {"resource_centre": 6, "police": 3}
    assert _codes(report.table("exposure")) == {} and _codes(report.table("perpetrator")) == {}
    assert [r.count for r in report.table("exposure").rows] == [0] * len(service.tx.EXPOSURE_TYPES)


def test_no_year_before_beside_a_period_longer_than_a_year(app, seeded):
    report = _report(app, **{"from": "2024-01-01", "to": "2025-01-31"})
    assert len(report.timeline) == 13 and {e for _l, _n, e in report.timeline} == {None}
    assert report.table("timeline").note == ""
    assert report.total == 5 + 10
    report = _report(app, **{"from": "1996-01-01", "to": "2025-12-31"})
    assert report.table("timeline").title == "Ärenden per år" and report.timeline[-1] == ("2025", 23, None)


@pytest.mark.parametrize("counts,total,cells,total_shown", [
    ([10, 7], 17, ["10", "7"], "17"),
    ([0, 12], 12, ["0", "12"], "12"),
    ([10, 3], 13, [SECONDARY, SMALL], "13"),  # 3 = 13 - 10 without the second cell hidden
    ([12, 9, 1], 22, ["12", SECONDARY, SMALL], "22"),
    ([3, 1, 20], 24, [SMALL, SMALL, "20"], "24"),  # sum 4 over two cells: 1+3, 2+2 or 3+1
    ([1, 1, 20], 22, [SMALL, SMALL, SECONDARY], "22"),  # 2 over two cells is 1+1 until 20 is hidden too
    ([5, 1], 6, [SECONDARY, SMALL], SECONDARY),  # x >= 5 and <5 >= 1 with a sum of 6 pins both
    ([3, 1], 4, [SMALL, SMALL], SMALL),
    ([2, 3, 9], None, [SMALL, SMALL, "9"], None),  # multi-valued codes: no total to subtract from
    ([0, 3], 3, ["0", SMALL], SMALL),  # a 0 is never hidden to cover a cell: it protects nothing
    ([0, 0], 0, ["0", "0"], "0"),
    ([10, 10, 3], 23, [SECONDARY, "10", SMALL], "23"),  # of equal counts the first row is hidden
    ([4, 6, 8, 30], 48, [SMALL, SECONDARY, "8", "30"], "48"),
])
def test_suppression_rule(counts, total, cells, total_shown):
    result = suppress(counts, total)
    assert (result.cells, result.total) == (cells, total_shown)
    assert result.hidden == [cell in (SMALL, SECONDARY) for cell in cells]  # their shares go too


def _range(args, today):
    f = service.parse_filters(args, today)
    return f.date_from, f.date_to


def test_presets():
    today = dt.date(2026, 5, 20)
    assert _range({"period": "this_quarter"}, today) == (dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    assert _range({"period": "last_quarter"}, today) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert _range({}, today) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert _range({"period": "last_year"}, dt.date(2026, 1, 2)) == (
        dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert service.quarter_range(dt.date(2026, 2, 1), -1) == (dt.date(2025, 10, 1), dt.date(2025, 12, 31))


@pytest.mark.parametrize("value,expected", [
    (0, [0, 1, 2, 3, 4, 5]), (6, [0, 2, 4, 6]), (23, [0, 5, 10, 15, 20, 25]), (101, [0, 50, 100, 150]),
    (9800, [0, 2000, 4000, 6000, 8000, 10000]),
])
def test_chart_axes_have_round_ticks_above_the_largest_value(value, expected):
    from supportline.stats import charts

    assert charts.ticks(value) == expected
    svg = str(charts.horizontal("c", "Titel", [charts.Bar("Ett län", value)], "beskrivning"))
    assert svg.count('class="chart-tick"') == len(expected)
    if value >= 1000:
        assert ">10\u202f000<" in svg  # tick labels in the Swedish number format
