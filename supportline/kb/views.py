"""Public knowledge pages (no login) and the editor."""

from __future__ import annotations

from functools import partial
from urllib.parse import quote, quote_plus

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

import knowledge
from supportline import ratelimit
from supportline.auth import roles_required
from supportline.auth.forms import EmptyForm
from supportline.extensions import csrf, db
from supportline.kb import caching, service
from supportline.kb.forms import SOURCE_HINT, ArticleForm, FeedbackForm
from supportline.kb.models import ARTICLE_STATUSES, Article
from supportline.query_args import parse_int, read_int
from supportline.site import confirm

bp = Blueprint("kb", __name__, url_prefix="/kunskap", template_folder="templates")

PAGE_SIZE = 10


def _staff() -> bool:
    return current_user.is_authenticated


def _int_arg(name: str, default: int = 1) -> int:
    return read_int(request.args, name, default, high=1000) or default


def _code_arg(name: str, known: dict[str, str]) -> str | None:
    value = request.args.get(name) or None
    return value if value in known else None


# --- public ---------------------------------------------------------------------

# "Jag arbetar …": the sectors that call the line most, each to its articles, first steps first.
SECTORS = [
    ("school", "i skolan"),
    ("preschool", "i förskolan"),
    ("social_services", "i socialtjänsten"),
    ("health", "i hälso- och sjukvården"),
    ("police", "inom polisen"),
    ("civil_society", "i civilsamhället"),
    ("prosecution", "som åklagare"),
]


@bp.get("/")
def index():
    staff = _staff()
    return render_template("kb/index.html", topics=knowledge.TOPICS, audiences=knowledge.AUDIENCES, sectors=SECTORS,
                           topic_counts=service.topic_counts(staff),
                           most_read=service.most_read(include_internal=staff),
                           articles=service.published_articles(staff))


@bp.get("/sok")
def search():
    query = request.args.get("q", "")
    # ?exakt=1: the words as written, without showing a suggestion's results instead.
    exact = request.args.get("exakt") == "1"
    topic = _code_arg("topic", knowledge.TOPICS)
    audience = _code_arg("audience", knowledge.AUDIENCES)
    unknown = [name for name, known in (("topic", knowledge.TOPICS), ("audience", knowledge.AUDIENCES))
               if request.args.get(name) and request.args.get(name) not in known]
    results = None
    if knowledge.normalise_query(query) or topic or audience:
        results = service.search(query, topic=topic, audience=audience, page=_int_arg("page"), pagelen=PAGE_SIZE,
                                 include_internal=_staff(), forgive=not exact)
    return render_template("kb/search.html", query=query, topic=topic, audience=audience, results=results,
                           unknown_filter=bool(unknown), topics=knowledge.TOPICS, audiences=knowledge.AUDIENCES,
                           search_url=_search_urls(url_for("kb.search")),
                           article_url=partial(_article_url, url_for("kb.index")))


def _search_urls(path: str):
    """A function giving the search page with some parameters (empty ones left out), as
    urlencode writes them. The facet links are built with it rather than url_for, which cost a
    tenth of the whole page with ~30 of them; each value is quoted once a page, as the ~20 links
    repeat the query."""
    quoted: dict[str, str] = {}

    def quote_once(value) -> str:
        value = str(value)
        got = quoted.get(value)
        if got is None:
            got = quoted[value] = quote_plus(value)
        return got

    def search_url(**params) -> str:
        query = "&".join(f"{quote_once(name)}={quote_once(value)}" for name, value in params.items() if value)
        return f"{path}?{query}" if query else path

    return search_url


# What werkzeug's default converter leaves unquoted in a path segment (BaseConverter.to_url).
_PATH_SAFE = "!$&'()*+,/:;=@"


def _article_url(index_path: str, slug: str) -> str:
    """An article's address as url_for("kb.article") gives it (the index's path and the slug),
    without a url_for for each hit of a page."""
    return index_path + quote(slug, safe=_PATH_SAFE)


@bp.get("/<slug>")
def article(slug: str):
    staff = _staff()
    row = service.get_article(slug, include_unpublished=current_user.is_authenticated
                              and current_user.has_role("editor", "admin"), include_internal=staff)
    if row is None:
        abort(404)
    thanks = request.args.get("tack")
    page = _article_page(row, FeedbackForm(formdata=None), thanks=thanks if thanks in FEEDBACK_THANKS else None)
    # After rendering: the counter's commit would otherwise make the page load the row again.
    if row.status == "published":
        service.count_view(row.id)
        g.kb_viewed_article = row.id  # a copy of the page kept by supportline.kb.caching counts too
    return page


# ?tack=… after a feedback post: the thanks shows where the form was (no flash, no session).
FEEDBACK_THANKS = {
    "1": "Tack för ditt svar!",
    "rensad": "Tack för ditt svar! Vi tog bort något som såg ut som personuppgifter ur kommentaren innan "
              "den sparades.",
}
FOREIGN_POST = ("Svaret kom inte från kunskapsbankens egen sida och togs inte emot. Ditt svar finns kvar: "
                "skicka det här igen.")
OLD_FORM = "Sidan hade varit öppen länge och svaret togs inte emot. Ditt svar finns kvar: skicka det igen."


def _article_page(row: Article, form: FeedbackForm, *, thanks: str | None = None, problem: str | None = None):
    staff = _staff()
    feedback = service.feedback_summary(row) if staff else None
    if feedback is not None:
        feedback["links"] = service.times_linked(row)
    # A fresh token whenever the form is shown, also after a refused post.
    form.form_token.data = caching.feedback_token(row.slug)
    return render_template("kb/article.html", article=row,
                           html=Markup(service.rendered_body(row)),  # noqa: S704 - sanitised by nh3  # nosec B704
                           related=service.related_articles(row, staff), form=form,
                           topics=knowledge.TOPICS, audiences=knowledge.AUDIENCES, feedback=feedback,
                           statuses=ARTICLE_STATUSES, thanks=FEEDBACK_THANKS.get(thanks or ""),
                           problem=problem)


@bp.post("/<slug>/aterkoppling")
@csrf.exempt  # no session to bind a CSRF token to: the Origin and the form's own token protect it
def feedback(slug: str):
    row = service.get_article(slug, include_internal=_staff())
    if row is None:
        abort(404)
    form = FeedbackForm()
    if not caching.same_origin():
        return _article_page(row, form, problem=FOREIGN_POST), 403
    if not caching.feedback_token_valid(form.form_token.data, row.slug):
        return _article_page(row, form, problem=OLD_FORM), 400
    if not form.validate():
        return _article_page(row, form), 400
    ratelimit.limit_in_database("feedback", "SUPPORTLINE_RATELIMIT_FEEDBACK")
    stored = service.record_feedback(row, form.helpful.data == "ja", form.comment.data)
    thanks = "rensad" if stored and "[borttaget]" in stored else "1"
    return redirect(url_for("kb.article", slug=row.slug, tack=thanks) + "#aterkoppling")


# --- for handlers ------------------------------------------------------------------

@bp.post("/forslag")
@roles_required("handler", "coordinator")
def suggestions():
    """Articles that match a question being typed into the inquiry form. POST, so case
    text never ends up in a URL or an access log."""
    text = request.form.get("q", "")[:2000]
    results = service.search(text, pagelen=5, include_internal=True)
    return jsonify({"hits": [{"slug": h.slug, "title": h.title, "url": url_for("kb.article", slug=h.slug)}
                             for h in results.hits]})


# --- editor ---------------------------------------------------------------------

@bp.get("/redaktor/")
@roles_required("editor")
def editor_index():
    rows = db.session.scalars(db.select(Article).order_by(Article.status, Article.title)).all()
    return render_template("kb/editor_index.html", articles=rows, statuses=ARTICLE_STATUSES,
                           due=service.due_for_review())


@bp.get("/redaktor/granskning")
@roles_required("editor")
def review_list():
    return render_template("kb/review.html", due=service.due_for_review())


def _form_for(row: Article | None) -> ArticleForm:
    if row is None:
        return ArticleForm(formdata=None)
    form = ArticleForm(formdata=None, obj=row)
    form.sources.data = ArticleForm.sources_text(row.sources or [])
    form.version.data = str(row.version)
    form.note.data = ""
    return form


def _editor_page(form: ArticleForm, row: Article | None, status: int = 200, conflict: Article | None = None,
                 preview: str | None = None):
    return render_template("kb/edit.html", form=form, article=row, conflict=conflict, source_hint=SOURCE_HINT,
                           preview=Markup(preview) if preview else None,  # noqa: S704 - sanitised by nh3  # nosec B704
                           statuses=ARTICLE_STATUSES, action_form=EmptyForm()), status


@bp.route("/redaktor/ny", methods=["GET", "POST"])
@roles_required("editor")
def new_article():
    form = ArticleForm() if request.method == "POST" else _form_for(None)
    if request.method == "GET":
        return _editor_page(form, None)
    return _save(form, None)


@bp.route("/redaktor/<int:article_id>", methods=["GET", "POST"])
@roles_required("editor")
def edit_article(article_id: int):
    row = db.get_or_404(Article, article_id)
    if request.method == "GET":
        return _editor_page(_form_for(row), row)
    return _save(ArticleForm(), row)


def _save(form: ArticleForm, row: Article | None):
    valid = form.validate_on_submit()
    sources, source_problem = form.sources_list()
    if source_problem:
        form.sources.errors = [*form.sources.errors, source_problem]
        valid = False
    if "preview" in request.form:
        return _editor_page(form, row, preview=knowledge.render_markdown(form.body.data or "",
                                                                         known_slugs=service.published_slugs()))
    if not valid:
        return _editor_page(form, row, 422)
    expected = parse_int(form.version.data or "", low=0)
    try:
        saved = service.save_article(current_user, form.to_doc(), article_id=row.id if row else None,
                                     expected_version=expected, note=form.note.data or "")
    except service.ArticleInvalid as exc:
        for name, message in exc.errors.items():
            field = getattr(form, name, None) or form.body
            field.errors = [*field.errors, message]
        return _editor_page(form, row, 422)
    except service.ArticleConflict as exc:
        return _editor_page(form, row, 409, conflict=exc.current)
    flash(f"Artikeln \"{saved.title}\" är sparad (version {saved.version}).", "success")
    return redirect(url_for("kb.edit_article", article_id=saved.id))


@bp.post("/redaktor/forhandsgranska")
@roles_required("editor")
def preview():
    """The sanitised rendering of a body, for the editor's live preview."""
    body = request.form.get("body", "")[:100_000]
    return jsonify({"html": knowledge.render_markdown(body, known_slugs=service.published_slugs())})


@bp.post("/redaktor/<int:article_id>/status")
@roles_required("editor")
def change_status(article_id: int):
    row = db.get_or_404(Article, article_id)
    EmptyForm().validate_on_submit()
    status = request.form.get("status", "")
    if status == "published" and row.status != "published" and not confirm.confirmed():
        return confirm.ask(f"Publicera ”{row.title}”?",
                           "Artikeln blir synlig i kunskapsbanken och i sökningen för alla som besöker den"
                           + (", utan inloggning." if row.visibility == "public" else " med inloggning."),
                           "Ja, publicera", url_for("kb.edit_article", article_id=row.id), status=status)
    try:
        service.set_status(current_user, row, status)
    except service.ArticleInvalid:
        flash("Okänd status.", "error")
    else:
        flash(f"Artikeln är nu {ARTICLE_STATUSES[status].lower()}.", "success")
    return redirect(url_for("kb.edit_article", article_id=row.id))


@bp.get("/redaktor/<int:article_id>/historik")
@roles_required("editor")
def history(article_id: int):
    row = db.get_or_404(Article, article_id)
    number = read_int(request.args, "version", 0) or (row.revisions[-1].number if row.revisions else 0)
    return render_template("kb/history.html", article=row, number=number, diff=service.revision_diff(row, number),
                           action_form=EmptyForm())


@bp.post("/redaktor/<int:article_id>/historik/<int:number>/aterstall")
@roles_required("editor")
def restore(article_id: int, number: int):
    row = db.get_or_404(Article, article_id)
    EmptyForm().validate_on_submit()
    if row.status == "published" and not confirm.confirmed():
        return confirm.ask(f"Återställa version {number} av ”{row.title}”?",
                           "Artikeln är publicerad: texten i version "
                           f"{number} ersätter den som läsarna ser nu, så fort du bekräftar. Den nuvarande texten "
                           "finns kvar i historiken.",
                           f"Ja, återställ version {number}", url_for("kb.history", article_id=row.id))
    try:
        service.restore_revision(current_user, row, number)
    except service.ArticleInvalid as exc:
        flash(" ".join(exc.errors.values()), "error")
        return redirect(url_for("kb.history", article_id=row.id))
    flash(f"Version {number} är återställd som en ny version.", "success")
    return redirect(url_for("kb.edit_article", article_id=row.id))
