from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..models import Language, Role
from .common import Input, Output
from .directory import OrganizationOut


class LoginRequest(Input):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class RefreshRequest(Input):
    refresh_token: str = Field(min_length=1, max_length=200)


class TokenResponse(Output):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105
    expires_in: int


class MeResponse(Output):
    id: int
    username: str
    full_name: str
    title: str
    email: str
    role: Role
    language: Language
    organization: OrganizationOut
    permissions: list[str]
    must_change_password: bool


class PreferencesUpdate(Input):
    language: Language


class PasswordChange(Input):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=10, max_length=1024)
