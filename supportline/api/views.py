from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, jsonify
from flask_login import current_user

from supportline.auth import api_csrf_check
from supportline.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Token-authenticated calls carry no cookie and need no CSRF token; cookie-authenticated
# calls that change state still do (checked below).
csrf.exempt(bp)


@bp.before_request
def _token_or_csrf():
    return api_csrf_check()


def api_login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            abort(401)
        return view(*args, **kwargs)

    return wrapped


@bp.get("/openapi.json")
def openapi():
    from flask import current_app

    from supportline.api.openapi import document

    return jsonify(document(current_app.config["VERSION"]))


@bp.get("/me")
@api_login_required
def me():
    return jsonify({"email": current_user.email, "role": current_user.role})
