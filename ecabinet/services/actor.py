"""Who is acting: the authenticated principal every service function receives."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import Forbidden
from ..models import Language, Role
from .permissions import Permission, permissions_of


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: int
    username: str
    full_name: str
    role: Role
    organization_id: int
    language: Language
    session_id: str
    address: str = ""
    must_change_password: bool = False
    title: str = ""  # the position (chức vụ), e.g. "Thủ tướng Chính phủ"; may be empty

    @property
    def position(self) -> str:
        """How the person is labelled: the position when they have one, else the role."""
        return self.title or self.role.value

    def can(self, permission: Permission) -> bool:
        return permission in permissions_of(self.role)

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise Forbidden("You do not have permission to do this.", code="permission_denied")
