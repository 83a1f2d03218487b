"""Tables. Import from here so that every model is registered on ``Base.metadata``."""

from .audit import AuditEvent
from .auth import AuthSession, LoginAttempt, RefreshToken, SessionKind
from .base import Base, UTCDateTime
from .endpoint import Endpoint
from .live import LiveRoom
from .meeting import (
    Confidentiality,
    Meeting,
    MeetingKind,
    MeetingMode,
    MeetingRole,
    MeetingStatus,
    Participant,
    Rsvp,
    Series,
)
from .organization import Organization, OrganizationLevel
from .outbox import CalendarFeed, OutboxMail, OutboxStatus
from .user import Language, Role, User

__all__ = [
    "AuditEvent",
    "AuthSession",
    "Base",
    "CalendarFeed",
    "Confidentiality",
    "Endpoint",
    "Language",
    "LiveRoom",
    "LoginAttempt",
    "Meeting",
    "MeetingKind",
    "MeetingMode",
    "MeetingRole",
    "MeetingStatus",
    "Organization",
    "OrganizationLevel",
    "OutboxMail",
    "OutboxStatus",
    "Participant",
    "RefreshToken",
    "Role",
    "Rsvp",
    "Series",
    "SessionKind",
    "UTCDateTime",
    "User",
]
