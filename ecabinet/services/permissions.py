"""Permissions: one list, one table from role to permissions. Handlers never compare roles."""

from __future__ import annotations

import enum

from ..models import Role


class Permission(enum.StrEnum):
    ORGANIZATION_MANAGE = "organization.manage"
    USER_MANAGE = "user.manage"
    ENDPOINT_MANAGE = "endpoint.manage"
    DIRECTORY_VIEW = "directory.view"
    AUDIT_VIEW = "audit.view"
    MEETING_SCHEDULE = "meeting.schedule"
    SIGNER_CERTIFICATE_ISSUE = "signer_certificate.issue"
    SIGNING_REQUEST = "signing.request"
    TASK_OVERSEE = "task.oversee"  # see every follow-up task and the dashboard of all
    MINUTES_WRITE = "minutes.write"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(
        {
            Permission.ORGANIZATION_MANAGE,
            Permission.USER_MANAGE,
            Permission.ENDPOINT_MANAGE,
            Permission.DIRECTORY_VIEW,
            Permission.AUDIT_VIEW,
            Permission.SIGNER_CERTIFICATE_ISSUE,
            Permission.SIGNING_REQUEST,
            Permission.TASK_OVERSEE,
        }
    ),
    Role.SECRETARY: frozenset(
        {
            Permission.DIRECTORY_VIEW,
            Permission.MEETING_SCHEDULE,
            Permission.SIGNING_REQUEST,
            Permission.TASK_OVERSEE,
            Permission.MINUTES_WRITE,
        }
    ),
    Role.MEMBER: frozenset({Permission.DIRECTORY_VIEW}),
    Role.DELEGATE: frozenset(),
    Role.OPERATOR: frozenset(),
}


def permissions_of(role: Role) -> frozenset[Permission]:
    return ROLE_PERMISSIONS[role]
