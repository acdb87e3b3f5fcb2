"""Quarterly snapshots: a quarter's figures frozen once the quarter has ended.

The clock makes the snapshot of the quarter that last ended (job `statistics-snapshot`), and
`supportline stats snapshot` does the same by hand. The first snapshot of a quarter is what was
published; inquiries edited or anonymised later do not change it. A re-run counts the quarter
again and, when the figures differ, stores them as the next version beside the first, so the
difference is on record and can be shown (`diff`). Making one is audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from supportline.audit import service as audit
from supportline.dates import today_local
from supportline.extensions import db
from supportline.stats import service
from supportline.stats.models import StatisticsSnapshot
from supportline.stats.tables import Row, Table
from supportline.stats.written import WrittenFigures
from supportline.transactions import write_transaction

# Figures that depend on the day they are counted rather than on the quarter's inquiries:
# a snapshot leaves them out, or every re-run would differ.
TIME_DEPENDENT_TABLES = ("open_age",)


class SnapshotError(ValueError):
    pass


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    if not 1 <= quarter <= 4:
        raise SnapshotError("Kvartalet ska vara 1, 2, 3 eller 4.")
    return service.quarter_range(dt.date(year, (quarter - 1) * 3 + 1, 1))


def last_ended_quarter(today: dt.date | None = None) -> tuple[int, int]:
    first, _last = service.quarter_range(today or today_local(), -1)
    return first.year, (first.month - 1) // 3 + 1


def to_data(report: service.Report) -> dict:
    data = asdict(report)
    data["filters"] = {"date_from": report.filters.date_from.isoformat(),
                       "date_to": report.filters.date_to.isoformat()}
    data["generated_at"] = report.generated_at.isoformat()
    data["tables"] = [t for t in data["tables"] if t["key"] not in TIME_DEPENDENT_TABLES]
    data["timeline"] = [list(t) for t in report.timeline]
    return data


def to_report(data: dict) -> service.Report:
    """The frozen report back as a Report, for the same page, exports and PDF as live figures."""
    values = dict(data)
    f = values.pop("filters")
    values["filters"] = service.Filters(dt.date.fromisoformat(f["date_from"]), dt.date.fromisoformat(f["date_to"]))
    values["generated_at"] = dt.datetime.fromisoformat(values["generated_at"])
    values["timeline"] = [tuple(t) for t in values["timeline"]]
    values["tables"] = [Table(**{**t, "rows": [Row(**r) for r in t["rows"]]}) for t in values["tables"]]
    # A snapshot frozen before the written questions were counted has none.
    values["written"] = WrittenFigures(**values.get("written", {}))
    return service.Report(**values)


def latest(year: int, quarter: int) -> StatisticsSnapshot | None:
    return db.session.scalars(select(StatisticsSnapshot).where(
        StatisticsSnapshot.year == year, StatisticsSnapshot.quarter == quarter)
        .order_by(StatisticsSnapshot.version.desc()).limit(1)).first()


def published(year: int, quarter: int) -> StatisticsSnapshot | None:
    """The first snapshot of the quarter: what was published."""
    return db.session.scalars(select(StatisticsSnapshot).where(
        StatisticsSnapshot.year == year, StatisticsSnapshot.quarter == quarter, StatisticsSnapshot.version == 1)
    ).first()


def all_snapshots() -> list[StatisticsSnapshot]:
    return list(db.session.scalars(select(StatisticsSnapshot).order_by(
        StatisticsSnapshot.year.desc(), StatisticsSnapshot.quarter.desc(), StatisticsSnapshot.version.desc())))


@dataclass
class Outcome:
    snapshot: StatisticsSnapshot
    created: bool
    changes: list[Change]


def make_snapshot(actor, year: int, quarter: int, *, trigger: str, rerun: bool = False,
                  today: dt.date | None = None, now: dt.datetime | None = None) -> Outcome:
    """Freeze the quarter's figures (once); with `rerun`, count again and store a new version
    only if the figures differ from the latest. Idempotent: a second run without changes stores
    nothing, and two clocks racing each other meet the unique (year, quarter, version)."""
    first, last = quarter_bounds(year, quarter)
    if last >= (today or today_local()):
        raise SnapshotError(f"{year} kvartal {quarter} har inte tagit slut än: det kan frysas först dagen efter "
                            f"{last.isoformat()}.")
    current = latest(year, quarter)
    if current is not None and not rerun:
        return Outcome(current, False, [])
    report = service.build_report(service.Filters(first, last), now=now)
    data = to_data(report)
    changes = diff(current.data, data) if current is not None else []
    if current is not None and not changes:
        return Outcome(current, False, [])
    version = (current.version + 1) if current is not None else 1
    try:
        with write_transaction():
            row = StatisticsSnapshot(year=year, quarter=quarter, version=version, period_start=first,
                                     period_end=last, made_by_id=actor.id if actor is not None else None,
                                     trigger=trigger, total=report.total, data=data)
            db.session.add(row)
            db.session.flush()
            audit.record("stats.snapshot", actor, object_type="statistics_snapshot", object_id=row.id,
                         detail={"year": year, "quarter": quarter, "version": version, "trigger": trigger,
                                 "changes": len(changes)})
    except IntegrityError:
        # Another run stored this version first: theirs stands.
        return Outcome(latest(year, quarter), False, [])
    return Outcome(row, True, changes)


def freeze_last_quarter(trigger: str = "clock", today: dt.date | None = None) -> Outcome:
    """The clock's job: the quarter that last ended, frozen once."""
    year, quarter = last_ended_quarter(today)
    return make_snapshot(None, year, quarter, trigger=trigger, today=today)


@dataclass
class Change:
    table: str
    row: str
    before: int | float | None
    after: int | float | None


KEY_FIGURES = {"total": "Antal ärenden", "persons": "Antal utsatta personer",
               "children_inquiries": "Ärenden som rör barn", "referrals_to_centres": "Hänvisningar till resurscentrum",
               "from_counties_without_centre": "Ärenden från län utan resurscentrum"}


def diff(before: dict, after: dict) -> list[Change]:
    """Every figure that differs between two snapshots' data (key figures, then table rows)."""
    changes = [Change("Nyckeltal", label, before.get(key), after.get(key))
               for key, label in KEY_FIGURES.items() if before.get(key) != after.get(key)]
    old_tables = {t["key"]: t for t in before.get("tables", [])}
    for table in after.get("tables", []):
        old = old_tables.get(table["key"], {"rows": []})
        old_rows = {r["code"] or r["label"]: r for r in old["rows"]}
        new_rows = {r["code"] or r["label"]: r for r in table["rows"]}
        for code in dict.fromkeys([*old_rows, *new_rows]):
            a, b = old_rows.get(code), new_rows.get(code)
            if (a or {}).get("count") != (b or {}).get("count"):
                changes.append(Change(table["title"], (b or a)["label"], (a or {}).get("count"),
                                      (b or {}).get("count")))
    return changes


def compare_with_now(snapshot: StatisticsSnapshot) -> list[Change]:
    """What counting the quarter again today would change (nothing is stored)."""
    report = service.build_report(service.Filters(snapshot.period_start, snapshot.period_end))
    return diff(snapshot.data, to_data(report))


def versions_of(year: int, quarter: int) -> int:
    return db.session.scalar(select(func.count()).where(StatisticsSnapshot.year == year,
                                                        StatisticsSnapshot.quarter == quarter)) or 0
