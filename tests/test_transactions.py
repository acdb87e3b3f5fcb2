"""write_transaction: commit on success, roll back on error, the outermost block decides."""

import pytest
from sqlalchemy import delete, func, select

from supportline.audit.models import AuditEvent
from supportline.extensions import db
from supportline.ratelimit import RateEvent
from supportline.transactions import in_write_transaction, unguarded_writes, write_transaction


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


def _application_code(module: str):
    """A function that writes without write_transaction(), as if it lived in `module`."""
    namespace = {"__name__": module, "db": db, "AuditEvent": AuditEvent}
    exec(compile("def save():\n"
                 "    db.session.add(AuditEvent(actor='test', action='test.unguarded', object_type='test'))\n"
                 "    db.session.flush()\n"
                 "    db.session.rollback()\n", f"<{module}>", "exec"), namespace)
    return namespace["save"]


def test_the_guard_names_application_code_that_writes_outside_a_block(app):
    with app.app_context():
        _application_code("supportline.example")()
    found = list(unguarded_writes)
    unguarded_writes.clear()
    assert len(found) == 1
    assert "flush outside write_transaction() in supportline.example:3 (save)" in found[0]


def test_the_guard_catches_a_statement_too(app):
    with app.app_context():
        namespace = {"__name__": "supportline.example", "db": db, "delete": delete, "RateEvent": RateEvent}
        exec("def purge():\n    db.session.execute(delete(RateEvent))\n    db.session.rollback()\n", namespace)
        namespace["purge"]()
    found = list(unguarded_writes)
    unguarded_writes.clear()
    assert found and found[0].startswith("statement outside write_transaction() in supportline.example")


def test_the_guard_lets_a_block_a_listed_module_and_test_code_write(app, monkeypatch):
    from supportline.transactions import WRITE_GUARD_CONFIG

    monkeypatch.setitem(app.config, WRITE_GUARD_CONFIG, ("supportline.listed",))
    with app.app_context():
        with write_transaction():
            _application_code("supportline.example")()
        _application_code("supportline.listed.example")()
        db.session.add(_event("test.by_hand"))
        db.session.commit()
    assert unguarded_writes == []


def test_after_a_commit_the_callbacks_hear_which_tables_were_written_and_not_after_a_rollback(app):
    from supportline.transactions import after_write

    heard: list[set[str]] = []
    after_write(app, heard.append)
    try:
        with app.app_context():
            with write_transaction():
                db.session.add(_event("test.after"))  # a flush
                db.session.execute(delete(RateEvent).where(RateEvent.key == "nobody"))  # a statement
            assert heard == [{"audit_events", "rate_events"}]
            with pytest.raises(RuntimeError), write_transaction():
                db.session.add(_event("test.after.rollback"))
                db.session.flush()
                raise RuntimeError("boom")
            with write_transaction():
                pass  # nothing written: nobody is called
            assert heard == [{"audit_events", "rate_events"}]
    finally:
        app.extensions["supportline.after_write"].remove(heard.append)
