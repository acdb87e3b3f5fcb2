"""Write transactions that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import current_app, has_app_context
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event

from supportline.extensions import db


def begin_write() -> None:
    """Open the session's transaction as a write transaction.

    Every service function that changes data calls this first. On SQLite it starts the
    transaction with BEGIN IMMEDIATE; a read transaction already open is ended first so
    that what the service reads comes from inside the write lock. On PostgreSQL row locks
    and constraints do that job and this only makes sure a transaction is open.
    """
    session = db.session()
    if db.engine.dialect.name != "sqlite":
        session.connection()
        return
    if session.in_transaction():
        conn = session.connection()
        if conn.get_execution_options().get("sqlite_write"):
            return
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("begin_write() called with unflushed changes in a read transaction")
        session.rollback()
    session.connection(execution_options={"sqlite_write": True})


@contextmanager
def write_transaction() -> Iterator[None]:
    """The one way a service function writes: a write transaction that commits when the block ends
    and rolls back when it raises, so no caller rolls back by hand (and never twice).

        with write_transaction():
            row = db.session.get(Inquiry, inquiry_id)
            row.status = "closed"
            audit.record(actor, "inquiry.update", ...)

    Nested use joins the outer block: only the outermost commits, so a service may call another.
    """
    session = db.session()
    if session.info.get(_IN_WRITE):
        yield
        return
    begin_write()
    session.info[_IN_WRITE] = True
    session.info[_WRITTEN] = set()
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(_IN_WRITE, None)
        written = session.info.pop(_WRITTEN, set())
    if written:
        for callback in current_app.extensions.get(_AFTER_WRITE, ()):
            callback(written)


def after_write(app, callback: Callable[[set[str]], None]) -> None:
    """Call `callback(tables)` after each write_transaction() has committed, with the tables it
    wrote (by ORM flush or statement). An area keeps something derived from others' rows up to
    date this way without their code knowing of it (stats/summary.py: the counted days)."""
    app.extensions.setdefault(_AFTER_WRITE, []).append(callback)
    global _tables_tracked
    if not _tables_tracked:  # on the session class, once per process
        event.listen(FlaskSession, "after_flush", _note_flushed_tables)
        event.listen(FlaskSession, "do_orm_execute", _note_statement_table)
        _tables_tracked = True


def _note_flushed_tables(session, _flush_context) -> None:
    written = session.info.get(_WRITTEN)
    if written is not None:
        for obj in (*session.new, *session.dirty, *session.deleted):
            written.add(obj.__table__.name)


def _note_statement_table(state) -> None:
    written = state.session.info.get(_WRITTEN)
    if written is not None and (state.is_insert or state.is_update or state.is_delete):
        table = getattr(state.statement, "table", None)
        if table is not None:
            written.add(table.name)


def in_write_transaction() -> bool:
    """True inside a `write_transaction()` block (the test guard asks this at every flush)."""
    return bool(db.session().info.get(_IN_WRITE))


_IN_WRITE = "supportline.write_transaction"
_WRITTEN = "supportline.written_tables"
_AFTER_WRITE = "supportline.after_write"
_tables_tracked = False


# --- the test guard -----------------------------------------------------------------------
#
# A write that does not go through write_transaction() may be committed by whoever commits
# next, or never: the guard finds such writes while the tests run. An app whose config sets
# SUPPORTLINE_WRITE_GUARD (the tests' app does) records every ORM flush and every
# INSERT/UPDATE/DELETE issued through the session outside a write_transaction() block, when
# application code is on the stack; the tests fail on what it recorded. Test code that builds
# its data by hand (no `supportline` frame on the stack) is left alone.
#
# SUPPORTLINE_WRITE_GUARD is the tuple of module prefixes still allowed to write on their own,
# e.g. ("supportline.inquiries",) while that area is being moved to write_transaction().

WRITE_GUARD_CONFIG = "SUPPORTLINE_WRITE_GUARD"
# The machinery itself: a frame of these is not "the code that wrote".
_NOT_THE_WRITER = ("supportline.transactions", "supportline.extensions", "supportline.db")

unguarded_writes: list[str] = []
"""What the guard found since it was last cleared: one line per write, naming the code."""


def _writer(allowed: tuple[str, ...]) -> str | None:
    """The innermost application frame of an unguarded write, as 'module:line', or None when
    the write is allowed (written by test code, or reached through an allowed module)."""
    frame = sys._getframe(2)
    writer = None
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module.startswith(allowed):
            return None
        if (writer is None and module.startswith("supportline.")
                and not module.startswith(_NOT_THE_WRITER)):
            writer = f"{module}:{frame.f_lineno} ({frame.f_code.co_name})"
        frame = frame.f_back
    return writer


def _check_write(session, what: str) -> None:
    if session.info.get(_IN_WRITE) or not has_app_context():
        return
    allowed = current_app.config.get(WRITE_GUARD_CONFIG)
    if allowed is None:
        return
    writer = _writer(tuple(allowed))
    if writer is not None:
        unguarded_writes.append(f"{what} outside write_transaction() in {writer}")


def _before_flush(session, _flush_context, _instances) -> None:
    if session.new or session.dirty or session.deleted:
        _check_write(session, "flush")


def _on_execute(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        _check_write(state.session, "statement")


def init_app(app) -> None:
    """Install the guard when the app's config asks for it (the tests' app does)."""
    global _guard_installed
    if app.config.get(WRITE_GUARD_CONFIG) is None or _guard_installed:
        return
    # On the session class, once per process: each app's config decides whether it checks.
    event.listen(FlaskSession, "before_flush", _before_flush)
    event.listen(FlaskSession, "do_orm_execute", _on_execute)
    _guard_installed = True


_guard_installed = False


def end_read() -> None:
    """End a read-only transaction: nothing was written, the snapshot (and on SQLite the read
    lock) is let go so a long page or job does not hold it. Not for undoing a write: that is
    write_transaction()'s job."""
    db.session.rollback()
