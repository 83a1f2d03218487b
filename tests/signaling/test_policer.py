"""The ingest policer's rules (signaling/sfu/policer.py), on a simulated clock."""

from __future__ import annotations

import pytest

from signaling.sfu.policer import IngestBudget, IngestPolicer, IngestPolicy, Step

BUDGET = IngestBudget(packets=100, bitrate=800_000)
POLICY = IngestPolicy(video=BUDGET, audio=BUDGET, abuse_factor=3.0, abuse_after=3)


def run(policer: IngestPolicer, seconds: float, pps: int, per_frame: int, size: int = 500):
    """Feed ``pps`` packets/s in frames of ``per_frame`` packets; returns admitted packets,
    whole frames admitted and broken frames (some packets in, some out), and the steps seen."""
    admitted, frames, broken, steps = 0, 0, 0, []
    t = policer._last
    total = int(seconds * pps)
    for start in range(0, total, per_frame):
        verdicts = []
        for i in range(per_frame):
            t += 1 / pps
            verdicts.append(policer.admit(size, i == 0, t))
            if policer.step is not Step.NONE:
                steps.append(policer.step)
                policer.step = Step.NONE
        admitted += sum(verdicts)
        frames += all(verdicts)
        broken += any(verdicts) and not all(verdicts)
        del start
    return admitted, frames, broken, steps


def test_a_publisher_within_its_budget_loses_nothing() -> None:
    policer = IngestPolicer(BUDGET, POLICY, now=0.0)
    admitted, _, _, steps = run(policer, 10, pps=80, per_frame=2, size=1000)
    assert admitted == 800
    assert steps == []


def test_ten_times_the_budget_is_capped_dropped_whole_frames_then_disconnected() -> None:
    policer = IngestPolicer(BUDGET, POLICY, now=0.0)
    admitted, frames, broken, steps = run(policer, 2.9, pps=1000, per_frame=4)
    # About the budget passes (one second of tokens to start with, then 100 packets/s).
    assert 200 <= admitted <= 100 + 2.9 * 100 + 4
    assert broken == 0  # a frame passes whole or not at all
    assert frames * 4 == admitted
    assert steps[0] is Step.CAP
    *_, more = run(policer, 1.5, pps=1000, per_frame=4)
    assert Step.DISCONNECT in more  # the third abusive second in a row
    assert policer.dropped > 0


def test_over_budget_but_not_abusive_is_capped_and_uncapped_never_disconnected() -> None:
    policer = IngestPolicer(BUDGET, POLICY, now=0.0)
    *_, steps = run(policer, 6, pps=150, per_frame=1)  # 1.5 x the budget: over, not abuse
    assert steps == [Step.CAP]
    *_, steps = run(policer, 3, pps=50, per_frame=1)
    assert steps == [Step.UNCAP]


def test_a_budget_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        IngestBudget(packets=0, bitrate=1)
