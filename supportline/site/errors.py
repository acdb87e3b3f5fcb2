"""Error pages in Swedish, without internals. JSON for API paths."""

from __future__ import annotations

from flask import jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from supportline.db import is_database_unavailable
from supportline.site.unavailable import database_unavailable

MESSAGES = {
    400: ("Felaktig begäran", "Begäran kunde inte behandlas. Kontrollera det du skickade och försök igen."),
    401: ("Inloggning krävs", "Du behöver logga in för att se sidan."),
    403: ("Åtkomst nekad", "Du har inte behörighet till den här sidan."),
    404: ("Sidan finns inte", "Sidan du sökte finns inte eller har flyttats."),
    405: ("Metoden stöds inte", "Sidan kan inte användas på det sättet."),
    413: ("För stor begäran", "Det du skickade är för stort. Korta texten eller dela upp den."),
    422: ("Uppgifterna kunde inte sparas", "Kontrollera uppgifterna och försök igen."),
    429: ("För många försök", "Du har gjort för många försök. Vänta en stund och försök igen."),
    431: ("För stora rubriker", "Begäran hade för stora rubriker."),
    500: ("Något gick fel", "Ett oväntat fel inträffade. Felet är loggat. Försök igen om en stund."),
    503: ("Tjänsten är tillfälligt otillgänglig", "Försök igen om en liten stund."),
}
CSRF_MESSAGE = ("Formuläret har gått ut eller saknar säkerhetstoken. Ladda om sidan och skicka igen; "
                "det du skrev finns kvar om du går tillbaka i webbläsaren.")


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def render_error(code: int, message: str | None = None, errors: dict[str, str] | None = None,
                 as_json: bool = False):
    """The error page, or for the API (or `as_json`) the JSON body, with `errors` per field when given."""
    title, default = MESSAGES.get(code, MESSAGES[500])
    text = message or default
    if as_json or wants_json():
        body = {"error": {"status": code, "title": title, "message": text}}
        if errors:
            body["errors"] = errors
        return jsonify(body), code
    return render_template("errors/error.html", code=code, title=title, message=text), code


def init_app(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return render_error(400, CSRF_MESSAGE)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = exc.code or 500
        body, status = render_error(code if code in MESSAGES else 500)
        response = make_response(body, status)
        if code == 405 and getattr(exc, "valid_methods", None):
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(Exception)
    def unexpected(exc):
        if is_database_unavailable(exc):
            return database_unavailable(exc)
        from supportline.observability.logs import method_label, route_label

        # The route pattern, not the path: a path holds ids and slugs, and the message of the
        # exception is left out of the log for the same reason (observability/logs.py).
        app.logger.exception("unhandled error on %s %s", method_label(), route_label())
        from supportline.extensions import db

        db.session.rollback()
        return render_error(500)

    @app.errorhandler(InternalServerError)
    def internal(exc):
        # Also reached for a failure outside the view, in an after_request hook for example.
        if is_database_unavailable(exc.original_exception):
            return database_unavailable(exc.original_exception)
        return render_error(500)
