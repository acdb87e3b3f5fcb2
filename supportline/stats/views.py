"""/statistik (coordinators and admins) and the resource-centre directory in /admin. Thin."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from supportline.auth import roles_required
from supportline.calls.service import call_figures
from supportline.extensions import db
from supportline.hours import service as hours
from supportline.query_args import read_int
from supportline.stats import centres, charts, export, printable, service
from supportline.stats.cache import remember
from supportline.stats.forms import CentreForm, FilterForm
from supportline.stats.models import ResourceCentre
from supportline.stats.population import POPULATION_SOURCE, POPULATION_VERIFIED
from supportline.stats.service_export import export_report

bp = Blueprint("stats", __name__, url_prefix="/statistik", template_folder="templates",
               static_folder="static", static_url_path="/static")
admin_bp = Blueprint("centres", __name__, url_prefix="/admin/resurscentrum", template_folder="templates")
# The same directory for everyone, beside the knowledge pages: no login, no form, nothing
# per visitor, so it caches like the other public /kunskap pages.
directory_bp = Blueprint("directory", __name__, url_prefix="/kunskap/resurscentrum", template_folder="templates")


def _filters_or_errors(form: FilterForm):
    try:
        return service.parse_filters(request.args), {}
    except service.StatsInputError as exc:
        for name, message in exc.errors.items():
            getattr(form, {"from": "date_from", "to": "date_to"}.get(name, name)).errors = [message]
        return None, exc.errors


def cached_report(filters: service.Filters) -> service.Report:
    """The figures for the filters, counted once while the data is unchanged (stats/cache.py)."""
    return remember("report", (filters,), lambda: service.build_report(filters))


def _chart_context(report: service.Report) -> dict:
    bars = [charts.Bar(label, n, e) for label, n, e in report.timeline]
    per = "månad" if report.granularity == "month" else "år"
    legend = ("Perioden", "Ett år tidigare") if report.timeline and report.timeline[0][2] is not None else None
    result = {"timeline": charts.columns(
        "chart-timeline", f"Ärenden per {per}", bars,
        charts.describe(bars) + (" Ljusare staplar: samma månad ett år tidigare." if legend else ""), legend)}
    for table in report.tables:
        if table.key == "timeline":
            continue
        tbars = [charts.Bar(r.label, r.count) for r in table.rows]
        result[table.key] = charts.horizontal(f"chart-{table.key}", table.title, tbars,
                                              charts.describe(tbars, table.unit.lower()))
    return result


@bp.get("")
@roles_required("coordinator")
def index():
    form = FilterForm(request.args)
    filters, errors = _filters_or_errors(form)
    if filters is None:
        return render_template("stats/index.html", form=form, report=None, errors=errors), 400
    if not request.args.get("from"):
        form.date_from.data, form.date_to.data = filters.date_from.isoformat(), filters.date_to.isoformat()
    report = cached_report(filters)
    return render_template("stats/index.html", form=form, report=report, errors={}, charts=_chart_context(report),
                           population_source=POPULATION_SOURCE, population_verified=POPULATION_VERIFIED,
                           **_calls_context(filters))


def _calls_context(filters: service.Filters) -> dict:
    figures = call_figures(filters.date_from, filters.date_to, hours.load_schedule())
    bars = [charts.Bar(w.label, w.answered, w.missed) for w in figures.weeks]
    desc = (f"{figures.answered} besvarade och {figures.missed} missade samtal under {len(bars)} veckor. "
            "Mörka staplar: besvarade, ljusa: missade.")
    return {"calls": figures, "line_hours": hours.weekly_text(),
            "calls_chart": charts.columns("chart-calls", "Samtal per vecka", bars, desc, ("Besvarade", "Missade"))}


@bp.get("/export")
@roles_required("coordinator")
def download():
    fmt = request.args.get("format", "xlsx")
    if fmt not in export.FORMATS:
        abort(400)
    form = FilterForm(request.args)
    filters, errors = _filters_or_errors(form)
    if filters is None:
        return render_template("stats/index.html", form=form, report=None, errors=errors), 400
    report, data = export_report(current_user, filters, fmt)
    mimetype = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if fmt == "xlsx"
                else "application/zip")
    return Response(data, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{export.file_name(report, fmt)}"'})


@bp.get("/kvartalsrapport")
@roles_required("coordinator")
def quarterly():
    today = service.today_local()
    default_first, _ = service.quarter_range(today, -1)
    year = read_int(request.args, "ar", default_first.year, low=service.EARLIEST.year, high=today.year + 1)
    quarter = read_int(request.args, "kvartal", (default_first.month - 1) // 3 + 1, high=4)
    if year is None or quarter is None:
        flash("Ange ett år och ett kvartal (1–4) som finns.", "error")
        return redirect(url_for("stats.quarterly"))
    first, last = service.quarter_range(dt.date(year, (quarter - 1) * 3 + 1, 1))
    # A frozen quarter shows its published figures, like the printable report.
    report, _frozen = printable.report_for(service.Filters(first, last, "custom"))
    sheets = export.sheets(report)
    return render_template("stats/quarterly.html", report=report, year=year, quarter=quarter,
                           sheets=sheets[1:], about=export.about_rows(report))


# --- the resource-centre directory ----------------------------------------------------------

@directory_bp.get("")
def directory():
    entries = centres.public_directory()
    listed = [c for e in entries for c in e.centres]
    return render_template("stats/directory.html", entries=entries, municipalities=service.tx.municipalities(),
                           labels=service.tx.COUNTY_LABELS, centre_count=len(listed),
                           county_count=sum(1 for e in entries if e.centres),
                           unverified_count=sum(1 for c in listed if c.needs_verification))


def _centre_page(form, centre=None, status=200):
    return render_template("stats/centres.html", centres=centres.all_centres(), form=form, centre=centre,
                           labels=service.tx.COUNTY_LABELS), status


@admin_bp.get("/")
@roles_required("coordinator")
def centre_index():
    return _centre_page(CentreForm(formdata=None, needs_verification=True))


@admin_bp.post("/")
@roles_required("coordinator")
def centre_create():
    return _save(None)


@admin_bp.route("/<int:centre_id>", methods=["GET", "POST"])
@roles_required("coordinator")
def centre_edit(centre_id: int):
    centre = db.session.get(ResourceCentre, centre_id)
    if centre is None:
        abort(404)
    if request.method == "GET":
        return _centre_page(CentreForm(
            obj=centre, since=centre.since.isoformat() if centre.since else "",
            verified_on=centre.verified_on.isoformat() if centre.verified_on else "",
            municipalities=centres.municipality_text(centre.municipality_codes)), centre)
    return _save(centre)


def _save(centre):
    form = CentreForm()
    if not form.validate_on_submit():
        return _centre_page(form, centre, 400)
    try:
        saved = centres.save_centre(current_user, centre.id if centre else None, form.data)
    except centres.CentreError as exc:
        for name, message in exc.errors.items():
            getattr(form, name).errors = [message]
        return _centre_page(form, centre, 422)
    flash(f"{saved.name or service.tx.COUNTY_LABELS[saved.county_code]} är sparat.", "success")
    return redirect(url_for("centres.centre_index"))
