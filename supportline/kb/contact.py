"""The installation's support-line contact: the shipped default with its configured overrides.

Templates reach it as the Jinja global `line_contact` and through site/_line_contact.html;
articles through their placeholders, expanded in service.rendered_body and in the index.
"""

from __future__ import annotations

import functools

from flask import current_app
from werkzeug.local import LocalProxy

import knowledge


@functools.lru_cache(maxsize=8)
def _load(overrides: tuple[tuple[str, str | None], ...]) -> knowledge.LineContact:
    return knowledge.load_line_contact(dict(overrides))


def line_contact(app=None) -> knowledge.LineContact:
    """This app's contact; reads facts.yaml once per set of overrides."""
    overrides = (app or current_app).config.get("SUPPORTLINE_LINE_CONTACT") or {}
    return _load(tuple(sorted(overrides.items())))


def init_app(app) -> None:
    app.jinja_env.globals["line_contact"] = LocalProxy(line_contact)
