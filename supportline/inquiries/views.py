"""Pages for handlers: /arenden (list), /arenden/nytt, /arenden/<id>. Thin: parse, call the
service, render."""

from __future__ import annotations

import datetime as dt
import secrets

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice

from supportline.auth import roles_required
from supportline.inquiries import composition, merge, service
from supportline.inquiries import taxonomy as tx
from supportline.inquiries.forms import AssignForm, EntryForm, FollowUpForm, InquiryForm, StatusForm
from supportline.inquiries.search import Filters, search_inquiries
from supportline.privacy.guard import redact
from supportline.query_args import parse_int, read_int

bp = Blueprint("inquiries", __name__, url_prefix="/arenden", template_folder="templates",
               static_folder="static", static_url_path="/static")

READERS = ("handler", "coordinator")
NEW_DRAFT = "new"


@bp.app_template_global()
def inquiry_labels():
    return tx


@bp.app_template_global()
def case_composition(persons) -> str:
    return composition.case_composition(persons)


@bp.app_template_global()
def inquiry_today() -> dt.date:
    return service.today_local()


@bp.app_template_filter("local_time")
def local_time(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.astimezone(service.LOCAL_TZ).strftime(fmt) if value else ""


def _form(formdata=None, **data) -> InquiryForm:
    form = InquiryForm(formdata=formdata, **data) if formdata is not None else InquiryForm(**data)
    return form.setup(service.assignable_users(), service.selectable_centres())


def _now_local_input() -> str:
    return dt.datetime.now(service.LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")


def _set_errors(form: InquiryForm, errors: dict[str, str]) -> None:
    for name, message in errors.items():
        target = "persons" if name == "exposed_persons" else name
        field = getattr(form, target, None)
        if field is not None:
            field.errors = [message]
        else:
            flash(message, "error")


def _render_form(form, status=200, *, inquiry=None, privacy_fields=(), draft=None, conflict=None, to_confirm=None,
                 **extra):
    template = "inquiries/edit.html" if inquiry is not None else "inquiries/new.html"
    return render_template(template, form=form, inquiry=inquiry, privacy_fields=set(privacy_fields), draft=draft,
                           conflict=conflict, draft_key=f"inquiry-{inquiry.id}" if inquiry else NEW_DRAFT,
                           to_confirm=to_confirm or {}, **extra), status


def _handle_form_actions(form: InquiryForm, **kwargs):
    """The buttons that change the form without saving it: another person row, and the
    privacy guard's "ersätt med [borttaget]". Returns a response or None."""
    if request.form.get("action") == "add_person":
        form.persons.append_entry()
        return _render_form(form, **kwargs)
    target = request.form.get("redact")
    if target:
        fields = service.GUARDED_FIELDS if target == "all" else [target]
        replaced = 0
        for name in fields:
            if name in service.GUARDED_FIELDS:
                field = getattr(form, name)
                field.data, count = redact(field.data, possible=True)
                replaced += count
        flash(f"{replaced} uppgift{'er' if replaced != 1 else ''} ersattes med [borttaget]. "
              "Kontrollera texten och spara igen.", "success")
        return _render_form(form, **kwargs)
    return None


# --- list -------------------------------------------------------------------------------

@bp.get("")
@roles_required(*READERS)
def index():
    filters = Filters.from_args(request.args)
    page = read_int(request.args, "sida", 1) or 1
    result = search_inquiries(current_user, filters, page=page)
    users = service.users_by_id([r.assignee_id or r.created_by_id for r in result.items])
    handlers = service.assignable_users()
    return render_template("inquiries/list.html", result=result, filters=filters, users=users, handlers=handlers,
                           args=filters.as_args()), (200 if not filters.errors else 400)


# --- new ----------------------------------------------------------------------------------

@bp.route("/nytt", methods=["GET", "POST"])
@roles_required("handler")
def new():
    draft = service.get_draft(current_user, NEW_DRAFT)
    if request.method == "GET":
        if draft is not None and request.args.get("utkast") == "aterstall":
            form = _form(MultiDict([(k, v) for k, vs in draft.payload.items()
                                    for v in (vs if isinstance(vs, list) else [vs])]))
            # The draft keeps the form's token: if that form did get saved, saving again finds it.
            if not service.valid_idempotency_key(form.submission_key.data):
                form.submission_key.data = secrets.token_urlsafe(24)
            flash("Utkastet är återställt. Kontrollera uppgifterna och spara.", "success")
            return _render_form(form)
        return _render_form(_form(received_at=_now_local_input(), submission_key=secrets.token_urlsafe(24)),
                            draft=draft)
    form = _form()
    if not form.validate_on_submit():
        flash("Formuläret hade gått ut. Kontrollera uppgifterna och spara igen.", "error")
        return _render_form(form, 400)
    response = _handle_form_actions(form)
    if response is not None:
        return response
    raw = form.to_raw()
    key = form.submission_key.data
    try:
        if service.valid_idempotency_key(key):
            # The call timer keeps running, so a second press of Spara sends a longer duration:
            # that alone does not make it another inquiry.
            once = service.create_inquiry_once(current_user, raw, key,
                                               service.request_fingerprint(raw, ignore=("duration_seconds",)))
        else:  # a form from before the token existed
            once = service.CreateOnce(service.create_inquiry(current_user, raw).id, created=True)
    except service.InquiryInvalid as exc:
        _set_errors(form, exc.errors)
        return _render_form(form, 422, privacy_fields=exc.privacy_fields, to_confirm=exc.to_confirm)
    if once.created:
        flash(f"Ärende {once.inquiry_id} är sparat.", "success")
    elif once.same_request:
        flash(f"Samtalet är redan sparat som ärende {once.inquiry_id}. Formuläret skickades mer än en gång, "
              "så inget nytt ärende skapades.", "info")
    else:
        flash(f"Samtalet är redan sparat som ärende {once.inquiry_id}, första gången formuläret skickades. "
              "Det du ändrade efter det är inte sparat: kontrollera ärendet och lägg till det med "
              "”Ändra uppgifterna”.", "error")
    return redirect(url_for("inquiries.detail", inquiry_id=once.inquiry_id))


# --- drafts (called by inquiry-form.js) -----------------------------------------------------

def _draft_key() -> str:
    key = request.args.get("key", NEW_DRAFT)
    if key != NEW_DRAFT and service.draft_inquiry_id(key) is None:
        abort(400)
    return key


@bp.post("/utkast")
@roles_required("handler")
def save_draft():
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or len(request.get_data()) > service.DRAFT_MAX_BYTES:
        return jsonify({"error": "Utkastet kunde inte läsas."}), 400
    payload.pop("csrf_token", None)
    try:
        findings = service.save_draft(current_user, _draft_key(), payload)
    except service.InquiryAnonymised as exc:
        return jsonify({"error": exc.message_sv}), 409
    return jsonify({"saved": True, "at": _now_local_input()[11:], "findings": findings})


@bp.post("/utkast/kasta")
@roles_required("handler")
def discard_draft():
    InquiryForm().validate_on_submit()  # CSRF is checked globally by CSRFProtect
    key = _draft_key()
    service.discard_draft(current_user, key)
    flash("Utkastet är borttaget.", "info")
    if key == NEW_DRAFT:
        return redirect(url_for("inquiries.new"))
    return redirect(url_for("inquiries.edit", inquiry_id=service.draft_inquiry_id(key)))


@bp.get("/tidigare-kontakter")
@roles_required("handler")
def previous_contacts():
    rows = service.previous_contacts(current_user, request.args.get("organisation"), request.args.get("phone"),
                                     _int(request.args.get("utom")))
    return jsonify({"inquiries": [
        {"id": r.id, "url": url_for("inquiries.detail", inquiry_id=r.id), "received_at": local_time(r.received_at),
         "status": tx.STATUSES[r.status], "summary": r.excerpt} for r in rows]})


def _int(value) -> int | None:
    return parse_int(value, low=0)


# --- one inquiry ----------------------------------------------------------------------------

def _load(inquiry_id: int, action: str = "inquiry.read"):
    try:
        return service.get_inquiry(current_user, inquiry_id, action=action)
    except service.InquiryNotFound:
        abort(404)


def _detail_page(inquiry, status=200, entry_form=None, followup_form=None):
    handlers = service.assignable_users()
    assign_form = AssignForm(formdata=None, assignee_id=str(inquiry.assignee_id or ""))
    assign_form.assignee_id.choices = [SelectChoice("", "Ingen särskild")] + [
        SelectChoice(str(u.id), u.display_name) for u in handlers]
    previous = service.previous_contacts(current_user, inquiry.caller_organisation, inquiry.callback_phone,
                                         exclude_id=inquiry.id)
    users = service.users_by_id([e.detail.get(k) for e in inquiry.timeline if e.detail for k in ("from", "to")
                                 if e.kind == "assignment"])
    return render_template(
        "inquiries/detail.html", inquiry=inquiry, previous=previous, users=users,
        can_edit=current_user.has_role("handler", "admin"),
        entry_form=entry_form or EntryForm(formdata=None),
        status_form=StatusForm(formdata=None, status=inquiry.status), assign_form=assign_form,
        followup_form=followup_form or FollowUpForm(
            formdata=None, follow_up_on=inquiry.follow_up_on.isoformat() if inquiry.follow_up_on else ""),
    ), status


@bp.get("/<int:inquiry_id>")
@roles_required(*READERS)
def detail(inquiry_id: int):
    return _detail_page(_load(inquiry_id))


@bp.post("/<int:inquiry_id>/handelse")
@roles_required("handler")
def add_entry(inquiry_id: int):
    form = EntryForm()
    if not form.validate_on_submit():
        abort(400)
    if request.form.get("redact"):
        form.text.data, count = redact(form.text.data, possible=True)
        flash(f"{count} uppgift{'er' if count != 1 else ''} ersattes med [borttaget]. Kontrollera texten och spara.",
              "success")
        return _detail_page(_load(inquiry_id), entry_form=form)
    try:
        service.add_entry(current_user, inquiry_id, form.kind.data, form.text.data,
                          confirmed=form.confirmed_numbers.data or ())
    except service.InquiryNotFound:
        abort(404)
    except service.InquiryAnonymised as exc:
        flash(exc.message_sv, "error")
        return _detail_page(_load(inquiry_id), 409)
    except service.InquiryInvalid as exc:
        for name, message in exc.errors.items():
            getattr(form, name, form.text).errors = [message]
        form.privacy = bool(exc.privacy_fields)
        form.to_confirm = exc.to_confirm.get("text", [])
        return _detail_page(_load(inquiry_id), 422, entry_form=form)
    flash("Händelsen är tillagd i tidslinjen.", "success")
    return redirect(url_for("inquiries.detail", inquiry_id=inquiry_id) + "#tidslinje")


def _quick_change(inquiry_id: int, form, values: dict, message: str):
    if not form.validate_on_submit():
        abort(400)
    try:
        service.update_inquiry(current_user, inquiry_id, values, expected_version=None)
    except service.InquiryNotFound:
        abort(404)
    except service.InquiryAnonymised as exc:
        flash(exc.message_sv, "error")
        return _detail_page(_load(inquiry_id), 409)
    except service.InquiryInvalid as exc:
        for name, error in exc.errors.items():
            getattr(form, name).errors = [error]
        kwargs = {"followup_form": form} if isinstance(form, FollowUpForm) else {}
        if not isinstance(form, FollowUpForm):
            flash(" ".join(exc.errors.values()), "error")
        return _detail_page(_load(inquiry_id), 422, **kwargs)
    flash(message, "success")
    return redirect(url_for("inquiries.detail", inquiry_id=inquiry_id))


@bp.post("/<int:inquiry_id>/status")
@roles_required("handler")
def change_status(inquiry_id: int):
    form = StatusForm()
    return _quick_change(inquiry_id, form, {"status": form.status.data}, "Statusen är ändrad.")


@bp.post("/<int:inquiry_id>/tilldela")
@roles_required("handler")
def assign(inquiry_id: int):
    form = AssignForm()
    return _quick_change(inquiry_id, form, {"assignee_id": form.assignee_id.data}, "Ansvarig handläggare är ändrad.")


@bp.post("/<int:inquiry_id>/uppfoljning")
@roles_required("handler")
def follow_up(inquiry_id: int):
    form = FollowUpForm()
    return _quick_change(inquiry_id, form, {"follow_up_on": form.follow_up_on.data}, "Uppföljningsdatumet är sparat.")


# --- edit with optimistic locking ----------------------------------------------------------

def _form_data_of(inquiry) -> dict:
    values = merge.values_of(inquiry)
    return {**values, "persons": values["exposed_persons"] or [{}], "base": merge.fingerprints(values),
            "duration_seconds": str(inquiry.duration_seconds or ""), "version": str(inquiry.version)}


def _display(name: str, value) -> str:
    """A value as a person reads it, for the side-by-side comparison."""
    maps = {"channel": tx.CHANNELS, "caller_type": tx.CALLER_TYPES, "caller_sector": tx.SECTORS,
            "urgency": tx.URGENCIES, "status": tx.STATUSES, "county_code": tx.COUNTY_LABELS, **tx.CODE_KINDS}
    if name == "municipality_code":
        return tx.municipality_label(value)
    if name == "exposed_persons":
        return "; ".join(tx.person_label(p) for p in value or [] if isinstance(p, dict))
    if name == "resource_centre":
        centre = service.centre_named(_int(value.get("id") if isinstance(value, dict) else value))
        return centre.name if centre else "Inget"
    if name == "assignee_id":
        user = service.users_by_id([_int(value)]).get(_int(value))
        return user.display_name if user else "Ingen särskild"
    if name in maps:
        labels = maps[name]
        if isinstance(value, list):
            return ", ".join(labels.get(v, v) for v in value)
        return labels.get(value or "", value or "")
    return "" if value is None else str(value)


def _merged_form(raw: dict, **hidden) -> InquiryForm:
    """The edit form showing these values (not what the browser sent)."""
    data = {**raw, "persons": raw.get("exposed_persons") or [{}], **hidden}
    return InquiryForm(formdata=None, data=data).setup(service.assignable_users(), service.selectable_centres())


def _conflict_page(raw: dict, current, since: int, names: list[str], taken=(), status=409, error=None):
    """The fields both people changed, side by side with who changed them, to choose per field.
    The form holds the merge: the colleague's changes taken, mine kept."""
    theirs = merge.values_of(current)
    rows = merge.conflict_list(names, merge.changes_since(current.id, since))
    for row in rows:
        row.update(mine=_display(row["field"], raw.get(row["field"])),
                   saved=_display(row["field"], theirs.get(row["field"])),
                   choice=request.form.get(f"merge-{row['field']}"))
    form = _merged_form(raw, version=str(current.version), base=merge.fingerprints(theirs),
                        merge_fields=",".join(names), merge_since=str(since))
    return _render_form(form, status, inquiry=current, conflict=rows,
                        taken=[merge.FIELD_LABELS.get(name, name) for name in taken], conflict_error=error)


def _save_edit(inquiry_id: int, form: InquiryForm, raw: dict):
    """Save, merging three ways when someone else saved in between: their changes of other
    fields are taken and the save is made; fields both changed go back to the handler."""
    version = _int(form.version.data) or 0
    since = _int(form.merge_since.data) or version
    base = merge.parse_fingerprints(form.base.data)
    taken: list[str] = []
    for _attempt in range(3):
        try:
            service.update_inquiry(current_user, inquiry_id, raw, expected_version=version, partial=False)
        except service.StaleVersion as exc:
            current = exc.current
            theirs = merge.values_of(current)
            result = merge.three_way(raw, theirs, base=base, changed=set(merge.changes_since(current.id, since)))
            for name in result.taken:
                raw[name] = theirs[name]
            taken += result.taken
            if result.conflicts:
                return _conflict_page(raw, current, since, result.conflicts, taken)
            version, base = current.version, merge.parse_fingerprints(merge.fingerprints(theirs))
            continue
        if taken:
            flash("Ändringarna är sparade. En kollega hade ändrat ärendet medan du arbetade; deras ändringar av "
                  + ", ".join(merge.FIELD_LABELS.get(n, n) for n in dict.fromkeys(taken)) + " är kvar.", "success")
        else:
            flash("Ändringarna är sparade.", "success")
        return redirect(url_for("inquiries.detail", inquiry_id=inquiry_id))
    abort(409)


def _edit_page(inquiry_id: int):
    inquiry = _load(inquiry_id)
    if inquiry.anonymised_at is not None:
        flash(service.InquiryAnonymised(inquiry.id, inquiry.anonymised_at).message_sv, "error")
        return redirect(url_for("inquiries.detail", inquiry_id=inquiry_id))
    draft = service.get_draft(current_user, f"inquiry-{inquiry_id}")
    if draft is not None and request.args.get("utkast") == "aterstall":
        form = _form(MultiDict([(k, v) for k, vs in draft.payload.items()
                                for v in (vs if isinstance(vs, list) else [vs])]))
        # The draft keeps the form's token: if that form did get saved, saving again finds it.
        if not service.valid_idempotency_key(form.submission_key.data):
            form.submission_key.data = secrets.token_urlsafe(24)
        return _render_form(form, inquiry=inquiry)
    return _render_form(_form(data=_form_data_of(inquiry)), inquiry=inquiry, draft=draft)


def _apply_merge_choices(form, inquiry, raw: dict):
    """The conflict page's choice per field: mine as in the form, or the colleague's as saved.
    Puts the colleague's values in raw; returns the conflict page again while a field has none."""
    pending = [name for name in (form.merge_fields.data or "").split(",") if name in merge.MERGE_FIELDS]
    if not pending:
        return None
    unchosen = [name for name in pending if request.form.get(f"merge-{name}") not in {"mine", "theirs"}]
    if unchosen:
        return _conflict_page(raw, inquiry, _int(form.merge_since.data) or inquiry.version, pending,
                              status=422, error="Välj vilken version som ska gälla för "
                              + ", ".join(merge.FIELD_LABELS.get(n, n) for n in unchosen) + ".")
    saved = merge.values_of(inquiry)
    for name in pending:
        if request.form.get(f"merge-{name}") == "theirs":
            raw[name] = saved[name]
    return None


@bp.route("/<int:inquiry_id>/andra", methods=["GET", "POST"])
@roles_required("handler")
def edit(inquiry_id: int):
    if request.method == "GET":
        return _edit_page(inquiry_id)
    form = _form()
    inquiry = _load(inquiry_id, action="inquiry.read.edit")
    if not form.validate_on_submit():
        flash("Formuläret hade gått ut. Kontrollera uppgifterna och spara igen.", "error")
        return _render_form(form, 400, inquiry=inquiry)
    response = _handle_form_actions(form, inquiry=inquiry)
    if response is not None:
        return response
    raw = form.to_raw()
    raw.pop("duration_seconds", None)  # the duration is the first call's; later contacts are timeline entries
    response = _apply_merge_choices(form, inquiry, raw)
    if response is not None:
        return response
    try:
        return _save_edit(inquiry_id, form, raw)
    except service.InquiryNotFound:
        abort(404)
    except service.InquiryAnonymised as exc:
        # The form comes back with what was typed, so nothing is lost without the handler
        # seeing it, but it cannot be saved to this inquiry.
        flash(exc.message_sv, "error")
        return _render_form(form, 409, inquiry=inquiry)
    except service.InquiryInvalid as exc:
        _set_errors(form, exc.errors)
        return _render_form(form, 422, inquiry=inquiry, privacy_fields=exc.privacy_fields, to_confirm=exc.to_confirm)
