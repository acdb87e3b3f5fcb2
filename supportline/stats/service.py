"""Statistics for follow-up and the reports to the government.

All counting happens in SQL (GROUP BY over the indexed columns); Python only shapes the
handful of result rows into tables. A period is a range of whole local (Europe/Stockholm)
days, turned into a half-open UTC interval [start, end) on `received_at`.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import case, func, select

from supportline.dates import local_midnight_utc, today_local
from supportline.extensions import db
from supportline.inquiries import taxonomy as tx
from supportline.inquiries.models import Inquiry
from supportline.stats import series, summary
from supportline.stats.counting import Counts, count
from supportline.stats.models import ACTIVE_STATUSES, ResourceCentre
from supportline.stats.population import per_100k, population
from supportline.stats.tables import Row, Table
from supportline.stats.written import WrittenFigures, written_figures

PRESETS = {
    "this_quarter": "Det här kvartalet",
    "last_quarter": "Förra kvartalet",
    "this_year": "I år",
    "last_year": "Förra året",
    "custom": "Egen period",
}
# Earlier than this is not a date anyone means (the line opened 2014-03-13); the upper bound
# is next year, so a mistyped 20250 or 1025 is refused instead of scanning nothing for minutes.
EARLIEST = dt.date(1990, 1, 1)
MAX_MONTHLY_MONTHS = 36  # longer periods are shown per year: 360 bars say nothing
CHILD_AGE_GROUPS = ("0-5", "6-12", "13-15", "16-17")
OPEN_AGE_BUCKETS = [(7, "0–7 dagar"), (30, "8–30 dagar"), (90, "31–90 dagar"), (None, "Mer än 90 dagar")]
MISSING = "Uppgift saknas"
# Not closed, by name: the index on (status, received_at) then finds the period's open inquiries.
OPEN_STATUSES = tuple(code for code in tx.STATUSES if code != "closed")


class StatsInputError(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Filters:
    date_from: dt.date
    date_to: dt.date  # inclusive
    preset: str = "custom"
    county: str | None = None
    sector: str | None = None

    @property
    def start(self) -> dt.datetime:
        return local_midnight_utc(self.date_from)

    @property
    def end(self) -> dt.datetime:
        return local_midnight_utc(self.date_to + dt.timedelta(days=1))

    @property
    def label(self) -> str:
        text = f"{self.date_from.isoformat()} – {self.date_to.isoformat()}"
        if self.county:
            text += f", {tx.COUNTY_LABELS[self.county]}"
        if self.sector:
            text += f", {tx.SECTORS[self.sector].lower()}"
        return text

    def query_args(self) -> dict[str, str]:
        args = {"period": self.preset, "from": self.date_from.isoformat(), "to": self.date_to.isoformat()}
        if self.county:
            args["county"] = self.county
        if self.sector:
            args["sector"] = self.sector
        return args


def quarter_range(day: dt.date, offset: int = 0) -> tuple[dt.date, dt.date]:
    index = (day.year * 4 + (day.month - 1) // 3) + offset
    year, q = divmod(index, 4)
    first = dt.date(year, q * 3 + 1, 1)
    last_month = q * 3 + 3
    return first, dt.date(year, last_month, calendar.monthrange(year, last_month)[1])


def preset_range(preset: str, today: dt.date) -> tuple[dt.date, dt.date]:
    if preset == "this_quarter":
        return quarter_range(today)
    if preset == "last_quarter":
        return quarter_range(today, -1)
    if preset == "this_year":
        return dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)
    return dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)


def parse_filters(args, today: dt.date | None = None) -> Filters:
    """Filters from query arguments (or CLI options); StatsInputError with Swedish messages per field."""
    today = today or today_local()
    errors: dict[str, str] = {}
    preset = (args.get("period") or "").strip() or ("custom" if args.get("from") or args.get("to") else "this_year")
    date_from = date_to = None
    if preset not in PRESETS:
        errors["period"] = "Välj en av perioderna i listan."
    elif preset == "custom":
        date_from = _parse_day(args.get("from"), "from", "Från och med", errors, today)
        date_to = _parse_day(args.get("to"), "to", "Till och med", errors, today)
    else:
        date_from, date_to = preset_range(preset, today)
    if date_from and date_to and date_from > date_to:
        errors["to"] = (f"Slutdatumet ({date_to.isoformat()}) är före startdatumet ({date_from.isoformat()}). "
                        "Byt plats på datumen.")
    county = (args.get("county") or "").strip() or None
    if county and county not in tx.COUNTY_LABELS:
        errors["county"] = f"Länskoden ”{county[:10]}” finns inte. Välj ett län i listan."
    sector = (args.get("sector") or "").strip() or None
    if sector and sector not in tx.SECTORS:
        errors["sector"] = f"Verksamheten ”{sector[:30]}” finns inte. Välj en verksamhet i listan."
    if errors:
        raise StatsInputError(errors)
    return Filters(date_from, date_to, preset, county, sector)


def _parse_day(value, name: str, label: str, errors: dict, today: dt.date) -> dt.date | None:
    text = (value or "").strip() if isinstance(value, str) else value
    if not text:
        errors[name] = f"{label}: ange ett datum (ÅÅÅÅ-MM-DD)."
        return None
    if isinstance(text, dt.date):
        day = text
    else:
        try:
            day = dt.date.fromisoformat(text[:10]) if len(text) <= 10 else None
        except ValueError:
            day = None
        if day is None:
            errors[name] = f"{label}: ”{text[:20]}” är inget datum. Skriv det som ÅÅÅÅ-MM-DD."
            return None
    latest = dt.date(today.year + 1, 12, 31)
    if not EARLIEST <= day <= latest:
        errors[name] = (f"{label}: datumet måste ligga mellan {EARLIEST.isoformat()} och {latest.isoformat()} "
                        "(stödtelefonen öppnade 2014-03-13).")
        return None
    return day


# --- tables ---------------------------------------------------------------------------------

@dataclass
class Report:
    filters: Filters
    generated_at: dt.datetime
    total: int
    persons: int
    children_share: float | None
    children_inquiries: int
    median_duration_seconds: int | None
    follow_up_due: int
    follow_up_on_time: int
    referrals_to_centres: int
    from_counties_without_centre: int
    counties_without_centre: list[str]
    granularity: str  # "month" or "year"
    timeline: list[tuple[str, int, int | None]]  # (label, count, count a year earlier)
    tables: list[Table] = field(default_factory=list)
    written: WrittenFigures = field(default_factory=WrittenFigures)
    mentioned_persons: int = 0  # persons only mentioned in the cases, not counted as their persons

    @property
    def follow_up_share(self) -> float | None:
        return round(100 * self.follow_up_on_time / self.follow_up_due, 1) if self.follow_up_due else None

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def _conditions(f: Filters, start=None, end=None) -> list:
    conds = [Inquiry.received_at >= (start or f.start), Inquiry.received_at < (end or f.end)]
    if f.county:
        conds.append(Inquiry.county_code == f.county)
    if f.sector:
        conds.append(Inquiry.caller_sector == f.sector)
    return conds


def _table(key: str, title: str, labels: dict, counts: dict, total: int | None, **kw) -> Table:
    rows = [Row(code, label, counts.get(code, 0)) for code, label in labels.items()]
    missing = sum(n for code, n in counts.items() if code not in labels)
    if missing:
        rows.append(Row("", MISSING, missing))
    return Table(key, title, rows, total, **kw)


def _buckets(f: Filters) -> tuple[str, list[tuple[dt.date, dt.date, str]]]:
    """The chart's periods: months (or years for long ranges), clipped to the filter's days."""
    months = (f.date_to.year - f.date_from.year) * 12 + f.date_to.month - f.date_from.month + 1
    buckets = []
    if months <= MAX_MONTHLY_MONTHS:
        year, month = f.date_from.year, f.date_from.month
        for _ in range(months):
            first = max(dt.date(year, month, 1), f.date_from)
            last = min(dt.date(year, month, calendar.monthrange(year, month)[1]), f.date_to)
            buckets.append((first, last, f"{year}-{month:02d}"))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return "month", buckets
    for year in range(f.date_from.year, f.date_to.year + 1):
        buckets.append((max(dt.date(year, 1, 1), f.date_from), min(dt.date(year, 12, 31), f.date_to), str(year)))
    return "year", buckets


def _shifted(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _bucket_counts(f: Filters, buckets, shift_years: int = 0, stored: bool = False) -> list[int]:
    """Inquiries per bucket (`shift_years` earlier): from the stored days' totals when `stored`,
    otherwise one GROUP BY over a CASE of UTC bounds: local-time months without a timezone
    function, the same on SQLite and PostgreSQL."""
    days = [(_shifted(a, shift_years), _shifted(b, shift_years)) for a, b, _ in buckets]
    if days[0][0].year < EARLIEST.year:
        return [0] * len(buckets)
    if stored:
        return summary.bucket_totals(days)
    bounds = [(local_midnight_utc(a), local_midnight_utc(b + dt.timedelta(days=1))) for a, b in days]
    index = case(*[(Inquiry.received_at < b_end, i) for i, (_b, b_end) in enumerate(bounds)], else_=-1)
    rows = db.session.execute(
        select(index.label("b"), func.count()).where(*_conditions(f, bounds[0][0], bounds[-1][1])).group_by("b")).all()
    counts = [0] * len(buckets)
    for i, n in rows:
        if 0 <= i < len(counts):
            counts[i] = n
    return counts


def centre_counties() -> set[str]:
    """Counties with a resource centre that is established or being built."""
    return set(db.session.scalars(select(ResourceCentre.county_code)
                                  .where(ResourceCentre.status.in_(ACTIVE_STATUSES))).all())


def _timeline(f: Filters, stored: bool) -> tuple[str, list[tuple[str, int, int | None]]]:
    granularity, buckets = _buckets(f)
    counts = _bucket_counts(f, buckets, stored=stored)
    # A year earlier beside it, when the period is at most a year (longer periods overlap themselves).
    earlier = _bucket_counts(f, buckets, -1, stored) if len(buckets) <= 12 and granularity == "month" else None
    return granularity, [(label, counts[i], earlier[i] if earlier else None)
                         for i, (_a, _b, label) in enumerate(buckets)]


def _timeline_table(granularity: str, timeline: list[tuple[str, int, int | None]], total: int) -> Table:
    compared = any(e is not None for _l, _n, e in timeline)
    return Table("timeline", "Ärenden per månad" if granularity == "month" else "Ärenden per år",
                 [Row(label, label, n) for label, n, _e in timeline], total,
                 note="Samma period ett år tidigare visas i diagrammet." if compared else "")


def _county_table(by_county: dict, with_centre: set[str], total: int) -> Table:
    rows = [Row(code, name, by_county.get(code, 0), per_100k(by_county.get(code, 0), code),
                "Ja" if code in with_centre else "Nej") for code, name in tx.COUNTY_LABELS.items()]
    unknown_county = sum(n for code, n in by_county.items() if code not in tx.COUNTY_LABELS)
    if unknown_county:
        rows.append(Row("", MISSING, unknown_county, None, ""))
    return Table("county", "Ärenden per län", rows, total, has_rate=True, extra_header="Regionalt resurscentrum",
                 note="Per 100 000 invånare: folkmängd enligt SCB 31 december 2023. " + series.PREVALENCE_CAVEAT)


def _category_tables(c: Counts) -> list[Table]:
    total, persons, kind = c.total, c.persons, c.by_kind.get
    return [
        _table("sector", "Den som ringer: verksamhet", tx.SECTORS, c.by_sector, total),
        _table("channel", "Kanal", tx.CHANNELS, c.by_channel, total),
        _table("topic", "Frågan gäller", tx.QUESTION_TOPICS, kind("question_topics", {}), None,
               note="Ett ärende kan gälla flera frågor."),
        _table("exposure", "Utsatthet", tx.EXPOSURE_TYPES, kind("exposure_types", {}), None,
               note="Ett ärende kan ha flera slag av utsatthet."),
        _table("age", "Utsatta personer: åldersgrupp", tx.AGE_GROUPS, c.people.ages, persons, unit="Personer"),
        _table("gender", "Utsatta personer: kön", tx.GENDERS, c.people.genders, persons, unit="Personer"),
        _table("perpetrator", "Förövarens relation", tx.PERPETRATOR_RELATIONS,
               kind("perpetrator_relations", {}), None, note="Ett ärende kan ha flera förövare."),
        _table("urgency", "Hur brådskande", {k: v.split(" – ")[0] for k, v in tx.URGENCIES.items()},
               c.by_urgency, total),
        _table("referral", "Hänvisning", tx.REFERRALS, kind("referrals", {}), None,
               note="Ett ärende kan hänvisas till flera."),
    ]


def _open_age_table(conds, now: dt.datetime) -> Table:
    # Ordered CASE: the first bound the inquiry is newer than is its bucket.
    bucket = case(*[(Inquiry.received_at > now - dt.timedelta(days=upper), i)
                    for i, (upper, _l) in enumerate(OPEN_AGE_BUCKETS) if upper is not None],
                  else_=len(OPEN_AGE_BUCKETS) - 1)
    open_counts = dict(db.session.execute(
        select(bucket.label("b"), func.count()).where(*conds, Inquiry.status.in_(OPEN_STATUSES)).group_by("b")).all())
    rows = [Row(str(i), label, open_counts.get(i, 0)) for i, (_u, label) in enumerate(OPEN_AGE_BUCKETS)]
    return Table("open_age", "Öppna ärenden efter ålder", rows, sum(r.count for r in rows),
                 note="Ärenden i perioden som inte är avslutade, efter dagar sedan de togs emot.")


def period_counts(f: Filters) -> tuple[Counts, bool]:
    """The period's counts, and whether they came from the stored days and months. A filtered
    period is counted from the inquiries (the stored counts are for all inquiries together)."""
    if not (f.county or f.sector) and summary.up_to_date():
        return summary.counts_for(f.date_from, f.date_to), True
    return count(_conditions(f)), False


def build_report(f: Filters, now: dt.datetime | None = None) -> Report:
    now = now or dt.datetime.now(dt.UTC)
    conds = _conditions(f)
    c, stored = period_counts(f)
    total = c.total
    granularity, timeline = _timeline(f, stored)
    with_centre = centre_counties()
    without = [code for code in tx.COUNTY_LABELS if code not in with_centre]
    follow_up_due, follow_up_on_time = c.follow_up_due, c.follow_up_on_time(today_local())
    written = written_figures(conds, now)
    tables = [_timeline_table(granularity, timeline, total), _county_table(c.by_county, with_centre, total),
              series.centre_compare_table(c.by_county, with_centre),
              series.persons_table(c.people.per_inquiry, total),
              series.composition_table(c.people.compositions, total),
              series.gender_age_table(c.people.cross, c.persons),
              *_category_tables(c),
              series.perpetrator_person_table(c.people.relations, c.people.no_relation),
              series.outcome_table(c.by_kind.get("outcomes", {})),
              series.centre_referral_table(sorted((county, name, n) for (county, name), n in c.centres.items()),
                                           c.unnamed_centres),
              _open_age_table(conds, now), *_written_tables(written)]
    return Report(
        filters=f, generated_at=now, total=total, persons=c.persons,
        children_share=round(100 * c.people.children_inquiries / total, 1) if total else None,
        children_inquiries=c.people.children_inquiries,
        median_duration_seconds=c.median_duration_seconds,
        follow_up_due=follow_up_due, follow_up_on_time=follow_up_on_time,
        referrals_to_centres=c.by_kind.get("referrals", {}).get("resource_centre", 0),
        from_counties_without_centre=sum(c.by_county.get(code, 0) for code in without),
        counties_without_centre=[tx.COUNTY_LABELS[code] for code in without],
        granularity=granularity, timeline=timeline, tables=tables, written=written,
        mentioned_persons=c.people.mentioned,
    )


def _written_tables(w: WrittenFigures) -> list[Table]:
    return [_table("written_sector", "Skriftliga frågor: verksamhet", tx.SECTORS, w.by_sector, w.questions,
                   unit="Frågor"),
            _table("written_county", "Skriftliga frågor: län", tx.COUNTY_LABELS, w.by_county, w.questions,
                   unit="Frågor")]


def population_total() -> int:
    return sum(population().values())
