"""Public JSON API for the knowledge base: search and single articles."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request
from flask_login import current_user

import knowledge
from supportline.kb import service
from supportline.query_args import read_int

bp = Blueprint("kb_api", __name__, url_prefix="/api/v1")

PAGE_SIZE = 10


def article_json(row, html: bool = True) -> dict:
    shown = service.shown_doc(row)  # the line's contact filled in, as on the page
    data = {
        "slug": row.slug, "title": shown.title, "summary": shown.summary, "body_markdown": shown.body,
        "topics": list(row.topics or []), "audiences": list(row.audiences or []), "visibility": row.visibility,
        "sources": [{k: s.get(k) for k in ("publisher", "title", "year", "url")} for s in row.sources or []],
        "reviewed_on": row.reviewed_on.isoformat() if row.reviewed_on else None, "reviewed_by": row.reviewed_by,
        "in_force_since": row.in_force_since.isoformat() if row.in_force_since else None,
        "url": f"/kunskap/{row.slug}",
    }
    if html:
        data["body_html"] = service.rendered_body(row)
    return data


def _errors(errors: dict[str, str]):
    return jsonify({"errors": errors}), 422


@bp.get("/search")
def search():
    errors = {}
    topic = request.args.get("topic") or None
    audience = request.args.get("audience") or None
    if topic and topic not in knowledge.TOPICS:
        errors["topic"] = "Okänt ämne."
    if audience and audience not in knowledge.AUDIENCES:
        errors["audience"] = "Okänd målgrupp."
    page = read_int(request.args, "page", 1, high=1000)
    if page is None:
        errors["page"] = "Sidan ska vara ett heltal från 1 till 1000."
    if errors:
        return _errors(errors)
    query = request.args.get("q", "")
    results = service.search(query, topic=topic, audience=audience, page=page, pagelen=PAGE_SIZE,
                             include_internal=current_user.is_authenticated)
    return jsonify({
        "query": results.query, "total": results.total, "page": results.page, "pages": results.pages,
        "suggestion": results.suggestion, "facets": results.facets,
        "hits": [{"slug": h.slug, "title": h.title, "summary": h.summary, "snippet_html": h.snippet_html,
                  "url": f"/kunskap/{h.slug}"} for h in results.hits],
    })


@bp.get("/articles/<slug>")
def article(slug: str):
    row = service.get_article(slug, include_internal=current_user.is_authenticated)
    if row is None:
        abort(404)
    return jsonify(article_json(row))
