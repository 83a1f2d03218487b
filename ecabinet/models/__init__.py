"""Tables. Import from here so that every model is registered on ``Base.metadata``."""

from .agenda import AgendaItem, AgendaItemStatus, AgendaVersion
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
from .governance import (
    AttendanceCorrection,
    AttendanceStatus,
    ItemConclusion,
    ItemPosition,
    Motion,
    MotionStatus,
    NamedVote,
    PositionKind,
    Presence,
    RoomDeclaration,
    SecretBallot,
    SessionState,
    SpeechOrigin,
    SpeechRequest,
    SpeechStatus,
    VoteCast,
)
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
from .opinion import OpinionAnswer, OpinionBallot, OpinionBallotStatus, OpinionRecipient
from .organization import Organization, OrganizationLevel
from .outbox import CalendarFeed, OutboxMail, OutboxStatus
from .user import Language, Role, User

__all__ = [
    "AgendaItem",
    "AgendaItemStatus",
    "AgendaVersion",
    "AttendanceCorrection",
    "AttendanceStatus",
    "AuditEvent",
    "AuthSession",
    "Base",
    "BoardBook",
    "BoardBookStatus",
    "CalendarFeed",
    "Classification",
    "Confidentiality",
    "Document",
    "DocumentReceipt",
    "DocumentRestriction",
    "DocumentVersion",
    "Endpoint",
    "ItemConclusion",
    "ItemPosition",
    "Language",
    "LiveRoom",
    "LoginAttempt",
    "Meeting",
    "MeetingKind",
    "MeetingMode",
    "MeetingRole",
    "MeetingStatus",
    "Motion",
    "MotionStatus",
    "NamedVote",
    "OpinionAnswer",
    "OpinionBallot",
    "OpinionBallotStatus",
    "OpinionRecipient",
    "Organization",
    "OrganizationLevel",
    "OutboxMail",
    "OutboxStatus",
    "Participant",
    "PositionKind",
    "Presence",
    "RefreshToken",
    "Role",
    "RoomDeclaration",
    "Rsvp",
    "SecretBallot",
    "Series",
    "SessionKind",
    "SessionState",
    "SpeechOrigin",
    "SpeechRequest",
    "SpeechStatus",
    "UTCDateTime",
    "User",
    "VoteCast",
]
