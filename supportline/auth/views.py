from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from supportline.auth import SESSION_KEY
from supportline.auth.forms import EmptyForm, LoginForm
from supportline.auth.service import LoginThrottled, authenticate, logout

bp = Blueprint("auth", __name__)

GENERIC_FAILURE = "Fel e-postadress eller lösenord, eller så är kontot inaktiverat."


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
        except LoginThrottled:
            return render_template("auth/login.html", form=form, throttled=True), 429
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
