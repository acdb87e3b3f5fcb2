"""One confirmation step for actions that are hard to undo (deactivating an account, publishing,
restoring over a published article): the action's form is posted again with `bekraftat=ja`."""

from __future__ import annotations

from flask import render_template, request


def confirmed() -> bool:
    return request.form.get("bekraftat") == "ja"


def ask(heading: str, consequence: str, confirm_label: str, cancel_url: str, **fields):
    """The page that asks; posting it repeats the request with the same fields, confirmed."""
    return render_template("confirm.html", heading=heading, consequence=consequence, confirm_label=confirm_label,
                           cancel_url=cancel_url, action=request.path, fields=fields)
