"""JSON API for inquiries under /api/v1/inquiries, on the pattern of supportline.api: a Bearer
token, or a staff session plus the X-CSRFToken header for calls that change state. The body
is the canonical record (canonical.py, schema/inquiry.schema.json)."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, jsonify, request, url_for
from flask_login import current_user

from supportline.auth import api_csrf_check
from supportline.extensions import csrf
from supportline.inquiries import merge, service
from supportline.inquiries.canonical import READ_ONLY, to_canonical
from supportline.inquiries.search import Filters, search_inquiries
from supportline.query_args import read_int

bp = Blueprint("inquiries_api", __name__, url_prefix="/api/v1/inquiries")
csrf.exempt(bp)

WRITABLE = set(service.WRITABLE_FIELDS)
# Not stored: the digits of numbers the client confirms are no personnummer (privacy guard).
ACCEPTED = WRITABLE | {"confirmed_numbers"}


@bp.before_request
def _token_or_csrf():
    return api_csrf_check()


def _error(status: int, message: str, errors: dict | None = None):
    body = {"error": message}
    if errors is not None:
        body["errors"] = errors
    return jsonify(body), status


def api_roles(*roles):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return _error(401, "Inloggning eller en giltig API-token krävs.")
            if not current_user.has_role(*roles, "admin"):
                return _error(403, "Du har inte behörighet till ärenden.")
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _body() -> tuple[dict | None, tuple | None]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return None, _error(400, "Skicka ett JSON-objekt (Content-Type: application/json).")
    unknown = {k: "Okänt fält." for k in data if k not in ACCEPTED and k not in READ_ONLY}
    if unknown:
        return None, _error(422, "Ogiltiga uppgifter.", unknown)
    return {k: v for k, v in data.items() if k in ACCEPTED}, None


def _full(inquiry_id: int) -> dict:
    inquiry = service.get_inquiry(current_user, inquiry_id)
    return to_canonical(inquiry, include_callback=service.sees_callback_details(current_user))


@bp.get("")
@api_roles("handler", "coordinator")
def list_inquiries():
    filters = Filters.from_args(request.args)
    if filters.errors:
        return _error(422, "Ogiltiga filter.", filters.errors)
    page = read_int(request.args, "page", 1)
    if page is None:
        return _error(422, "Ogiltiga filter.", {"page": "Ange ett sidnummer (ett heltal från 1)."})
    result = search_inquiries(current_user, filters, page=page)
    return jsonify({
        "total": result.total, "total_exact": result.total_exact, "page": result.page, "pages": result.pages,
        "has_next": result.has_next,
        "items": [{"id": r.id, "received_at": r.received_at.isoformat().replace("+00:00", "Z"), "status": r.status,
                   "urgency": r.urgency, "county_code": r.county_code, "caller_sector": r.caller_sector,
                   "summary": r.excerpt, "follow_up_on": r.follow_up_on.isoformat() if r.follow_up_on else None,
                   "url": url_for("inquiries_api.get_inquiry", inquiry_id=r.id)} for r in result.items],
    })


IDEMPOTENCY_HEADER = "Idempotency-Key"


@bp.post("")
@api_roles("handler")
def create_inquiry():
    raw, error = _body()
    if error:
        return error
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is not None and not service.valid_idempotency_key(key):
        return _error(400, "Ogiltig Idempotency-Key.", {
            IDEMPOTENCY_HEADER: "Ange 1–100 synliga ASCII-tecken, till exempel ett UUID."})
    try:
        if key is None:
            inquiry_id, created = service.create_inquiry(current_user, raw).id, True
        else:
            once = service.create_inquiry_once(current_user, raw, key, service.request_fingerprint(raw))
            if not once.same_request:
                return _error(422, "Idempotency-Key har redan använts med andra uppgifter.", {
                    IDEMPOTENCY_HEADER: f"Nyckeln användes först för ärende {once.inquiry_id} med andra uppgifter. "
                                        "Använd en ny nyckel för ett nytt ärende."})
            inquiry_id, created = once.inquiry_id, once.created
    except service.IntakeClosed as exc:
        return _error(409, exc.message)
    except service.InquiryInvalid as exc:
        return _error(422, "Ogiltiga uppgifter.", exc.errors)
    body = _full(inquiry_id)
    headers = {"Location": url_for("inquiries_api.get_inquiry", inquiry_id=inquiry_id)}
    if not created:
        # A repeat of a save that already went through: the same inquiry, 200 instead of 201.
        headers["Idempotent-Replayed"] = "true"
    return jsonify(body), (201 if created else 200), headers


@bp.get("/<int:inquiry_id>")
@api_roles("handler", "coordinator")
def get_inquiry(inquiry_id: int):
    try:
        return jsonify(_full(inquiry_id))
    except service.InquiryNotFound:
        return _error(404, "Ärendet finns inte.")


@bp.patch("/<int:inquiry_id>")
@api_roles("handler")
def patch_inquiry(inquiry_id: int):
    data = request.get_json(silent=True)
    version = data.get("version") if isinstance(data, dict) else None
    raw, error = _body()
    if error:
        return error
    if not isinstance(version, int) or isinstance(version, bool):
        return _error(422, "Ogiltiga uppgifter.", {"version": "Ange versionen du utgår från (ett heltal)."})
    try:
        service.update_inquiry(current_user, inquiry_id, raw, expected_version=version, partial=True)
    except service.InquiryNotFound:
        return _error(404, "Ärendet finns inte.")
    except service.InquiryAnonymised as exc:
        # 409 like a stale version, but without "current": fetching it and trying again cannot help.
        return _error(409, exc.message_sv, {"anonymised_at": exc.message_sv})
    except service.StaleVersion as exc:
        # The fields this change sent that someone else changed since its version, to another
        # value: named as on the form's conflict page, with who changed them and when.
        changes = merge.changes_since(inquiry_id, version)
        result = merge.three_way(raw, merge.values_of(exc.current), base=None, changed=set(changes), sent=set(raw))
        return jsonify({
            "error": "Ärendet har ändrats sedan den version du utgick från.",
            "errors": {"version": f"Den sparade versionen är {exc.current.version}. Hämta den och gör om ändringen."},
            "conflicts": merge.conflict_list(result.conflicts, changes),
            "current": to_canonical(exc.current, include_callback=True),
        }), 409
    except service.InquiryInvalid as exc:
        return _error(422, "Ogiltiga uppgifter.", exc.errors)
    return jsonify(_full(inquiry_id))


@bp.post("/<int:inquiry_id>/replies")
@api_roles("handler")
def add_reply(inquiry_id: int):
    """An answer to a written question (channel web): `{"text": ..., "articles": [slug, ...]}`.
    201 with the record, whose timeline ends with the `reply` entry."""
    from supportline.questions.service import reply

    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return _error(400, "Skicka ett JSON-objekt (Content-Type: application/json).")
    unknown = {k: "Okänt fält." for k in data if k not in ("text", "articles")}
    if unknown:
        return _error(422, "Ogiltiga uppgifter.", unknown)
    articles = data.get("articles", [])
    if not isinstance(articles, list) or not all(isinstance(a, str) for a in articles):
        return _error(422, "Ogiltiga uppgifter.", {"articles": "Ange artiklarnas adresser som en lista av strängar."})
    try:
        reply(current_user, inquiry_id, data.get("text"), articles)
    except service.InquiryNotFound:
        return _error(404, "Ärendet finns inte.")
    except service.InquiryAnonymised as exc:
        return _error(409, exc.message_sv, {"anonymised_at": exc.message_sv})
    except service.InquiryInvalid as exc:
        return _error(422, "Ogiltiga uppgifter.", exc.errors)
    return jsonify(_full(inquiry_id)), 201, {"Location": url_for("inquiries_api.get_inquiry", inquiry_id=inquiry_id)}
