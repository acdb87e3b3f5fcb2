"""Write transactions that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

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
