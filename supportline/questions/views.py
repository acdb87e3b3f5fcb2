"""The asker's pages: /fraga (ask) and /fraga/<kod> (the pickup page, with a follow-up form).

No account and no cookie: the forms carry a signed token of their own and are accepted only
from this site's pages (supportline.kb.caching), as the article feedback is. Pickup pages are
one asker's: never cached, never indexed, and they send no Referer, so a link to guidance
does not carry the code to another site (or into another page's logs)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, render_template, request, url_for

from supportline import ratelimit
from supportline.extensions import csrf
from supportline.inquiries.errors import InquiryNotFound, IntakeClosed
from supportline.kb import caching
from supportline.mail import mail_configured
from supportline.questions import service
from supportline.questions.answer_time import target_days, usual_answer_time
from supportline.questions.forms import AskAgainForm, QuestionForm

bp = Blueprint("questions", __name__, url_prefix="/fraga", template_folder="templates")

PURPOSE = "fraga"
FOREIGN_POST = ("Frågan kom inte från stödtelefonens egen sida och togs inte emot. Texten finns kvar: "
                "skicka den härifrån igen.")
OLD_FORM = "Sidan hade varit öppen länge och frågan togs inte emot. Texten finns kvar: skicka den igen."
HONEYPOT = "Formuläret kunde inte tas emot. Lämna det dolda fältet tomt och skicka igen."


@bp.after_request
def private_headers(response):
    """Every answer under /fraga (a 404 too, so a miss looks like any other) is one asker's. A
    pickup page sends no Referer at all, so the code in its address never leaves it (the browser
    then sends `Origin: null` with its own form, see _refusal)."""
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    if "code" in (request.view_args or {}):
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _ask_page(form: QuestionForm, status: int = 200, problem: str | None = None):
    form.form_token.data = caching.form_token(PURPOSE)
    return render_template("questions/ask.html", form=form, problem=problem, mail=mail_configured(),
                           closed=service.intake_closed(),
                           usual=usual_answer_time(), target_days=target_days()), status


def _from_another_site() -> bool:
    """A post whose Origin (or Referer) names another host. Under the pickup page's
    no-referrer policy a browser sends `Origin: null` and no Referer with the page's own form;
    that post is taken, because only someone who holds the link can address it at all."""
    origin = request.headers.get("Origin")
    source = origin if origin and origin != "null" else request.headers.get("Referer")
    return bool(source) and urlsplit(source).netloc.lower() != request.host.lower()


def _refusal(form, *, pickup: bool = False) -> tuple[str, int] | None:
    """The checks every post from an asker passes first: same site, fresh token, empty honeypot."""
    if _from_another_site() if pickup else not caching.same_origin():
        return FOREIGN_POST, 403
    if not caching.form_token_valid(form.form_token.data, PURPOSE):
        return OLD_FORM, 400
    if form.website.data:
        return HONEYPOT, 400
    return None


@bp.get("")
def ask():
    return _ask_page(QuestionForm(formdata=None))


@bp.post("")
@csrf.exempt  # no session to bind a CSRF token to: the Origin and the form's own token protect it
def send():
    form = QuestionForm()
    refused = _refusal(form)
    if refused is not None:
        return _ask_page(form, refused[1], refused[0])
    if not form.validate():
        return _ask_page(form, 422)
    raw = {"question": form.question.data, "sector": form.sector.data, "county": form.county.data,
           "email": form.email.data}
    try:
        service.clean_question(raw, mail_allowed=mail_configured())
    except service.QuestionInvalid as exc:
        # Nothing is stored and nothing is logged: the text only comes back in the form.
        for name, message in exc.errors.items():
            getattr(form, name).errors = [message]
        return _ask_page(form, 422)
    ratelimit.limit_in_database("question", "SUPPORTLINE_RATELIMIT_QUESTIONS")
    try:
        code = service.ask(raw, mail_allowed=mail_configured())
    except IntakeClosed as exc:
        return _ask_page(form, 409, exc.message)
    return redirect(url_for("questions.pickup", code=code, ny=1), code=303)


def _question_or_404(code: str):
    """The question, or the same 404 for a code never issued, expired or anonymised; each miss
    counts against the address's limit, checked before the lookup so a hit past it looks alike."""
    ratelimit.check_in_database("pickup-miss", "SUPPORTLINE_RATELIMIT_PICKUP_MISSES")
    question = service.find(code)
    if question is None:
        ratelimit.limit_in_database("pickup-miss", "SUPPORTLINE_RATELIMIT_PICKUP_MISSES")
        abort(404)
    return question


def _pickup_page(question, form: AskAgainForm | None = None, status: int = 200, problem: str | None = None):
    form = form or AskAgainForm(formdata=None)
    form.form_token.data = caching.form_token(PURPOSE)
    inquiry = question.inquiry
    messages = [e for e in inquiry.timeline if e.kind in ("question", "reply")]
    page = render_template("questions/pickup.html", question=question, inquiry=inquiry, messages=messages,
                           form=form, problem=problem, new=request.args.get("ny") == "1",
                           link=request.base_url, expires_at=service.expires_at(question))
    return page, status


@bp.get("/<code>")
def pickup(code: str):
    question = _question_or_404(code)
    page = _pickup_page(question)
    service.record_pickup(question)
    return page


@bp.post("/<code>")
@csrf.exempt  # as send(): the Origin and the form's own token
def ask_again(code: str):
    question = _question_or_404(code)
    form = AskAgainForm()
    refused = _refusal(form, pickup=True)
    if refused is not None:
        return _pickup_page(question, form, refused[1], refused[0])
    if not form.validate():
        return _pickup_page(question, form, 422)
    try:
        service.check_follow_up(form.text.data)
    except service.QuestionInvalid as exc:
        form.text.errors = list(exc.errors.values())
        return _pickup_page(question, form, 422)
    ratelimit.limit_in_database("question", "SUPPORTLINE_RATELIMIT_QUESTIONS")
    try:
        service.ask_again(question.id, form.text.data)
    except InquiryNotFound:
        abort(404)
    return redirect(url_for("questions.pickup", code=code) + "#fragor-och-svar", code=303)
