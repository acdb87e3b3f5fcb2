"""/admin/oppettider: the line's weekly hours and changed days, for admins."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from supportline.auth import roles_required
from supportline.auth.forms import EmptyForm
from supportline.dates import today_local
from supportline.hours import service
from supportline.hours.forms import ChangeForm, WeekForm, read_change, read_week, time_text
from supportline.hours.schedule import DAY_NAMES, date_text
from supportline.transactions import end_read

bp = Blueprint("hours", __name__, url_prefix="/admin/oppettider", template_folder="templates")


def _week_form() -> WeekForm:
    schedule = service.load_schedule()
    data = {"confirmed": service.is_confirmed()}
    for day, (opens, closes) in schedule.weekly.items():
        data[f"day{day}_opens"], data[f"day{day}_closes"] = time_text(opens), time_text(closes)
    return WeekForm(formdata=None, data=data)


def _page(week_form: WeekForm | None = None, change_form: ChangeForm | None = None, status: int = 200):
    today = today_local()
    context = {
        "week_form": week_form or _week_form(), "change_form": change_form or ChangeForm(formdata=None),
        "day_names": DAY_NAMES, "confirmed": service.is_confirmed(),
        "weekly_text": service.weekly_text(), "week": service.week_hours(today),
        "changes": [c for c in service.all_changes() if c.day >= today], "date_text": date_text,
        "time_text": time_text}
    html = render_template("hours/admin.html", **context)
    end_read()
    return html, status


def form_days() -> set[str]:
    return {f"day{day}" for day in range(7)}


def _put_errors(form, errors: dict[str, str]) -> None:
    for name, message in errors.items():
        if name in form:
            form[name].errors = [message]


@bp.get("/")
@roles_required("admin")
def index():
    return _page()


@bp.post("/vecka")
@roles_required("admin")
def save_week():
    form = WeekForm()
    if not form.validate_on_submit():
        return _page(week_form=form, status=400)
    weekly, errors = read_week(form)
    if not errors:
        try:
            service.set_weekly_hours(current_user, weekly, bool(form.confirmed.data))
        except service.HoursError as exc:
            errors = exc.errors
    if errors:
        # The service names a weekday ("day2"); the message belongs on its closing time.
        _put_errors(form, {f"{k}_closes" if k in form_days() else k: v for k, v in errors.items()})
        form.week_error = errors.get("week")
        return _page(week_form=form, status=422)
    flash("Veckans öppettider är sparade." + ("" if form.confirmed.data else
          " De visas inte för allmänheten förrän de är markerade som bekräftade."), "success")
    return redirect(url_for("hours.index"))


@bp.post("/andrade-dagar")
@roles_required("admin")
def add_change():
    form = ChangeForm()
    if not form.validate_on_submit():
        return _page(change_form=form, status=400)
    day, span, errors = read_change(form)
    if not errors:
        try:
            service.add_change(current_user, day, span, form.note.data)
        except service.HoursError as exc:
            errors = exc.errors
    if errors:
        _put_errors(form, errors)
        return _page(change_form=form, status=422)
    flash(f"{date_text(day)} {day.year} är tillagd som ändrad dag.", "success")
    return redirect(url_for("hours.index"))


@bp.post("/andrade-dagar/<int:change_id>/ta-bort")
@roles_required("admin")
def remove_change(change_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not service.remove_change(current_user, change_id):
        abort(404)
    flash("Den ändrade dagen är borttagen; veckans vanliga tider gäller den dagen igen.", "success")
    return redirect(url_for("hours.index"))
