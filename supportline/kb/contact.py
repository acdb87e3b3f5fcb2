"""The installation's support-line contact: the shipped default with its configured overrides,
and the opening hours from the one place they are kept (supportline/hours/, /admin/oppettider).

Templates reach it as the Jinja global `line_contact` and through site/_line_contact.html;
articles through their placeholders, expanded in service.rendered_body and in the index.
"""

from __future__ import annotations

import dataclasses
import functools

from flask import current_app, g, has_request_context
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.local import LocalProxy

import knowledge

# Opening hours are not a setting any more: the database holds them (supportline/hours/).
HOURS_KEYS = ("hours", "changed_hours")


@functools.lru_cache(maxsize=8)
def _load(overrides: tuple[tuple[str, str | None], ...]) -> knowledge.LineContact:
    return knowledge.load_line_contact(dict(overrides))


def _with_opening_hours(contact: knowledge.LineContact) -> knowledge.LineContact:
    """The contact with the hours an admin has confirmed. Without them (never confirmed, or a
    database that cannot be read, as on the page that says so) the texts point to the
    operator's page, as for any unconfirmed fact."""
    from supportline.extensions import db
    from supportline.hours.service import public_hours

    try:
        hours = public_hours()
    except SQLAlchemyError:
        try:
            db.session.rollback()
        except SQLAlchemyError:
            pass
        return dataclasses.replace(contact, hours=None, changed_hours=None, hours_confirmed=False)
    return dataclasses.replace(contact, hours=hours.hours, changed_hours=hours.changed_hours,
                               hours_confirmed=hours.confirmed)


def line_contact(app=None) -> knowledge.LineContact:
    """This app's contact; reads facts.yaml once per set of overrides, the hours once per request.

    A page asks a dozen times (the Jinja global is a proxy that calls this on every use, and the
    public ETag names it), so within a request the contact made is kept, under the hours it was
    made with: when an admin's change drops the request's hours, the next call makes it anew."""
    per_request = app is None and has_request_context()
    if per_request:
        from supportline.hours.service import public_hours_read

        kept_contact = g.get("_line_contact")
        if kept_contact is not None and kept_contact[0] is public_hours_read():
            return kept_contact[1]
    overrides = (app or current_app).config.get("SUPPORTLINE_LINE_CONTACT") or {}
    kept = {key: value for key, value in overrides.items() if key not in HOURS_KEYS}
    contact = _with_opening_hours(_load(tuple(sorted(kept.items()))))
    if per_request:
        g._line_contact = (public_hours_read(), contact)
    return contact


def init_app(app) -> None:
    app.jinja_env.globals["line_contact"] = LocalProxy(line_contact)
