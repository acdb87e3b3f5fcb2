from __future__ import annotations

import json

from flask import has_request_context, request

from supportline.audit.models import AuditEvent
from supportline.extensions import db
from supportline.transactions import write_transaction


def record(action: str, user=None, *, actor: str | None = None, object_type: str | None = None,
           object_id=None, detail: dict | None = None, client_address: bool = True) -> AuditEvent:
    """Add an audit event to the current transaction; the caller's commit writes it.
    client_address=False leaves the address out: an anonymous professional's written question
    must not be tied to where it was sent from."""
    remote = request.remote_addr if has_request_context() and client_address else None
    event = AuditEvent(
        user_id=user.id if user is not None else None,
        actor=actor or (user.email if user is not None else "system"),
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        remote_addr=remote,
        detail=json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else None,
    )
    db.session.add(event)
    return event


def record_read(action: str, user=None, *, object_type: str | None = None, object_id=None,
                detail: dict | None = None) -> None:
    """Log a read and commit it before the page shows what was read (a failed write fails the
    request), keeping what the session has loaded.

    A plain commit expires every object in the session: an inquiry's page, which logs two
    reads (the inquiry, then its earlier contacts), loaded the inquiry with its timeline,
    persons and codes three times. Neither a read nor an audit insert changes them.
    """
    session = db.session()
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("record_read() with unsaved changes in the session; record() them with the change")
    session.expire_on_commit = False
    try:
        # Ends the read with a commit, not the rollback write_transaction() would use, which
        # would expire what was loaded; so on SQLite the write lock is not taken inside an old snapshot.
        session.commit()
        with write_transaction():
            record(action, user, object_type=object_type, object_id=object_id, detail=detail)
    finally:
        session.expire_on_commit = True
