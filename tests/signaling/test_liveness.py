"""The silence rule (signaling/sfu/liveness.py): a participant from which no authenticated
packet arrived for ``silent_after`` seconds is silent; packets again clear it."""

from __future__ import annotations

from signaling.sfu.liveness import SilenceWatch


def test_a_peer_silent_for_the_limit_is_reported_once_and_cleared_when_heard_again() -> None:
    watch = SilenceWatch(silent_after=2.5)
    assert watch.check(0.0, {"p1": 10, "p2": 4}) == []
    assert watch.check(1.0, {"p1": 20, "p2": 4}) == []
    assert watch.check(2.4, {"p1": 30, "p2": 4}) == []
    assert watch.check(2.5, {"p1": 40, "p2": 4}) == [("p2", True)]
    assert watch.silent("p2") and not watch.silent("p1")
    assert watch.check(3.0, {"p1": 50, "p2": 4}) == []  # said once
    assert watch.check(3.5, {"p1": 50, "p2": 5}) == [("p2", False)]
    assert not watch.silent("p2")


def test_a_participant_gone_from_the_room_is_forgotten() -> None:
    watch = SilenceWatch(silent_after=1.0)
    watch.check(0.0, {"p1": 1})
    assert watch.check(5.0, {}) == []
    assert watch.check(6.0, {"p1": 1}) == []  # a new connection starts afresh
    assert not watch.silent("p1")
