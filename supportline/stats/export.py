"""The statistics as files for the reports: XLSX (one sheet per table) or CSV (a zip with one
file per table). Both carry the period, the generation time and the suppression rule, and
every count goes through suppression.suppress first: these files leave the system."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass

from supportline.dates import LOCAL_TZ
from supportline.excel_csv import ExcelCsvWriter
from supportline.stats.population import POPULATION_SOURCE, POPULATION_VERIFIED
from supportline.stats.series import PREVALENCE_CAVEAT
from supportline.stats.service import Report, Table
from supportline.stats.suppression import RULE_TEXT, SMALL, suppress
from supportline.swedish import NONE, tal

FORMATS = ("csv", "xlsx")


@dataclass
class Sheet:
    name: str  # at most 31 characters (Excel's limit), unique
    title: str
    header: list[str]
    rows: list[list]
    note: str = ""


def _share(count: int, total: int, hidden: bool) -> float | str:
    if hidden or not total:
        return NONE
    return round(100 * count / total, 1)


def _rate(rate: float | None, hidden: bool) -> float | str:
    if hidden or rate is None:
        return NONE
    return rate


def _small(n: int) -> int | str:
    return SMALL if 1 <= n <= 4 else n


def _number(shown: str | None):
    """A suppressed cell back as a number when it is one ("<5" and "x" stay text)."""
    return int(shown) if isinstance(shown, str) and shown.isdigit() else shown


def table_sheet(table: Table, name: str) -> Sheet:
    counts = [r.count for r in table.rows]
    s = suppress(counts, table.total)
    header = ["Kategori", table.unit]
    if table.total is not None:
        header.append("Andel (%)")
    if table.has_rate:
        header.append("Per 100 000 invånare")
    if table.extra_header:
        header.append(table.extra_header)
    rows = []
    for row, shown, hidden in zip(table.rows, s.cells, s.hidden, strict=True):
        line = [row.label, _number(shown)]
        if table.total is not None:
            line.append(_share(row.count, table.total, hidden or s.total != str(table.total)))
        if table.has_rate:
            line.append(_rate(row.rate, hidden))
        if table.extra_header:
            line.append(row.extra)
        rows.append(line)
    if table.total is not None:
        rows.append(["Totalt", _number(s.total)] + [""] * (len(header) - 2))
    return Sheet(name, table.title, header, rows, table.note)


def timeline_sheet(report: Report) -> Sheet:
    label = "Månad" if report.granularity == "month" else "År"
    now = suppress([n for _l, n, _e in report.timeline], report.total)
    header = [label, "Ärenden"]
    columns = [[_number(c) for c in now.cells]]
    totals = [_number(now.total)]
    if report.timeline and report.timeline[0][2] is not None:
        earlier_counts = [e or 0 for _l, _n, e in report.timeline]
        earlier = suppress(earlier_counts, sum(earlier_counts))
        header.append("Ärenden samma månad ett år tidigare")
        columns.append([_number(c) for c in earlier.cells])
        totals.append(_number(earlier.total))
    rows = [[lab, *[col[i] for col in columns]] for i, (lab, _n, _e) in enumerate(report.timeline)]
    rows.append(["Totalt", *totals])
    return Sheet("Per månad" if report.granularity == "month" else "Per år",
                 "Ärenden per månad" if report.granularity == "month" else "Ärenden per år", header, rows)


def summary_sheet(report: Report) -> Sheet:
    children_hidden = (1 <= report.children_inquiries <= 4
                       or 1 <= report.total - report.children_inquiries <= 4)
    minutes = (round(report.median_duration_seconds / 60, 1)
               if report.median_duration_seconds is not None else NONE)
    follow_hidden = (1 <= report.follow_up_on_time <= 4
                     or 1 <= report.follow_up_due - report.follow_up_on_time <= 4)
    rows = [
        ["Antal ärenden", _small(report.total)],
        ["Antal utsatta personer", _small(report.persons)],
        ["Personer som bara nämns", _small(report.mentioned_persons)],
        ["Andel ärenden som rör barn (under 18 år), %",
         NONE if children_hidden or report.children_share is None else report.children_share],
        ["Samtalstid, median (minuter)", minutes],
        ["Ärenden med uppföljningsdatum", _small(report.follow_up_due)],
        ["Andel uppföljda i tid, %",
         NONE if follow_hidden or report.follow_up_share is None else report.follow_up_share],
        ["Hänvisningar till regionalt resurscentrum", _small(report.referrals_to_centres)],
        ["Ärenden från län utan regionalt resurscentrum", _small(report.from_counties_without_centre)],
        ["Län utan regionalt resurscentrum", ", ".join(report.counties_without_centre) or NONE],
        *written_rows(report.written),
    ]
    return Sheet("Sammanfattning", "Sammanfattning", ["Uppgift", "Värde"], rows)


def written_rows(w) -> list[list]:
    """The written questions' key figures. A share is left out when the questions inside or
    outside the target are 1–4, and the median answer time when 1–4 questions were answered
    (a single question's answer time would show)."""
    share_hidden = 1 <= w.within_target <= 4 or 1 <= w.decided - w.within_target <= 4
    hours = (round(w.median_answer_seconds / 3600, 1)
             if w.median_answer_seconds is not None and not 1 <= w.answered <= 4 else NONE)
    return [
        ["Skriftliga frågor", _small(w.questions)],
        ["Besvarade skriftliga frågor", _small(w.answered)],
        [f"Andel besvarade inom svarstiden ({w.target_days} öppetdagar), %",
         NONE if share_hidden or w.within_target_share is None else w.within_target_share],
        ["Svarstid för skriftliga frågor, median (öppettimmar)", hours],
        ["Obesvarade skriftliga frågor efter svarstiden", _small(w.overdue)],
    ]


def about_rows(report: Report) -> list[list[str]]:
    f = report.filters
    generated = report.generated_at.astimezone(LOCAL_TZ).isoformat(timespec="seconds")
    population = POPULATION_SOURCE + ("" if POPULATION_VERIFIED else " (siffrorna ska stämmas av mot SCB)")
    return [
        ["Statistik från Nationella stödtelefonen (hedersrelaterat våld och förtryck)", ""],
        ["Period", f"{f.date_from.isoformat()} – {f.date_to.isoformat()} (båda dagarna ingår, svensk tid)"],
        ["Urval", f.label],
        ["Skapad", generated],
        ["Röjandeskydd", RULE_TEXT],
        ["Folkmängd", population],
        ["Uppföljd i tid", "Ärenden med uppföljningsdatum som är avslutade eller vars datum inte har passerat "
                           "när filen skapades."],
        ["Skriftliga frågor", "Frågor från webbformuläret. Besvarad när det första svaret till frågeställaren "
                              "skrevs; svarstiden räknas i stödtelefonens öppettid. Svarstiden är "
                              f"{report.written.target_days} hela öppetdagar efter att frågan kom. Andelen inom "
                              "svarstiden räknas på besvarade frågor och obesvarade vars svarstid har gått ut."],
        ["Län och folkmängd", PREVALENCE_CAVEAT],
    ]


def sheets(report: Report) -> list[Sheet]:
    names = {"county": "Län", "centre_compare": "Län med och utan centrum",
             "persons_per_inquiry": "Personer per ärende", "composition": "Sammansättning",
             "gender_age": "Kön och ålder", "sector": "Verksamhet",
             "channel": "Kanal", "topic": "Frågor", "exposure": "Utsatthet",
             "age": "Ålder", "gender": "Kön", "perpetrator": "Förövare",
             "perpetrator_person": "Förövare per person", "outcome": "Utfall", "urgency": "Brådskande",
             "referral": "Hänvisning", "referral_centre": "Per resurscentrum", "open_age": "Öppna ärenden",
             "written_sector": "Skriftliga frågor, verksamhet", "written_county": "Skriftliga frågor, län"}
    result = [Sheet("Om filen", "Om filen", ["Uppgift", "Värde"], about_rows(report)), summary_sheet(report),
              timeline_sheet(report)]
    # A frozen quarter has no open-case ages (they depend on the day), and an older snapshot may
    # lack a table added since: what the report has is what the file shows.
    present = {t.key for t in report.tables}
    result += [table_sheet(report.table(key), name) for key, name in names.items() if key in present]
    return result


def to_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    from openpyxl.cell import WriteOnlyCell

    for sheet in sheets(report):
        ws = wb.create_sheet(sheet.name[:31])
        ws.column_dimensions["A"].width = 48
        ws.column_dimensions["B"].width = 18
        ws.column_dimensions["C"].width = 18
        ws.column_dimensions["D"].width = 22
        title = WriteOnlyCell(ws, sheet.title)
        title.font = bold
        ws.append([title])
        f = report.filters
        ws.append(["Period", f"{f.date_from.isoformat()} – {f.date_to.isoformat()}",
                   "Skapad", report.generated_at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")])
        if sheet.note:
            ws.append([sheet.note])
        ws.append([])
        header = []
        for text in sheet.header:
            cell = WriteOnlyCell(ws, text)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        for row in sheet.rows:
            ws.append([_cell(ws, v) for v in row])
        if sheet.name != "Om filen":
            ws.append([])
            ws.append([RULE_TEXT])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# Excel shows these with the reader's separators: "12 345" and "71,2" in a Swedish Excel.
INTEGER_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.0"


def _cell(ws, value):
    """Numbers as numbers with a number format (so Excel can sum them); "<5", "x" and labels as text."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    cell = WriteOnlyCell(ws, value)
    cell.number_format = INTEGER_FORMAT if isinstance(value, int) else DECIMAL_FORMAT
    return cell


def csv_value(value) -> str:
    """A CSV cell: numbers with a decimal comma and no thousands separator, which Swedish Excel
    reads as numbers."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return tal(value, grouped=False)
    return "" if value is None else str(value)


def to_csv_zip(report: Report) -> bytes:
    """A zip with one CSV per table: UTF-8 with BOM and ";" so Swedish Excel opens it as is.
    Each file starts with the same four lines (table, period, generated, the rule) and an empty
    line, then the table with its header."""
    out = io.BytesIO()
    f = report.filters
    generated = report.generated_at.astimezone(LOCAL_TZ).isoformat(timespec="seconds")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for index, sheet in enumerate(sheets(report), start=1):
            buf = io.StringIO()
            writer = ExcelCsvWriter(buf)
            writer.writerow(["Tabell", sheet.title])
            writer.writerow(["Period", f"{f.date_from.isoformat()} – {f.date_to.isoformat()}"])
            writer.writerow(["Skapad", generated])
            writer.writerow(["Röjandeskydd", RULE_TEXT])
            writer.writerow([])
            writer.writerow(sheet.header)
            writer.writerows([csv_value(v) for v in row] for row in sheet.rows)
            zf.writestr(f"{index:02d}-{_slug(sheet.name)}.csv", "\ufeff" + buf.getvalue())
    return out.getvalue()


def _slug(name: str) -> str:
    table = str.maketrans({"å": "a", "ä": "a", "ö": "o", " ": "-"})
    return name.lower().translate(table)


def render(report: Report, fmt: str) -> bytes:
    if fmt == "xlsx":
        return to_xlsx(report)
    if fmt == "csv":
        return to_csv_zip(report)
    raise ValueError(f"unknown format {fmt}")


def file_name(report: Report, fmt: str) -> str:
    f = report.filters
    return f"stodtelefonen-statistik-{f.date_from.isoformat()}-{f.date_to.isoformat()}." + (
        "xlsx" if fmt == "xlsx" else "zip")


def generated_label(now: dt.datetime) -> str:
    return now.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
