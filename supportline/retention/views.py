"""Data subject requests at /admin/personuppgifter (coordinators; admins may too).

Every step is a POST: the e-mail or phone number searched for is personal data and must not
end up in a URL, and so in access logs and browser history."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from supportline.auth import roles_required
from supportline.auth.forms import EmptyForm
from supportline.retention import requests as dsr
from supportline.swedish import antal

bp = Blueprint("privacy_requests", __name__, url_prefix="/admin/personuppgifter", template_folder="templates")


def _render(status: int = 200, **context):
    context.setdefault("errors", {})
    context.setdefault("email", "")
    context.setdefault("phone", "")
    return render_template("retention/requests.html", **context), status


def _subject():
    """The subject from the posted form, or a response showing what to correct."""
    email, phone = request.form.get("email", "")[:320], request.form.get("phone", "")[:40]
    if not EmptyForm().validate_on_submit():
        return None, _render(400, email=email, phone=phone,
                             errors={"email": "Formuläret hade gått ut. Skicka det igen."})
    try:
        return dsr.subject_from(email, phone), None
    except dsr.RequestInvalid as exc:
        return None, _render(422, email=email, phone=phone, errors=exc.errors)


@bp.get("/")
@roles_required("coordinator")
def index():
    return _render()


@bp.post("/")
@roles_required("coordinator")
def search():
    subject, error = _subject()
    if error:
        return error
    found = dsr.find(current_user, subject)
    return _render(found=found, email=request.form.get("email", ""), phone=request.form.get("phone", ""))


@bp.post("/export")
@roles_required("coordinator")
def export():
    subject, error = _subject()
    if error:
        return error
    body = json.dumps(dsr.export(current_user, subject), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": "attachment; filename=registerutdrag.json"})


@bp.post("/radera")
@roles_required("coordinator")
def erase():
    subject, error = _subject()
    if error:
        return error
    if request.form.get("confirm") != "yes":
        found = dsr.find(current_user, subject)
        return _render(422, found=found, email=request.form.get("email", ""), phone=request.form.get("phone", ""),
                       errors={"confirm": "Bekräfta att du kontrollerat begäran innan uppgifterna raderas."})
    result = dsr.erase(current_user, subject)
    flash(f"Personuppgifterna är raderade från {antal(len(result.inquiries), 'ärende', 'ärenden')} och "
          f"{len(result.drafts)} utkast. "
          "Raderingen är loggad.", "success")
    return redirect(url_for("privacy_requests.index"), 303)
