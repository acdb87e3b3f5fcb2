from __future__ import annotations

import json

from flask import has_request_context, request

from supportline.audit.models import AuditEvent
from supportline.extensions import db


def record(action: str, user=None, *, actor: str | None = None, object_type: str | None = None,
           object_id=None, detail: dict | None = None) -> AuditEvent:
    """Add an audit event to the current transaction; the caller's commit writes it."""
    remote = request.remote_addr if has_request_context() else None
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
