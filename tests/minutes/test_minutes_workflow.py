"""The approval workflow as a table: every (status, event) pair is either the listed transition
or refused with the stable code."""

from __future__ import annotations

import pytest

from ecabinet.errors import Conflict
from ecabinet.models import MinutesStatus as S
from ecabinet.services.minutes_workflow import VOIDS_ROUND, allowed, next_status
from ecabinet.services.minutes_workflow import Event as E

EXPECTED: dict[tuple[S, E], S | str] = {
    (S.DRAFT, E.SAVE): S.DRAFT,
    (S.DRAFT, E.SEND_FOR_REVIEW): S.IN_REVIEW,
    (S.DRAFT, E.COMMENT): "minutes_not_in_review",
    (S.DRAFT, E.APPROVE): "minutes_not_in_review",
    (S.DRAFT, E.SIGN): "minutes_not_signing",
    (S.DRAFT, E.SIGN_LAST): "minutes_not_signing",
    (S.IN_REVIEW, E.SAVE): S.DRAFT,
    (S.IN_REVIEW, E.SEND_FOR_REVIEW): S.IN_REVIEW,
    (S.IN_REVIEW, E.COMMENT): S.IN_REVIEW,
    (S.IN_REVIEW, E.APPROVE): S.APPROVED_FOR_SIGNATURE,
    (S.IN_REVIEW, E.SIGN): "minutes_not_signing",
    (S.IN_REVIEW, E.SIGN_LAST): "minutes_not_signing",
    (S.APPROVED_FOR_SIGNATURE, E.SAVE): S.DRAFT,
    (S.APPROVED_FOR_SIGNATURE, E.SEND_FOR_REVIEW): "minutes_not_draft",
    (S.APPROVED_FOR_SIGNATURE, E.COMMENT): "minutes_not_in_review",
    (S.APPROVED_FOR_SIGNATURE, E.APPROVE): "minutes_not_in_review",
    (S.APPROVED_FOR_SIGNATURE, E.SIGN): S.SIGNING,
    (S.APPROVED_FOR_SIGNATURE, E.SIGN_LAST): S.FINAL,
    (S.SIGNING, E.SAVE): S.DRAFT,
    (S.SIGNING, E.SEND_FOR_REVIEW): "minutes_not_draft",
    (S.SIGNING, E.COMMENT): "minutes_not_in_review",
    (S.SIGNING, E.APPROVE): "minutes_not_in_review",
    (S.SIGNING, E.SIGN): S.SIGNING,
    (S.SIGNING, E.SIGN_LAST): S.FINAL,
    **{(S.FINAL, event): "minutes_final" for event in E},
}


def test_the_table_covers_every_pair() -> None:
    assert set(EXPECTED) == {(s, e) for s in S for e in E}


@pytest.mark.parametrize(("status", "event"), sorted(EXPECTED, key=str))
def test_transition(status: S, event: E) -> None:
    expected = EXPECTED[(status, event)]
    if isinstance(expected, S):
        assert allowed(status, event)
        assert next_status(status, event) is expected
    else:
        assert not allowed(status, event)
        with pytest.raises(Conflict) as refused:
            next_status(status, event)
        assert refused.value.code == expected


def test_only_a_save_after_approval_voids_the_round() -> None:
    assert VOIDS_ROUND == {S.APPROVED_FOR_SIGNATURE, S.SIGNING}
