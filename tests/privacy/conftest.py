from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from supportline.auth.models import User
from supportline.extensions import db
from supportline.inquiries.models import Inquiry
from tests.inquiries.conftest import valid_payload

UTC = dt.UTC


@pytest.fixture
def handler(create_user):
    return create_user("handler")


@pytest.fixture
def coordinator(create_user):
    return create_user("coordinator")


@pytest.fixture
def make_inquiry(app):
    """make_inquiry(user, **fields) -> id, created through the service like a handler would."""
    from supportline.inquiries.service import create_inquiry

    def build(user, **overrides):
        with app.app_context():
            actor = db.session.get(User, user.id)
            return create_inquiry(actor, valid_payload(**overrides)).id

    return build


@pytest.fixture
def backdate(app):
    """backdate(id, updated=..., received=...): move an inquiry into the past, as time would."""

    def do(inquiry_id, updated: dt.datetime, received: dt.datetime | None = None):
        values = {"updated_at": updated}
        if received is not None:
            values["received_at"] = received
        with app.app_context():
            db.session.execute(update(Inquiry).where(Inquiry.id == inquiry_id).values(**values))
            db.session.commit()

    return do


def ago(**kwargs) -> dt.datetime:
    return dt.datetime.now(UTC) - dt.timedelta(**kwargs)
