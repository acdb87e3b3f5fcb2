from __future__ import annotations

import math
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from supportline.auth import SESSION_KEY
from supportline.auth.forms import CodeForm, EmptyForm, LoginForm, PasswordChangeForm
from supportline.auth.service import LoginThrottled, authenticate, logout

bp = Blueprint("auth", __name__)

GENERIC_FAILURE = "Fel e-postadress eller lösenord, eller så är kontot inaktiverat."
EXPIRED_LOGIN = "Inloggningen har gått ut. Logga in igen."
# A login whose password was right and whose second factor is still due: the cookie holds the
# random token of a server-side PendingLogin row (and where to go afterwards), nothing else.
PENDING_KEY = "mfa_pending"


def _safe_next(target: str | None) -> str:
    """Only same-site paths; anything else would be an open redirect."""
    if not target:
        return url_for("site.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("site.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            result = authenticate(form.email.data, form.password.data, request.remote_addr)
        except LoginThrottled as exc:
            return throttled_page(exc, form)
        if result.user is not None and result.second_step:
            # The password was right; the login is finished only after the second factor.
            session.clear()
            session[PENDING_KEY] = {"token": result.pending_token, "next": _safe_next(request.args.get("next"))}
            return redirect(url_for("auth.second_factor" if result.second_step == "verify" else "auth.mfa_enrol"))
        if result.user is not None:
            # A fresh session on login: nothing from before the login survives (no fixation).
            session.clear()
            session[SESSION_KEY] = result.session_token
            login_user(result.user)
            return redirect(_safe_next(request.args.get("next")))
        flash(GENERIC_FAILURE, "error")
        status = 401
    elif request.method == "POST":
        status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout_view():
    EmptyForm().validate_on_submit()
    logout(current_user, session.get(SESSION_KEY))
    logout_user()
    session.clear()
    flash("Du är utloggad.", "info")
    return redirect(url_for("auth.login"))


@bp.post("/konto/fortsatt")
@login_required
def keep_alive():
    """"Fortsätt arbeta" in a form: the request itself has moved the session's idle clock
    (load_session); the absolute limit still holds."""
    return jsonify({"idle_seconds": current_app.config["SESSION_IDLE_MINUTES"] * 60})


# --- second factor, password change, log out everywhere ----------------------------------

def _pending_token() -> str | None:
    state = session.get(PENDING_KEY)
    token = state.get("token") if isinstance(state, dict) else None
    return token if isinstance(token, str) else None


def _pending(step: str):
    """The user of a half-finished login (password right, second factor due), or None.

    Only a live server-side row counts: a cookie naming a user or a step, however well signed,
    names no row.
    """
    from supportline.auth.service import pending_login

    row = pending_login(_pending_token(), step)
    return row.user if row is not None else None


def _expired():
    session.pop(PENDING_KEY, None)
    flash(EXPIRED_LOGIN, "info")
    return redirect(url_for("auth.login"))


def _finish_login(user, token: str):
    target = _safe_next((session.get(PENDING_KEY) or {}).get("next"))
    session.clear()
    session[SESSION_KEY] = token
    login_user(user)
    return target


@bp.route("/login/kod", methods=["GET", "POST"])
def second_factor():
    from supportline.auth.service import complete_second_step

    if _pending("verify") is None:
        return _expired()
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            result = complete_second_step(_pending_token(), form.code.data, request.remote_addr)
        except LoginThrottled as exc:
            session.pop(PENDING_KEY, None)
            return throttled_page(exc, LoginForm(formdata=None))
        if result.expired:
            return _expired()
        if result.user is not None:
            return redirect(_finish_login(result.user, result.session_token))
        form.code.errors = ["Koden stämmer inte. Ange de sex siffrorna som appen visar just nu, eller en reservkod."]
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/second_factor.html", form=form), status


@bp.route("/konto/tvastegs", methods=["GET", "POST"])
def mfa_enrol():
    from supportline.auth import mfa
    from supportline.auth.service import complete_enrolment

    pending = None if current_user.is_authenticated else _pending("enrol")
    user = current_user if current_user.is_authenticated else pending
    if user is None:
        return redirect(url_for("auth.login"))
    if mfa.is_enrolled(user):
        return render_template("auth/mfa_status.html", codes_left=mfa.recovery_codes_left(user), form=EmptyForm())
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            if pending is not None:
                result, codes = complete_enrolment(_pending_token(), form.code.data, request.remote_addr)
                if result.expired:
                    return _expired()
                next_url = _finish_login(result.user, result.session_token)
            else:
                codes = mfa.confirm_enrolment(user, form.code.data)
                next_url = url_for("auth.account")
        except mfa.MfaError as exc:
            form.code.errors = [str(exc)]
            status = 422
        else:
            return render_template("auth/recovery_codes.html", codes=codes, next_url=next_url, first=True)
    elif request.method == "POST":
        status = 400
    secret = mfa.pending_secret(user)
    uri = mfa.provisioning_uri(user, secret)
    return render_template("auth/mfa_enrol.html", form=form, qr=mfa.qr_data_uri(uri),
                           secret=mfa.format_secret(secret), pending=pending is not None,
                           required=mfa.required()), status


@bp.post("/konto/tvastegs/reservkoder")
@login_required
def mfa_new_recovery_codes():
    from supportline.auth import mfa

    EmptyForm().validate_on_submit()
    try:
        codes = mfa.new_recovery_codes(current_user)
    except mfa.MfaError as exc:
        flash(str(exc), "error")
        return redirect(url_for("auth.mfa_enrol"))
    return render_template("auth/recovery_codes.html", codes=codes, next_url=url_for("auth.account"), first=False)


@bp.get("/konto")
@login_required
def account():
    from supportline.auth import mfa
    from supportline.auth.service import live_api_tokens

    return render_template("auth/account.html", enrolled=mfa.is_enrolled(current_user), form=EmptyForm(),
                           password_form=PasswordChangeForm(formdata=None), tokens=live_api_tokens(current_user))


@bp.post("/konto/api-token/<int:token_id>/aterkalla")
@login_required
def revoke_own_api_token(token_id: int):
    """A user ends one of their own API tokens (an integration moved, or a token may have leaked)."""
    from supportline.auth.service import revoke_api_token

    EmptyForm().validate_on_submit()
    if not revoke_api_token(current_user, current_user, token_id):
        abort(404)  # not theirs, unknown, or already revoked: the same answer for each
    flash("API-token är återkallad och fungerar inte längre.", "success")
    return redirect(url_for("auth.account"))


@bp.route("/konto/losenord", methods=["GET", "POST"])
@login_required
def change_password():
    from supportline.auth.service import AccountError, change_own_password

    form = PasswordChangeForm()
    status = 200
    if form.validate_on_submit():
        if form.new_password.data != form.repeat_password.data:
            form.repeat_password.errors = ["Lösenorden är inte likadana."]
            status = 422
        else:
            try:
                token = change_own_password(current_user, form.current_password.data, form.new_password.data,
                                            request.remote_addr)
            except LoginThrottled as exc:
                return throttled_page(exc)
            except AccountError as exc:
                getattr(form, exc.field or "new_password").errors = [str(exc)]
                status = 422
            else:
                # Every other session has ended; this browser continues on a fresh one.
                user = current_user._get_current_object()
                session.clear()
                session[SESSION_KEY] = token
                login_user(user)
                flash("Lösenordet är bytt. Du är utloggad på alla andra enheter.", "success")
                return redirect(url_for("auth.account"))
    elif request.method == "POST":
        status = 400
    return render_template("auth/password.html", form=form), status


def throttled_page(exc: LoginThrottled, login_form: LoginForm | None = None):
    """HTTP 429 with Retry-After: the login page saying how long to wait, or the error page."""
    from supportline.site.errors import render_error

    minutes = math.ceil(exc.retry_after / 60)
    if login_form is not None:
        body = render_template("auth/login.html", form=login_form, throttled=True, wait_minutes=minutes)
    else:
        body = render_error(429, f"Du har gjort för många försök. Vänta {minutes} min och försök igen.")[0]
    return body, 429, {"Retry-After": str(exc.retry_after)}


@bp.post("/konto/logga-ut-overallt")
@login_required
def logout_everywhere_view():
    from supportline.auth.service import logout_everywhere

    EmptyForm().validate_on_submit()
    logout_everywhere(current_user)
    logout_user()
    session.clear()
    flash("Du är utloggad på alla enheter.", "info")
    return redirect(url_for("auth.login"))
