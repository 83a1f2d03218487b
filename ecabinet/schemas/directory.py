"""Organizations, users and endpoints: what the admin API takes and returns."""

from __future__ import annotations

from datetime import datetime

from pydantic import EmailStr, Field

from ..models import Language, OrganizationLevel, Role
from .common import Id, Input, Output

SLUG = r"^[a-z0-9][a-z0-9-]{1,63}$"
USERNAME = r"^[a-z0-9][a-z0-9._-]{2,63}$"


class OrganizationIn(Input):
    slug: str = Field(pattern=SLUG, description="Short stable name, e.g. `hai-phong`.")
    name: str = Field(min_length=1, max_length=200)
    level: OrganizationLevel
    parent_id: Id | None = None


class OrganizationPatch(Input):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    parent_id: Id | None = None


class OrganizationOut(Output):
    id: int
    slug: str
    name: str
    level: OrganizationLevel
    parent_id: int | None


class UserIn(Input):
    username: str = Field(pattern=USERNAME)
    full_name: str = Field(min_length=1, max_length=200)
    title: str = Field(default="", max_length=200)
    email: EmailStr | None = None
    role: Role
    organization_id: Id
    language: Language = Language.VI
    password: str | None = Field(
        default=None,
        min_length=10,
        max_length=1024,
        description="Leave out to have a password generated and returned once.",
    )


class UserPatch(Input):
    full_name: str | None = Field(default=None, min_length=1, max_length=200)
    title: str | None = Field(default=None, max_length=200)
    email: EmailStr | None = None
    role: Role | None = None
    organization_id: Id | None = None
    language: Language | None = None
    is_active: bool | None = None


class UserOut(Output):
    id: int
    username: str
    full_name: str
    title: str
    email: str
    role: Role
    organization_id: Id
    language: Language
    is_active: bool
    created_at: datetime


class UserCreated(Output):
    user: UserOut
    initial_password: str | None = Field(
        description="Shown once when the password was generated; never stored in clear."
    )


class PasswordReset(Output):
    initial_password: str


class EndpointIn(Input):
    slug: str = Field(pattern=SLUG)
    name: str = Field(min_length=1, max_length=200)
    location: str = Field(default="", max_length=300)
    capacity: int = Field(default=0, ge=0, le=10_000)
    organization_id: Id
    operator_id: Id | None = None


class EndpointPatch(Input):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    location: str | None = Field(default=None, max_length=300)
    capacity: int | None = Field(default=None, ge=0, le=10_000)
    operator_id: Id | None = None
    is_active: bool | None = None


class EndpointOut(Output):
    id: int
    slug: str
    name: str
    location: str
    capacity: int
    organization_id: Id
    operator_id: int | None
    is_active: bool
