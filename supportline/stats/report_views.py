"""/statistik/rapport (printable, and as PDF) and /statistik/kvartal (the frozen quarters). Thin."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from supportline.auth import roles_required
from supportline.extensions import db
from supportline.query_args import read_int
from supportline.stats import printable, service, snapshots
from supportline.stats.cache import remember
from supportline.stats.models import StatisticsSnapshot
from supportline.stats.views import bp


def _filters():
    try:
        return service.parse_filters(request.args)
    except service.StatsInputError as exc:
        abort(Response(" ".join(exc.errors.values()), 400, mimetype="text/plain"))


@bp.get("/rapport")
@roles_required("coordinator")
def report_page():
    filters = _filters()
    report, snapshot = remember("printable", (filters,), lambda: printable.report_for(filters))
    return render_template("stats/report.html", **printable.context(report, snapshot))


@bp.get("/rapport.pdf")
@roles_required("coordinator")
def report_pdf():
    from supportline.stats.service_export import report_pdf as make_pdf

    report, data = make_pdf(current_user, _filters())
    f = report.filters
    name = f"stodtelefonen-statistik-{f.date_from.isoformat()}-{f.date_to.isoformat()}.pdf"
    return Response(data, mimetype="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/kvartal")
@roles_required("coordinator")
def snapshot_index():
    year, quarter = snapshots.last_ended_quarter()
    return render_template("stats/snapshots.html", snapshots=snapshots.all_snapshots(), last_year=year,
                           last_quarter=quarter)


@bp.post("/kvartal")
@roles_required("coordinator")
def snapshot_make():
    year = read_int(request.form, "ar", None, low=service.EARLIEST.year, high=service.today_local().year)
    quarter = read_int(request.form, "kvartal", None, low=1, high=4)
    if year is None or quarter is None:
        flash("Ange ett år och ett kvartal (1–4) som har tagit slut.", "error")
        return redirect(url_for("stats.snapshot_index"))
    try:
        outcome = snapshots.make_snapshot(current_user, year, quarter, trigger="web",
                                          rerun=request.form.get("rerun") == "1")
    except snapshots.SnapshotError as exc:
        flash(str(exc), "error")
        return redirect(url_for("stats.snapshot_index"))
    snap = outcome.snapshot
    if outcome.created:
        flash(f"{snap.label} är fryst (version {snap.version}).", "success")
    else:
        flash(f"{snap.label} var redan fryst och har inte ändrats.", "success")
    return redirect(url_for("stats.snapshot_show", snapshot_id=snap.id))


@bp.get("/kvartal/<int:snapshot_id>")
@roles_required("coordinator")
def snapshot_show(snapshot_id: int):
    snap = db.session.get(StatisticsSnapshot, snapshot_id)
    if snap is None:
        abort(404)
    previous = db.session.scalars(db.select(StatisticsSnapshot).where(
        StatisticsSnapshot.year == snap.year, StatisticsSnapshot.quarter == snap.quarter,
        StatisticsSnapshot.version == snap.version - 1)).first()
    return render_template(
        "stats/snapshot.html", snap=snap, report=snapshots.to_report(snap.data),
        since_previous=snapshots.diff(previous.data, snap.data) if previous else None, previous=previous,
        now_changes=snapshots.compare_with_now(snap) if request.args.get("jamfor") == "nu" else None)
