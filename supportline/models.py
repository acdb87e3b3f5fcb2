"""Every model, imported in one place so Alembic and create_app see the whole schema."""

from supportline.audit.models import AuditEvent
from supportline.auth.models import ApiToken, LoginFailure, User, UserSession

__all__ = ["ApiToken", "AuditEvent", "LoginFailure", "User", "UserSession"]
