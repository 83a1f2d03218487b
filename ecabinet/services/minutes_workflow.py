"""The minutes' approval workflow as one explicit table (pure: no database, no clock).

    draft ─send_for_review─▶ in_review ─approve─▶ approved_for_signature ─sign─▶ signing
      ▲                         │                      │                            │ (sign)
      │                         │                      ├── sign_last ──▶ final ◀────┤ sign_last
      └───────── save ──────────┴────── save ──────────┴────────── save ────────────┘

Saving always makes a new version; in ``approved_for_signature`` and ``signing`` it also voids
the open signing round (its signatures stay on record as void). Nothing leaves ``final``.
"""

from __future__ import annotations

import enum

from ..errors import Conflict
from ..models import MinutesStatus

S = MinutesStatus


class Event(enum.StrEnum):
    SAVE = "save"
    SEND_FOR_REVIEW = "send_for_review"
    COMMENT = "comment"
    APPROVE = "approve"
    SIGN = "sign"  # a signature that is not the last
    SIGN_LAST = "sign_last"  # the chair's, last: the minutes become final


TRANSITIONS: dict[tuple[MinutesStatus, Event], MinutesStatus] = {
    (S.DRAFT, Event.SAVE): S.DRAFT,
    (S.DRAFT, Event.SEND_FOR_REVIEW): S.IN_REVIEW,
    (S.IN_REVIEW, Event.SAVE): S.DRAFT,
    (S.IN_REVIEW, Event.SEND_FOR_REVIEW): S.IN_REVIEW,  # more reviewers for the same version
    (S.IN_REVIEW, Event.COMMENT): S.IN_REVIEW,
    (S.IN_REVIEW, Event.APPROVE): S.APPROVED_FOR_SIGNATURE,
    (S.APPROVED_FOR_SIGNATURE, Event.SAVE): S.DRAFT,
    (S.APPROVED_FOR_SIGNATURE, Event.SIGN): S.SIGNING,
    (S.APPROVED_FOR_SIGNATURE, Event.SIGN_LAST): S.FINAL,
    (S.SIGNING, Event.SAVE): S.DRAFT,
    (S.SIGNING, Event.SIGN): S.SIGNING,
    (S.SIGNING, Event.SIGN_LAST): S.FINAL,
}

# A save in these states voids the open signing round.
VOIDS_ROUND = frozenset({S.APPROVED_FOR_SIGNATURE, S.SIGNING})

REFUSAL_CODES: dict[Event, str] = {
    Event.SAVE: "minutes_final",
    Event.SEND_FOR_REVIEW: "minutes_not_draft",
    Event.COMMENT: "minutes_not_in_review",
    Event.APPROVE: "minutes_not_in_review",
    Event.SIGN: "minutes_not_signing",
    Event.SIGN_LAST: "minutes_not_signing",
}


def allowed(status: MinutesStatus, event: Event) -> bool:
    return (status, event) in TRANSITIONS


def next_status(status: MinutesStatus, event: Event) -> MinutesStatus:
    """The status after ``event``, or ``409`` with a stable code if the workflow forbids it."""
    try:
        return TRANSITIONS[(status, event)]
    except KeyError:
        code = "minutes_final" if status is S.FINAL else REFUSAL_CODES[event]
        raise Conflict(
            f"The minutes are {status.value}: '{event.value}' is not possible now.", code=code
        ) from None
