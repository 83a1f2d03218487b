"""Quorum and decision rules, in one place, configurable per meeting kind.

The defaults follow the Government's working regulation (Luật Tổ chức Chính phủ 2015 Art. 46,
Nghị định 39/2022/NĐ-CP): a session needs two thirds of the members; a decision needs more than
half of *all* members; the Prime Minister's (the chair's) vote breaks a tie. A member the chair let
be absent may send a deputy, who counts toward quorum but does not vote unless the kind allows it.

Everything here is pure: counts in, verdicts out. ``tests/test_rules.py`` is a table of cases.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any

from ..models import MeetingKind

AGREE, DISAGREE, ABSTAIN = "agree", "disagree", "abstain"
DEFAULT_OPTIONS = (AGREE, DISAGREE, ABSTAIN)


class DecisionBase(enum.StrEnum):
    ALL_MEMBERS = "all_members"  # more than the fraction of every member of the body
    PRESENT = "present"  # of the members present (in person, online, or represented)
    VOTING = "voting"  # of those who cast agree or disagree (abstentions do not count)


@dataclass(frozen=True)
class RuleSet:
    quorum: Fraction = Fraction(2, 3)
    deputies_count_for_quorum: bool = True
    deputies_may_vote: bool = False
    decision_base: DecisionBase = DecisionBase.ALL_MEMBERS
    majority: Fraction = Fraction(1, 2)  # strictly more than this share of the base
    chair_casting_vote: bool = True

    def describe(self) -> dict[str, Any]:
        data = asdict(self)
        data["quorum"] = str(self.quorum)
        data["majority"] = str(self.majority)
        data["decision_base"] = self.decision_base.value
        return data


RULES: Mapping[MeetingKind, RuleSet] = {
    MeetingKind.REGULAR: RuleSet(),
    MeetingKind.THEMATIC: RuleSet(),
    MeetingKind.ONLINE_LOCALITIES: RuleSet(
        quorum=Fraction(1, 2), decision_base=DecisionBase.PRESENT, deputies_may_vote=True
    ),
    MeetingKind.INTERNAL: RuleSet(
        quorum=Fraction(1, 2),
        decision_base=DecisionBase.VOTING,
        deputies_may_vote=True,
        chair_casting_vote=False,
    ),
}


def rules_for(kind: MeetingKind) -> RuleSet:
    return RULES[kind]


@dataclass(frozen=True)
class Attendance:
    """Counts of the *members* (voting seats) of a meeting."""

    members: int  # every member of the body (chair included)
    present: int  # members present in person or online
    represented: int  # absent members whose deputy is present


@dataclass(frozen=True)
class QuorumState:
    members: int
    counted: int
    required: int
    reached: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def required_for_quorum(rules: RuleSet, members: int) -> int:
    """The smallest whole number of members that is at least the quorum share."""
    share = rules.quorum * members
    return int(-(-share.numerator // share.denominator))  # ceiling


def quorum(rules: RuleSet, attendance: Attendance) -> QuorumState:
    counted = attendance.present + (
        attendance.represented if rules.deputies_count_for_quorum else 0
    )
    counted = min(counted, attendance.members)
    required = required_for_quorum(rules, attendance.members)
    return QuorumState(
        attendance.members, counted, required, attendance.members > 0 and counted >= required
    )


def may_vote(rules: RuleSet, *, is_deputy: bool) -> bool:
    return not is_deputy or rules.deputies_may_vote


class Outcome(enum.StrEnum):
    ADOPTED = "adopted"
    REJECTED = "rejected"
    NO_QUORUM = "no_quorum"


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    base: int
    needed: int  # agree votes needed (more than majority × base)
    agree: int
    disagree: int
    abstain: int
    casting_vote_used: bool

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["outcome"] = self.outcome.value
        return data


def needed_for_majority(rules: RuleSet, base: int) -> int:
    """Strictly more than ``majority`` × base: floor(share) + 1."""
    share = rules.majority * base
    return share.numerator // share.denominator + 1


def decide(
    rules: RuleSet,
    tally: Mapping[str, int],
    attendance: Attendance,
    *,
    chair_choice: str | None = None,
    quorum_reached: bool = True,
) -> Decision:
    """The verdict on a motion with the agree / disagree / abstain options.

    ``chair_choice`` is what the chair voted (None if not, or unknown as in a secret vote); it
    breaks an exact tie between agree and disagree when the kind gives the chair a casting vote.
    """
    agree, disagree = tally.get(AGREE, 0), tally.get(DISAGREE, 0)
    abstain = tally.get(ABSTAIN, 0)
    if rules.decision_base is DecisionBase.ALL_MEMBERS:
        base = attendance.members
    elif rules.decision_base is DecisionBase.PRESENT:
        base = min(attendance.members, attendance.present + attendance.represented)
    else:
        base = agree + disagree
    needed = needed_for_majority(rules, base)
    if not quorum_reached:
        return Decision(Outcome.NO_QUORUM, base, needed, agree, disagree, abstain, False)
    if agree >= needed and base > 0:
        return Decision(Outcome.ADOPTED, base, needed, agree, disagree, abstain, False)
    # A tie: exactly half of the base agrees (with the voting base: agree == disagree).
    tie = base > 0 and 2 * agree == base and rules.majority == Fraction(1, 2)
    if rules.chair_casting_vote and tie and chair_choice == AGREE:
        return Decision(Outcome.ADOPTED, base, needed, agree, disagree, abstain, True)
    return Decision(Outcome.REJECTED, base, needed, agree, disagree, abstain, False)
