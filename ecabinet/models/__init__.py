"""Tables. Import from here so that every model is registered on ``Base.metadata``."""

from .agenda import AgendaItem, AgendaItemStatus, AgendaVersion
from .annotation import (
    Annotation,
    AnnotationKind,
    AnnotationShare,
    Opinion,
    ReadingPosition,
    Visibility,
)
from .audit import AuditEvent
from .auth import AuthSession, LoginAttempt, RefreshToken, SessionKind
from .base import Base, UTCDateTime
from .document import (
    BoardBook,
    BoardBookStatus,
    Classification,
    Document,
    DocumentReceipt,
    DocumentRestriction,
    DocumentVersion,
)
from .endpoint import Endpoint
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
from .signing import (
    CertificateAuthority,
    CredentialSource,
    DocumentSignature,
    SignerCredential,
    SigningDocument,
)
from .user import Language, Role, User

__all__ = [
    "AgendaItem",
    "AgendaItemStatus",
    "AgendaVersion",
    "Annotation",
    "AnnotationKind",
    "AnnotationShare",
    "AuditEvent",
    "AuthSession",
    "Base",
    "BoardBook",
    "BoardBookStatus",
    "CalendarFeed",
    "CertificateAuthority",
    "Classification",
    "Confidentiality",
    "CredentialSource",
    "Document",
    "DocumentReceipt",
    "DocumentRestriction",
    "DocumentSignature",
    "DocumentVersion",
    "Endpoint",
    "Language",
    "LoginAttempt",
    "Meeting",
    "MeetingKind",
    "MeetingMode",
    "MeetingRole",
    "MeetingStatus",
    "Opinion",
    "Organization",
    "OrganizationLevel",
    "OutboxMail",
    "OutboxStatus",
    "Participant",
    "ReadingPosition",
    "RefreshToken",
    "Role",
    "Rsvp",
    "Series",
    "SessionKind",
    "SignerCredential",
    "SigningDocument",
    "UTCDateTime",
    "User",
    "Visibility",
]
