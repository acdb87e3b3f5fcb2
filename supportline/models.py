"""Every model, imported in one place so Alembic and create_app see the whole schema."""

from supportline.audit.models import AuditEvent
from supportline.auth.models import ApiToken, LoginFailure, MfaRecoveryCode, PendingLogin, User, UserMfa, UserSession
from supportline.calls.models import CallRecord
from supportline.handover.models import HandoverBatch, HandoverReception
from supportline.inquiries.models import (
    ExposedPerson,
    Inquiry,
    InquiryCentre,
    InquiryCode,
    InquiryDraft,
    InquirySearchDocument,
    InquiryTerm,
    TimelineEntry,
)
from supportline.kb.models import Article, ArticleFeedback, ArticleRevision, IndexChange
from supportline.ratelimit import RateEvent
from supportline.stats.models import ResourceCentre

__all__ = [
    "ApiToken", "Article", "HandoverBatch", "HandoverReception", "IndexChange", "ArticleFeedback", "ArticleRevision",
    "AuditEvent",
    "LoginFailure",
    "RateEvent", "User",
    "UserSession", "UserMfa", "MfaRecoveryCode", "PendingLogin",
    "ResourceCentre", "CallRecord",
    "ExposedPerson", "Inquiry", "InquiryCentre",
    "InquiryCode", "InquiryDraft", "InquirySearchDocument", "InquiryTerm", "TimelineEntry",
]
