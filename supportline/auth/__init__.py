"""Staff login, server-side sessions, roles and API tokens."""

from __future__ import annotations

from functools import wraps

from flask import abort, g, request, session
from flask_login import current_user

from supportline.extensions import login_manager

SESSION_KEY = "sid"
# What an account with a temporary password may reach (see init_app).
PASSWORD_PAGE_ENDPOINTS = frozenset({"auth.change_password", "auth.logout_view", "static", "site.healthz"})


def init_app(app) -> None:
    from supportline.auth import views

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Logga in för att se sidan."
    login_manager.login_message_category = "info"
    # Our sessions are revocable rows (see service.load_session); Flask-Login's own
    # session protection and remember-me cookie are not used.
    login_manager.session_protection = None
    app.register_blueprint(views.bp)
    # Flask checks the session cookie against SECRET_KEY_FALLBACKS too; Flask-WTF's CSRF tokens
    # only against one key. itsdangerous signs with the last key of a list and accepts any of
    # them, so a form opened before a SECRET_KEY rotation can still be sent after it.
    fallbacks = app.config.get("SECRET_KEY_FALLBACKS") or []
    if fallbacks and not app.config.get("WTF_CSRF_SECRET_KEY"):
        app.config["WTF_CSRF_SECRET_KEY"] = [*fallbacks, app.config["SECRET_KEY"]]

    @app.before_request
    def _temporary_password_first():
        """An account with a temporary password reaches nothing but the page to change it
        (and logging out) until its owner has chosen their own."""
        endpoint = request.endpoint or ""
        if (endpoint in PASSWORD_PAGE_ENDPOINTS or endpoint.endswith(".static")
                or request.headers.get("Authorization", "").startswith("Bearer ")):
            return None
        if current_user.is_authenticated and current_user.must_change_password:
            from flask import flash, redirect, url_for

            if request.path.startswith("/api/"):
                abort(403)
            flash("Ditt lösenord är tillfälligt. Välj ett eget lösenord innan du fortsätter.", "info")
            return redirect(url_for("auth.change_password"))
        return None

    @login_manager.unauthorized_handler
    def _unauthorized():
        if request.path.startswith("/api/"):
            abort(401)
        from flask import flash, jsonify, redirect, url_for

        if request.is_json or request.accept_mimetypes.best == "application/json":
            # A page's script (a draft, a keep-alive) must learn that the login has run out; a
            # redirect would hand it the login page as if it were an answer.
            return jsonify({"error": "Inloggningen har gått ut. Logga in igen.", "login": url_for("auth.login")}), 401

        flash(login_manager.login_message, login_manager.login_message_category)
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def is_api_request() -> bool:
    """The JSON API: the only place an API token is a credential."""
    return request.path == "/api" or request.path.startswith("/api/")


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer` header, or None when there is no such header."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    return header[len("Bearer "):].strip()


@login_manager.user_loader
def _load_user(user_id: str):
    from supportline.auth.service import load_session

    if is_api_request() and bearer_token() is not None:
        # A call that names a token is judged by that token alone: an invalid one must not fall
        # back to the browser's session cookie (and so skip the CSRF check that cookie needs).
        return None

    row = load_session(session.get(SESSION_KEY))
    if row is None or str(row.user_id) != user_id:
        return None
    return row.user


@login_manager.request_loader
def _load_user_from_bearer(req):
    # A token opens the JSON API and nothing else: on pages and forms the header is ignored, so
    # a token never reaches /admin, a case page, or a step that needs a password or a code.
    token = bearer_token() if is_api_request() else None
    if not token:
        return None
    from supportline.auth.service import user_for_api_token

    user = user_for_api_token(token)
    if user is not None:
        g.api_token_auth = True
    return user


def token_authenticated() -> bool:
    """This request is authenticated by a valid API token (never true outside /api/)."""
    if bearer_token() is None or not is_api_request():
        return False
    # Resolving current_user runs the loaders above, which set the flag.
    _ = current_user.is_authenticated
    return bool(g.get("api_token_auth"))


def roles_required(*roles: str):
    """Only logged-in staff with one of these roles; admins may do everything."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from supportline.extensions import login_manager as lm

                return lm.unauthorized()
            if not current_user.has_role(*roles, "admin"):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = roles
        return wrapped

    return decorator


def api_csrf_check():
    """For the JSON API's before_request. A call that names a token is judged by that token
    alone: an invalid, revoked or expired one answers 401 and the session cookie beside it is
    not used. Without a token, a call that changes state needs `X-CSRFToken` with its cookie."""
    if bearer_token() is not None:
        if not token_authenticated():
            from supportline.site.errors import render_error

            return render_error(401, "API-token saknas, är ogiltig eller har återkallats.")
        return None
    if request.method not in {"GET", "HEAD", "OPTIONS"}:
        from supportline.extensions import csrf

        csrf.protect()
    return None
