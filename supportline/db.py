"""Database foundations: the declarative base, UTC datetimes and SQLite behaviour."""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# Stable constraint names so Alembic can alter them later, on SQLite (batch mode) too.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as naive UTC and hands them back as aware UTC.

    SQLite has no time zones and PostgreSQL's `timestamp` would keep whatever offset
    came in; normalising at the column keeps comparisons right on both.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Primary keys are INTEGER (32-bit on PostgreSQL): a larger number from a URL, a query
# string or a JSON body names nothing, and must not reach the driver, which would fail.
MAX_ID = 2**31 - 1


def is_valid_id(value: int) -> bool:
    return 0 < value <= MAX_ID


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


SQLITE_BUSY_TIMEOUT_MS = 10_000
# While PostgreSQL is unreachable a request should fail within seconds (and answer 503) rather
# than wait for the operating system's TCP timeout; a connect_timeout in DATABASE_URL wins.
POSTGRESQL_CONNECT_TIMEOUT_SECONDS = 5


@event.listens_for(Engine, "do_connect")
def _postgresql_connect_timeout(dialect, conn_rec, cargs, cparams):
    if dialect.name == "postgresql":
        cparams.setdefault("connect_timeout", POSTGRESQL_CONNECT_TIMEOUT_SECONDS)


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy emit BEGIN itself (see _sqlite_on_begin) instead of pysqlite's
    # implicit deferred BEGIN, which loses updates between concurrent read-then-write
    # transactions.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA cache_size=-32768")
    cursor.execute("PRAGMA mmap_size=1073741824")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn):
    if conn.dialect.name != "sqlite":
        return
    if conn.get_execution_options().get("sqlite_write"):
        # Take the write lock before the first read, so no other writer can slip in
        # between our read and our write (the busy timeout makes others wait).
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


def _sqlite_from_hint(self, table, text):
    """SQLite takes a table hint ("INDEXED BY ix_...") right after the table's name; SQLAlchemy's
    SQLite compiler drops hints given with Select.with_hint(..., "sqlite") unless told so."""
    return text


SQLiteCompiler.get_from_hint_text = _sqlite_from_hint


# --- a database that is unreachable for now ---------------------------------------------

# SQLite raises OperationalError for programming errors too (no such table, syntax errors);
# only these mean a database that is busy or not there.
SQLITE_UNAVAILABLE = ("database is locked", "database table is locked", "unable to open database file",
                      "disk i/o error")


def _unavailable(exc: BaseException) -> bool:
    if isinstance(exc, sa_exc.TimeoutError | sa_exc.DisconnectionError):  # no free pooled connection
        return True
    if not isinstance(exc, sa_exc.DBAPIError):
        return False
    if exc.connection_invalidated:  # SQLAlchemy recognised a lost connection
        return True
    # psycopg's OperationalError: refused or lost connections, an administrator shutdown, a
    # server starting up, too many connections, a serialization failure. All pass with time.
    # (Not imported on SQLite, where it cannot have raised anything: it costs every process a tenth of a second.)
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None and isinstance(exc.orig, psycopg.OperationalError):
        return True
    return isinstance(exc.orig, sqlite3.OperationalError) and str(exc.orig).lower().startswith(SQLITE_UNAVAILABLE)


def is_database_unavailable(exc: BaseException | None) -> bool:
    """Whether exc (or an exception it was raised from) means the database is unreachable for now."""
    seen = 0
    while exc is not None and seen < 10:
        if _unavailable(exc):
            return True
        exc, seen = exc.__cause__, seen + 1
    return False


def describe(exc: BaseException) -> str:
    """Exception classes only: the message of a database error can hold SQL and its parameters,
    that is case text."""
    name = f"{type(exc).__module__}.{type(exc).__qualname__}"
    orig = getattr(exc, "orig", None)
    if orig is not None:
        name += f" ({type(orig).__module__}.{type(orig).__qualname__})"
    return name
