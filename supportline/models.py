"""Every model, imported in one place so Alembic and create_app see the whole schema."""

from supportline.audit.models import AuditEvent
from supportline.auth.models import ApiToken, LoginFailure, User, UserSession
from supportline.kb.models import Article, ArticleFeedback, ArticleRevision
from supportline.ratelimit import RateEvent

__all__ = [
    "ApiToken", "Article", "ArticleFeedback", "ArticleRevision", "AuditEvent", "LoginFailure", "RateEvent", "User",
    "UserSession",
]
