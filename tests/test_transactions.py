"""write_transaction: commit on success, roll back on error, the outermost block decides."""

import pytest
from sqlalchemy import func, select

from supportline.audit.models import AuditEvent
from supportline.extensions import db
from supportline.transactions import in_write_transaction, write_transaction


def _events() -> int:
    count = db.session.scalar(select(func.count()).select_from(AuditEvent))
    db.session.rollback()
    return count


def _event(action: str) -> AuditEvent:
    return AuditEvent(actor="test", action=action, object_type="test")


def test_a_block_commits_what_it_wrote(app):
    with app.app_context():
        before = _events()
        with write_transaction():
            assert in_write_transaction()
            db.session.add(_event("test.commit"))
        assert not in_write_transaction()
        assert _events() == before + 1


def test_an_error_rolls_the_whole_block_back(app):
    with app.app_context():
        before = _events()
        with pytest.raises(RuntimeError), write_transaction():
            db.session.add(_event("test.rollback"))
            db.session.flush()
            raise RuntimeError("boom")
        assert not in_write_transaction()
        assert _events() == before


def test_a_nested_block_joins_the_outer_one(app):
    with app.app_context():
        before = _events()
        with pytest.raises(RuntimeError), write_transaction():
            with write_transaction():
                db.session.add(_event("test.inner"))
            assert in_write_transaction(), "the inner block must not end the outer one"
            raise RuntimeError("the outer block fails after the inner one")
        assert _events() == before
