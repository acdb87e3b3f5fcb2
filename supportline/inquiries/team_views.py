"""/oversikt, the team overview for coordinators and admins: each handler's load and the
unassigned cases, and handing one or many cases to a handler with a note. Thin: parse, call
the service, render."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, TextAreaField

from supportline.auth import roles_required
from supportline.inquiries import service
from supportline.query_args import parse_int
from supportline.swedish import antal

bp = Blueprint("team", __name__, url_prefix="/oversikt")


class ReassignForm(FlaskForm):
    assignee_id = SelectField("Ny handläggare", choices=[], validate_choice=False)
    note = TextAreaField("Anteckning i tidslinjen")


def _chosen_ids() -> list[int]:
    """The ticked cases; anything that is not an id is dropped (the service refuses an empty choice)."""
    return [i for i in (parse_int(v, low=1) for v in request.form.getlist("arende")) if i is not None]


def _page(form: ReassignForm, chosen: frozenset[int] = frozenset(), errors: dict | None = None, status: int = 200):
    errors = errors or {}
    if errors:
        # The form sits below a long list; the message at the top (role=alert) says where to look.
        flash("Inga ärenden tilldelades. Rätta det som står vid formuläret och skicka igen.", "error")
    for name in ("assignee_id", "note"):
        if name in errors:
            getattr(form, name).errors = [errors[name]]
    overview = service.team_overview(current_user)
    form.assignee_id.choices = [SelectChoice("", "Välj handläggare")] + [
        SelectChoice(str(u.id), u.display_name) for u in service.assignable_users()]
    names = {load.user.id: load.user.display_name for load in overview.handlers}
    return render_template("inquiries/team.html", overview=overview, form=form, chosen=chosen, errors=errors,
                           names=names, age_in_days=service.age_in_days), status


@bp.get("")
@roles_required("coordinator")
def index():
    return _page(ReassignForm(formdata=None))


@bp.post("")
@roles_required("coordinator")
def reassign():
    form = ReassignForm()
    chosen = _chosen_ids()
    if not form.validate_on_submit():
        flash("Formuläret hade gått ut. Kontrollera valen och skicka igen.", "error")
        return _page(form, frozenset(chosen), status=400)
    try:
        changed = service.reassign_inquiries(current_user, chosen, parse_int(form.assignee_id.data, low=1),
                                             form.note.data)
    except service.InquiryAnonymised as exc:
        return _page(form, frozenset(chosen), {"inquiries": exc.message_sv}, 409)
    except service.InquiryNotFound as exc:
        return _page(form, frozenset(chosen), {"inquiries": f"Ärende {exc.args[0]} finns inte längre."}, 409)
    except service.InquiryInvalid as exc:
        return _page(form, frozenset(chosen), exc.errors, 422)
    if changed:
        flash(f"{antal(len(changed), 'ärende', 'ärenden')} fick ny handläggare.", "success")
    else:
        flash("De valda ärendena hade redan den handläggaren; inget ändrades.", "info")
    return redirect(url_for("team.index"))
