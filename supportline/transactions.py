"""Write transactions that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(_IN_WRITE, None)


def in_write_transaction() -> bool:
    """True inside a `write_transaction()` block (the test guard asks this at every flush)."""
    return bool(db.session().info.get(_IN_WRITE))


_IN_WRITE = "supportline.write_transaction"
