"""Tables. Import from here so that every model is registered on ``Base.metadata``."""

from .audit import AuditEvent
from .auth import AuthSession, LoginAttempt, RefreshToken, SessionKind
from .base import Base, UTCDateTime
from .endpoint import Endpoint
from .organization import Organization, OrganizationLevel
from .signing import (
    CertificateAuthority,
    CredentialSource,
    DocumentSignature,
    SignerCredential,
    SigningDocument,
)
from .user import Language, Role, User

__all__ = [
    "AuditEvent",
    "AuthSession",
    "Base",
    "CertificateAuthority",
    "CredentialSource",
    "DocumentSignature",
    "Endpoint",
    "Language",
    "LoginAttempt",
    "Organization",
    "OrganizationLevel",
    "RefreshToken",
    "Role",
    "SessionKind",
    "SignerCredential",
    "SigningDocument",
    "UTCDateTime",
    "User",
]
