"""The printable report for a period: the tables (suppressed, as in the exports), a chart for
each, the method and the caveats. One context for the HTML page (print CSS) and the PDF.

A whole quarter that has been frozen is printed from its snapshot, so the report attached to
the government report shows the published figures even after inquiries were edited later."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from supportline.stats import charts, export, service, snapshots
from supportline.stats.series import PREVALENCE_CAVEAT
from supportline.stats.suppression import RULE_TEXT

METHOD = [
    "Statistiken räknas ur stödtelefonens ärenden. Ett ärende är en kontakt från en yrkesverksam (eller en annan "
    "som ringer eller skriver) om ett avidentifierat fall; samma fall kan komma tillbaka som ett nytt ärende. "
    "Ärendet räknas i perioden efter den dag det togs emot (svensk tid, båda datumen ingår).",
    "Utsatta personer räknas var för sig, efter kön och åldersgrupp som handläggaren har angett; ett ärende kan "
    "gälla flera personer. Personer som bara nämns i ärendet räknas inte som utsatta.",
    "Frågor, slag av utsatthet, förövarens relation och hänvisningar kan vara flera per ärende: de tabellerna "
    "summerar inte till antalet ärenden och har ingen total.",
    "Län med regionalt resurscentrum: län där katalogen har ett centrum som är etablerat eller under uppbyggnad "
    "när rapporten skapas. Antal per 100 000 invånare räknas på SCB:s folkmängd per län.",
    "Ett kvartal som har tagit slut fryses: rapporten för ett fryst kvartal visar siffrorna som de var när "
    "kvartalet frystes, även om ärenden har ändrats eller avidentifierats senare.",
]
CAVEATS = [PREVALENCE_CAVEAT, RULE_TEXT,
           "Siffrorna bygger på det handläggaren har kunnat notera under samtalet: uppgifter som saknas redovisas "
           "som ”Uppgift saknas”."]


def _whole_quarter(f: service.Filters) -> tuple[int, int] | None:
    if f.county or f.sector:
        return None
    first, last = service.quarter_range(f.date_from)
    if (first, last) != (f.date_from, f.date_to):
        return None
    return first.year, (first.month - 1) // 3 + 1


@dataclass(frozen=True)
class Frozen:
    """Which snapshot a report was printed from (plain values: the report may be kept between requests)."""
    id: int
    version: int
    made_at: dt.datetime


def report_for(filters: service.Filters, now: dt.datetime | None = None):
    """The report for the period: from the published snapshot when the period is a frozen
    quarter, otherwise counted now. Returns (report, Frozen or None)."""
    quarter = _whole_quarter(filters)
    snapshot = snapshots.published(*quarter) if quarter else None
    if snapshot is not None:
        return snapshots.to_report(snapshot.data), Frozen(snapshot.id, snapshot.version, snapshot.made_at)
    return service.build_report(filters, now=now), None


def _chart(sheet: export.Sheet, index: int):
    bars = []
    for row in sheet.rows:
        if row[0] == "Totalt":
            continue
        value = row[1]
        bars.append(charts.Bar(str(row[0]), value if isinstance(value, int) else 0,
                               shown=None if isinstance(value, int) else str(value)))
    return charts.horizontal(f"report-chart-{index}", sheet.title, bars, charts.describe(bars))


def _timeline_chart(sheet: export.Sheet):
    bars = [charts.Bar(str(row[0]), row[1] if isinstance(row[1], int) else 0) for row in sheet.rows
            if row[0] != "Totalt"]
    return charts.columns("report-chart-timeline", sheet.title, bars, charts.describe(bars), None)


def context(report: service.Report, snapshot=None) -> dict:
    about, summary, timeline, *tables = export.sheets(report)
    return {
        "report": report, "snapshot": snapshot, "about": about.rows, "summary": summary,
        "timeline": timeline, "timeline_chart": _timeline_chart(timeline),
        "tables": [(sheet, _chart(sheet, i)) for i, sheet in enumerate(tables, start=1)],
        "method": METHOD, "caveats": CAVEATS,
    }
