"""The handover ledger in /admin: batches and a button to start one."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from supportline.auth import roles_required
from supportline.auth.forms import EmptyForm
from supportline.handover import lifecycle, service

bp = Blueprint("handover", __name__, url_prefix="/admin/overlamning", template_folder="templates")


@bp.get("/")
@roles_required("coordinator")
def index():
    return render_template("handover/index.html", batches=service.batches(), form=EmptyForm(),
                           account=lifecycle.page_text(lifecycle.now()), role=lifecycle.role(),
                           receptions=lifecycle.receptions(), receipt_text=lifecycle.receipt_text,
                           recipient_set=bool(current_app.config.get("SUPPORTLINE_HANDOVER_RECIPIENT")))


@bp.post("/")
@roles_required("coordinator")
def start():
    EmptyForm().validate_on_submit()
    kind = request.form.get("kind", "delta")
    cfg = current_app.config
    try:
        batch = service.export(kind=kind if kind in {"full", "delta"} else "delta",
                               out_dir=Path(cfg["SUPPORTLINE_HANDOVER_DIR"]),
                               recipient=cfg.get("SUPPORTLINE_HANDOVER_RECIPIENT"), plaintext=False,
                               trigger=f"admin:{current_user.email}", actor=current_user)
    except service.HandoverError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Paket {batch.sequence} är skapat: {batch.file_name}.", "success")
    return redirect(url_for("handover.index"))
