from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from supportline.auth import roles_required
from supportline.auth.forms import CreateUserForm, EmptyForm, RoleForm
from supportline.auth.models import User
from supportline.auth.service import (
    AccountError,
    change_role,
    create_user,
    live_api_tokens,
    revoke_all_api_tokens,
    revoke_api_token,
    set_active,
)
from supportline.extensions import db
from supportline.site import confirm

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _users():
    return db.session.scalars(select(User).order_by(User.active.desc(), User.email)).all()


def _page(form: CreateUserForm, status: int = 200):
    from supportline.auth.mfa import enrolled_user_ids
    from supportline.config import production_warnings

    return render_template("admin/index.html", users=_users(), form=form, role_form=RoleForm,
                           warnings=production_warnings(current_app.config),
                           action_form=EmptyForm(), mfa_enrolled=enrolled_user_ids()), status


@bp.get("/")
@roles_required("admin")
def index():
    return _page(CreateUserForm(formdata=None))


@bp.post("/anvandare")
@roles_required("admin")
def create():
    form = CreateUserForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    try:
        user = create_user(current_user, form.email.data, form.role.data, form.password.data, form.name.data or "",
                           temporary=True)
    except AccountError as exc:
        getattr(form, exc.field or "email").errors = [str(exc)]
        return _page(form, 422)
    flash(f"Kontot {user.email} är skapat. Lösenordet är tillfälligt: {user.email} väljer ett eget vid första "
          "inloggningen.", "success")
    return redirect(url_for("admin.index"))


@bp.get("/anvandare/<int:user_id>")
@roles_required("admin")
def user_page(user_id: int):
    """One account: its details and the API tokens that still work, with a way to revoke them."""
    from supportline.auth.mfa import is_enrolled

    user = db.get_or_404(User, user_id)
    return render_template("admin/user.html", user=user, enrolled=is_enrolled(user), tokens=live_api_tokens(user),
                           action_form=EmptyForm())


@bp.post("/anvandare/<int:user_id>/api-token/<int:token_id>/aterkalla")
@roles_required("admin")
def revoke_token(user_id: int, token_id: int):
    user = db.get_or_404(User, user_id)
    EmptyForm().validate_on_submit()
    if not revoke_api_token(current_user, user, token_id):
        abort(404)
    flash(f"API-token för {user.email} är återkallad.", "success")
    return redirect(url_for("admin.user_page", user_id=user.id))


@bp.post("/anvandare/<int:user_id>/api-token/aterkalla")
@roles_required("admin")
def revoke_all_tokens(user_id: int):
    user = db.get_or_404(User, user_id)
    EmptyForm().validate_on_submit()
    count = revoke_all_api_tokens(current_user, user)
    flash(f"Alla API-token för {user.email} är återkallade ({count} st)." if count
          else f"{user.email} har inga API-token att återkalla.", "success" if count else "info")
    return redirect(url_for("admin.user_page", user_id=user.id))


@bp.post("/anvandare/<int:user_id>/roll")
@roles_required("admin")
def set_role(user_id: int):
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        flash("Välj en giltig roll.", "error")
        return redirect(url_for("admin.index")), 303
    try:
        change_role(current_user, user, form.role.data)
    except AccountError as exc:
        flash(str(exc), "error")
    else:
        flash(f"{user.email} har nu rollen {user.role_label.lower()}.", "success")
    return redirect(url_for("admin.index"))


@bp.post("/anvandare/<int:user_id>/<any(inaktivera, aktivera):action>")
@roles_required("admin")
def toggle_active(user_id: int, action: str):
    user = db.get_or_404(User, user_id)
    EmptyForm().validate_on_submit()
    if action == "inaktivera" and user.active and user.id != current_user.id and not confirm.confirmed():
        return confirm.ask(f"Inaktivera kontot {user.email}?",
                           f"{user.display_name} loggas ut direkt på alla enheter och kan inte logga in förrän "
                           "kontot aktiveras igen. Kontots API-token slutar fungera för gott. Ärenden och "
                           "loggar som kontot har skrivit finns kvar.",
                           "Ja, inaktivera kontot", url_for("admin.index"))
    try:
        set_active(current_user, user, action == "aktivera")
    except AccountError as exc:
        flash(str(exc), "error")
    else:
        flash(f"{user.email} är {'aktiverat' if user.active else 'inaktiverat och utloggat'}.", "success")
    return redirect(url_for("admin.index"))


@bp.post("/anvandare/<int:user_id>/tvastegs-aterstall")
@roles_required("admin")
def reset_mfa(user_id: int):
    """A lost phone: remove the user's second factor so they enrol again at the next login."""
    from supportline.auth import mfa

    user = db.get_or_404(User, user_id)
    EmptyForm().validate_on_submit()
    mfa.reset(current_user, user)
    flash(f"Tvåstegsverifieringen för {user.email} är återställd och kontot är utloggat. "
          "Användaren aktiverar den på nytt vid nästa inloggning.", "success")
    return redirect(url_for("admin.index"))
