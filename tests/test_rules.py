"""Quorum and decision rules as a table of cases (Luật Tổ chức Chính phủ Art. 46, NĐ 39/2022)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from ecabinet.models import MeetingKind
from ecabinet.services.rules import (
    Attendance,
    DecisionBase,
    Outcome,
    RuleSet,
    decide,
    may_vote,
    quorum,
    rules_for,
)

GOV = rules_for(MeetingKind.REGULAR)
NO_DEPUTIES = RuleSet(deputies_count_for_quorum=False)
VOTING = RuleSet(decision_base=DecisionBase.VOTING)
PRESENT = RuleSet(decision_base=DecisionBase.PRESENT)
NO_CASTING = RuleSet(chair_casting_vote=False)
TWO_THIRDS = RuleSet(majority=Fraction(2, 3))

QUORUM_CASES = [
    # rules, members, present, represented → counted, required, reached
    ("27 members, 18 present is two thirds", GOV, 27, 18, 0, 18, 18, True),
    ("27 members, 17 present is short", GOV, 27, 17, 0, 17, 18, False),
    ("deputies count toward quorum", GOV, 27, 15, 3, 18, 18, True),
    ("deputies do not count when the kind says so", NO_DEPUTIES, 27, 15, 3, 15, 18, False),
    ("two thirds of 10 rounds up to 7", GOV, 10, 7, 0, 7, 7, True),
    ("6 of 10 is short of two thirds", GOV, 10, 6, 0, 6, 7, False),
    (
        "half quorum for provincial online meetings",
        rules_for(MeetingKind.ONLINE_LOCALITIES),
        63,
        32,
        0,
        32,
        32,
        True,
    ),
    ("nobody invited: no quorum", GOV, 0, 0, 0, 0, 0, False),
    ("counted never exceeds members", GOV, 3, 3, 2, 3, 2, True),
]


@pytest.mark.parametrize(
    ("name", "rules", "members", "present", "represented", "counted", "required", "reached"),
    QUORUM_CASES,
    ids=[c[0] for c in QUORUM_CASES],
)
def test_quorum(
    name: str,
    rules: RuleSet,
    members: int,
    present: int,
    represented: int,
    counted: int,
    required: int,
    reached: bool,
) -> None:
    state = quorum(rules, Attendance(members, present, represented))
    assert (state.counted, state.required, state.reached) == (counted, required, reached)


DECISION_CASES = [
    # rules, members, present, agree, disagree, abstain, chair, quorum → outcome, casting used
    (
        "more than half of all members adopts",
        GOV,
        27,
        20,
        14,
        5,
        1,
        None,
        True,
        Outcome.ADOPTED,
        False,
    ),
    (
        "a majority of those voting is not enough",
        GOV,
        27,
        20,
        13,
        5,
        2,
        None,
        True,
        Outcome.REJECTED,
        False,
    ),
    (
        "a tie at half of all members: the chair's side wins",
        GOV,
        26,
        26,
        13,
        13,
        0,
        "agree",
        True,
        Outcome.ADOPTED,
        True,
    ),
    (
        "a tie with the chair against: rejected",
        GOV,
        26,
        26,
        13,
        13,
        0,
        "disagree",
        True,
        Outcome.REJECTED,
        False,
    ),
    (
        "a tie without a casting vote: rejected",
        NO_CASTING,
        26,
        26,
        13,
        13,
        0,
        "agree",
        True,
        Outcome.REJECTED,
        False,
    ),
    (
        "the chair cannot break a non-tie",
        GOV,
        26,
        26,
        12,
        14,
        0,
        "agree",
        True,
        Outcome.REJECTED,
        False,
    ),
    (
        "majority of votes cast ignores abstentions",
        VOTING,
        27,
        20,
        8,
        7,
        5,
        None,
        True,
        Outcome.ADOPTED,
        False,
    ),
    (
        "voting base: tie broken by the chair",
        VOTING,
        27,
        20,
        8,
        8,
        4,
        "agree",
        True,
        Outcome.ADOPTED,
        True,
    ),
    (
        "voting base: nobody voted: rejected",
        VOTING,
        27,
        20,
        0,
        0,
        20,
        None,
        True,
        Outcome.REJECTED,
        False,
    ),
    (
        "present base: more than half of 20 present",
        PRESENT,
        27,
        20,
        11,
        9,
        0,
        None,
        True,
        Outcome.ADOPTED,
        False,
    ),
    (
        "present base: exactly half is not more",
        PRESENT,
        27,
        20,
        10,
        10,
        0,
        None,
        True,
        Outcome.REJECTED,
        False,
    ),
    (
        "two-thirds majority: 18 of 27 is not more",
        TWO_THIRDS,
        27,
        27,
        18,
        9,
        0,
        None,
        True,
        Outcome.REJECTED,
        False,
    ),
    (
        "two-thirds majority: 19 of 27 adopts",
        TWO_THIRDS,
        27,
        27,
        19,
        8,
        0,
        None,
        True,
        Outcome.ADOPTED,
        False,
    ),
    (
        "no quorum: no decision whatever the votes",
        GOV,
        27,
        10,
        10,
        0,
        0,
        None,
        False,
        Outcome.NO_QUORUM,
        False,
    ),
]


@pytest.mark.parametrize(
    (
        "name",
        "rules",
        "members",
        "present",
        "agree",
        "disagree",
        "abstain",
        "chair",
        "quorum_ok",
        "outcome",
        "casting",
    ),
    DECISION_CASES,
    ids=[c[0] for c in DECISION_CASES],
)
def test_decision(
    name: str,
    rules: RuleSet,
    members: int,
    present: int,
    agree: int,
    disagree: int,
    abstain: int,
    chair: str | None,
    quorum_ok: bool,
    outcome: Outcome,
    casting: bool,
) -> None:
    tally = {"agree": agree, "disagree": disagree, "abstain": abstain}
    decision = decide(
        rules, tally, Attendance(members, present, 0), chair_choice=chair, quorum_reached=quorum_ok
    )
    assert (decision.outcome, decision.casting_vote_used) == (outcome, casting)


@pytest.mark.parametrize(
    ("kind", "deputy_votes"),
    [
        (MeetingKind.REGULAR, False),
        (MeetingKind.THEMATIC, False),
        (MeetingKind.ONLINE_LOCALITIES, True),
        (MeetingKind.INTERNAL, True),
    ],
)
def test_deputy_vote_right_per_meeting_kind(kind: MeetingKind, deputy_votes: bool) -> None:
    assert may_vote(rules_for(kind), is_deputy=True) is deputy_votes
    assert may_vote(rules_for(kind), is_deputy=False) is True
