"""The application cannot change or delete an audit event.

Checked at the ORM, so it holds on SQLite too, where there is no trigger: a flush that
would update or delete an AuditEvent and a bulk UPDATE/DELETE statement on audit_events
both raise. On PostgreSQL migration 0006 adds a trigger that refuses the same at the
database, for anyone who gets past the application.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from supportline.audit.models import AuditEvent


class AuditLogIsAppendOnly(RuntimeError):
    pass


def _before_flush(session, flush_context, instances) -> None:
    for obj in session.deleted:
        if isinstance(obj, AuditEvent):
            raise AuditLogIsAppendOnly("audit events cannot be deleted")
    for obj in session.dirty:
        if isinstance(obj, AuditEvent) and session.is_modified(obj, include_collections=False):
            raise AuditLogIsAppendOnly("audit events cannot be changed")


def _do_orm_execute(state) -> None:
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is AuditEvent.__table__ or any(m.class_ is AuditEvent for m in state.all_mappers):
        raise AuditLogIsAppendOnly("audit events cannot be changed or deleted")


def install() -> None:
    """Listen on every Session; idempotent, as create_app runs more than once in tests."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
    if not event.contains(Session, "do_orm_execute", _do_orm_execute):
        event.listen(Session, "do_orm_execute", _do_orm_execute)
