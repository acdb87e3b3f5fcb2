"""Staff pages of the written questions: the answer on the case page (/arenden/<id>/svar) and
the editors' answer templates (/kunskap/redaktor/svarsmallar/)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from supportline.auth import roles_required
from supportline.auth.forms import EmptyForm
from supportline.inquiries.errors import InquiryAnonymised, InquiryInvalid, InquiryNotFound
from supportline.questions import answer_templates as templates
from supportline.questions import service
from supportline.questions.answer_time import answer_due, waited_text
from supportline.questions.forms import AnswerTemplateForm, ReplyForm
from supportline.questions.models import ANSWER_TEMPLATE_STATUSES

bp = Blueprint("questions_staff", __name__, template_folder="templates")


def reply_form(formdata=None) -> ReplyForm:
    form = ReplyForm(formdata=formdata) if formdata is not None else ReplyForm(formdata=None)
    form.template.choices = [SelectChoice("", "Välj en mall"), *(
        SelectChoice(str(t.id), t.title) for t in templates.active_templates())]
    return form


@bp.app_template_global()
def waited(since) -> str:
    return waited_text(since)


@bp.app_template_global()
def answer_due_by(since):
    return answer_due(since)


@bp.app_template_global()
def written_question_panel(inquiry, form=None) -> dict:
    """What the case page shows of a written question: whether the asker waits, the answer
    form and the answer templates."""
    question = service.question_of(inquiry.id)
    return {"question": question, "form": form or reply_form(),
            "expires_at": service.expires_at(question) if question is not None else None}


def _insert_template(form: ReplyForm) -> None:
    """Append the chosen template's text to what is typed, and its articles to the links: the
    handler adapts it before sending. Nothing is saved."""
    template_id = request.form.get("template", "")
    try:
        template = templates.get_template(int(template_id)) if template_id.isdigit() else None
    except templates.TemplateNotFound:
        template = None
    if template is None or template.status != "active":
        form.template.errors = ["Välj en mall i listan."]
        return
    typed = (form.text.data or "").rstrip()
    form.text.data = f"{typed}\n\n{template.body}" if typed else template.body
    slugs = templates.split_slugs(form.articles.data)
    form.articles.data = "\n".join(dict.fromkeys([*slugs, *template.article_slugs]))


@bp.post("/arenden/<int:inquiry_id>/svar")
@roles_required("handler")
def reply(inquiry_id: int):
    from supportline.inquiries.views import _detail_page, _load

    form = reply_form(request.form)
    if not form.validate_on_submit():
        abort(400)
    if request.form.get("action") == "insert_template":
        _insert_template(form)
        return _detail_page(_load(inquiry_id), reply_form=form)
    try:
        service.reply(current_user, inquiry_id, form.text.data, templates.split_slugs(form.articles.data))
    except InquiryNotFound:
        abort(404)
    except InquiryAnonymised as exc:
        flash(exc.message_sv, "error")
        return _detail_page(_load(inquiry_id), 409, reply_form=form)
    except InquiryInvalid as exc:
        for name, message in exc.errors.items():
            getattr(form, name, form.text).errors = [message]
        return _detail_page(_load(inquiry_id), 422, reply_form=form)
    flash("Svaret är skickat. Frågeställaren läser det på sin länk.", "success")
    return redirect(url_for("inquiries.detail", inquiry_id=inquiry_id) + "#tidslinje")


# --- the editors' answer templates ------------------------------------------------------------

@bp.get("/kunskap/redaktor/svarsmallar/")
@roles_required("editor")
def template_index():
    return render_template("questions/templates_index.html", rows=templates.all_templates(),
                           statuses=ANSWER_TEMPLATE_STATUSES, action_form=EmptyForm())


def _template_page(form: AnswerTemplateForm, row=None, status: int = 200):
    return render_template("questions/template_edit.html", form=form, row=row), status


@bp.route("/kunskap/redaktor/svarsmallar/ny", methods=["GET", "POST"])
@roles_required("editor")
def new_template():
    if request.method == "GET":
        return _template_page(AnswerTemplateForm(formdata=None))
    return _save_template(AnswerTemplateForm(), None)


@bp.route("/kunskap/redaktor/svarsmallar/<int:template_id>", methods=["GET", "POST"])
@roles_required("editor")
def edit_template(template_id: int):
    try:
        row = templates.get_template(template_id)
    except templates.TemplateNotFound:
        abort(404)
    if request.method == "GET":
        form = AnswerTemplateForm(formdata=None, title=row.title, body=row.body,
                                  articles="\n".join(row.article_slugs or []))
        return _template_page(form, row)
    return _save_template(AnswerTemplateForm(), row)


def _save_template(form: AnswerTemplateForm, row):
    if not form.validate_on_submit():
        return _template_page(form, row, 422)
    try:
        saved = templates.save_template(current_user, form.title.data, form.body.data,
                                        templates.split_slugs(form.articles.data),
                                        template_id=row.id if row is not None else None)
    except InquiryInvalid as exc:
        for name, message in exc.errors.items():
            getattr(form, name).errors = [message]
        return _template_page(form, row, 422)
    flash(f"Svarsmallen ”{saved.title}” är sparad.", "success")
    return redirect(url_for("questions_staff.template_index"))


@bp.post("/kunskap/redaktor/svarsmallar/<int:template_id>/status")
@roles_required("editor")
def template_status(template_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    status = request.form.get("status", "")
    try:
        row = templates.set_template_status(current_user, template_id, status)
    except templates.TemplateNotFound:
        abort(404)
    except InquiryInvalid:
        abort(400)
    flash(f"Svarsmallen ”{row.title}” är {'arkiverad' if row.status == 'archived' else 'i bruk igen'}.", "success")
    return redirect(url_for("questions_staff.template_index"))
