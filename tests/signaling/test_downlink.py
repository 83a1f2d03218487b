"""The per-subscriber bandwidth rules: estimate from REMB and receiver reports, and the
priority split (audio, main, second, thumbnails) with a hold before each step up."""

from __future__ import annotations

import pytest

from signaling.sfu.downlink import (
    AUDIO_RESERVE_BPS,
    HOLD_INITIAL,
    HOLD_MAX,
    DownlinkControl,
    DownlinkEstimate,
    OctetRate,
    allocate,
    priority,
)

CONSOLE = {"main": 1_500_000, "second": 1_500_000, "thumb0": 150_000, "thumb1": 150_000}
STAGE = {"main": 1_500_000, "second": 1_500_000}  # a browser's or a room's layout


def test_priority_is_main_second_then_thumbnails_in_page_order() -> None:
    assert priority(["thumb10", "thumb2", "second", "main", "thumb0"]) == [
        "main",
        "second",
        "thumb0",
        "thumb2",
        "thumb10",
    ]


@pytest.mark.parametrize(
    ("budget", "on"),
    [
        (10_000_000, ("main", "second", "thumb0", "thumb1")),
        (3_700_000, ("main", "second", "thumb0")),  # thumbnails go first
        (3_500_000, ("main", "second")),
        (2_000_000, ("main", "thumb0")),  # then the second video (a thumbnail takes the rest)
        (1_000_000, ("thumb0", "thumb1")),  # then the main: the sites' thumbnails still fit
        (200_000, ()),  # then every video: audio and the presented page only
    ],
)
def test_thumbnails_go_first_then_the_second_then_the_main(budget: int, on: tuple) -> None:
    allocation = allocate(budget, 3, CONSOLE)
    assert allocation.on == on
    assert set(allocation.on) | set(allocation.paused) == set(CONSOLE)
    assert allocation.audio_only is (not on)


def test_audio_is_a_reserve_never_cut_and_no_video_means_no_audio_only_notice() -> None:
    # a link that carries nothing but audio still keeps every audio slot: only video is planned
    assert allocate(AUDIO_RESERVE_BPS, 3, CONSOLE).on == ()
    assert allocate(1_000, 3, {}).audio_only is False  # nothing shown: nothing to miss


def test_a_lower_slot_gets_only_what_the_higher_ones_leave() -> None:
    # the main video does not fit; a smaller thumbnail still does (better than no picture)
    allocation = allocate(1_000_000, 1, {"main": 1_500_000, "thumb0": 100_000})
    assert allocation.on == ("thumb0",) and allocation.paused == ("main",)
    assert not allocation.audio_only
    # ... but never at the expense of a higher one
    allocation = allocate(2_000_000, 1, {"main": 1_500_000, "second": 400_000, "thumb0": 90_000})
    assert allocation.on == ("main", "thumb0") and allocation.paused == ("second",)


def test_loss_above_ten_percent_brings_the_estimate_down_to_what_got_through() -> None:
    estimate = DownlinkEstimate(bps=5_000_000)
    estimate.on_report(fraction_lost=64, rtt=0.2, now=10.0)  # 25 %
    assert estimate.update(sending_bps=2_000_000, now=10.0) is True
    assert estimate.bps == pytest.approx(2_000_000 * (1 - 0.125))
    assert estimate.loss == pytest.approx(0.25) and estimate.rtt == pytest.approx(0.2)


def test_a_remb_below_what_is_sent_twice_in_a_row_is_a_ceiling() -> None:
    estimate = DownlinkEstimate(bps=5_000_000)
    estimate.on_report(fraction_lost=0, rtt=0.05, now=0.0)
    estimate.on_remb(600_000, now=0.5)
    estimate.update(sending_bps=2_000_000, now=0.5)
    assert estimate.update(sending_bps=2_000_000, now=0.9) is False  # no loss, no queue: a lag
    estimate.on_report(fraction_lost=0, rtt=0.4, now=0.9)  # the queue builds
    estimate.on_report(fraction_lost=0, rtt=0.4, now=0.95)
    estimate.on_remb(600_000, now=1.0)
    assert estimate.update(sending_bps=2_000_000, now=1.0) is False  # one dip: a lagging host
    estimate.on_remb(2_500_000, now=1.5)
    assert estimate.update(sending_bps=2_000_000, now=2.0) is False  # and it recovered
    estimate.on_remb(600_000, now=2.5)
    assert estimate.update(sending_bps=2_000_000, now=3.0) is False
    assert estimate.update(sending_bps=2_000_000, now=4.0) is True
    assert estimate.bps == 600_000


def test_a_remb_at_or_above_what_is_sent_lets_the_estimate_grow_eight_percent_a_second() -> None:
    estimate = DownlinkEstimate(bps=500_000)
    estimate.update(sending_bps=100_000, now=0.0)
    estimate.on_remb(160_000, now=0.5)  # 1.5× what it receives: a receiver saying "fine"
    estimate.on_report(fraction_lost=0, rtt=None, now=0.5)
    assert estimate.update(sending_bps=100_000, now=1.0) is False
    assert estimate.bps == pytest.approx(500_000 * 1.08 * 1.08)  # initial update counted 1 s


def test_moderate_loss_holds_the_estimate() -> None:
    estimate = DownlinkEstimate(bps=1_000_000)
    estimate.on_report(fraction_lost=13, rtt=None, now=0.0)  # 5 %
    assert estimate.update(sending_bps=900_000, now=0.0) is False
    assert estimate.bps == 1_000_000


def test_stale_reports_count_for_nothing() -> None:
    estimate = DownlinkEstimate(bps=1_000_000)
    estimate.on_remb(100_000, now=0.0)
    estimate.on_report(fraction_lost=200, rtt=None, now=0.0)
    assert estimate.update(sending_bps=900_000, now=10.0) is False


def _tick(control: DownlinkControl, now: float, sending: float) -> tuple[str, ...]:
    return control.tick(sending, 3, STAGE, now).on


def test_steps_up_one_slot_at_a_time_after_the_hold_and_backs_off_when_a_step_fails() -> None:
    control = DownlinkControl()
    assert _tick(control, 0.0, 0) == tuple(STAGE)  # unknown link: everything on
    control.estimate.on_remb(2_000_000, now=1.0)  # a 2 Mbit/s link ...
    control.estimate.on_report(13, 0.05, now=1.0)  # ... that loses 5 %
    assert _tick(control, 1.0, 3_300_000) == tuple(STAGE)  # one low REMB: not yet
    assert _tick(control, 1.0, 3_300_000) == ("main",)  # it persists: down at once
    # quiet (REMB ~1.5× what it gets, no loss): the estimate grows, but steps wait for the hold
    now, sending = 1.0, 1_500_000.0
    steps: list[tuple[float, tuple[str, ...]]] = []
    while now < 15.0 and not steps:
        now += 0.5
        control.estimate.on_remb(sending * 1.5, now)
        control.estimate.on_report(0, 0.05, now)
        on = _tick(control, now, sending)
        if on != ("main",):
            steps.append((now, on))
    assert steps and steps[0][0] >= 1.0 + HOLD_INITIAL
    assert steps[0][1] == ("main", "second")
    # the step up congests the link: back to main, and the next try waits twice as long
    now += 0.5
    control.estimate.on_remb(1_900_000, now)
    control.estimate.on_report(13, 0.05, now)
    _tick(control, now, 3_100_000)
    assert _tick(control, now + 0.5, 3_100_000) == ("main",)
    assert control.hold == 2 * HOLD_INITIAL


def test_the_hold_is_bounded_and_forgotten_after_a_long_quiet_spell() -> None:
    control = DownlinkControl()
    _tick(control, 0.0, 0)
    now = 0.0
    for _ in range(10):  # every step up fails
        now += 0.5
        control.estimate.on_remb(100_000, now)
        control.estimate.on_report(13, None, now)
        _tick(control, now, 3_300_000)
        control._stepped_up_at = now  # as if it had just stepped up
    assert control.hold == HOLD_MAX
    for _ in range(3 * int(HOLD_MAX)):  # (each step up starts the quiet spell again)
        now += 1.0
        control.estimate.on_remb(10_000_000, now)
        control.estimate.on_report(0, None, now)
        _tick(control, now, 0)
    assert control.hold == HOLD_INITIAL


def test_a_site_that_cannot_carry_the_main_video_is_told_it_is_audio_only() -> None:
    control = DownlinkControl()
    _tick(control, 0.0, 0)
    control.estimate.on_remb(400_000, now=1.0)
    control.estimate.on_report(13, None, now=1.0)
    control.tick(3_300_000, 3, STAGE, 1.0)
    allocation = control.tick(3_300_000, 3, STAGE, 2.0)
    assert allocation.on == () and allocation.audio_only
    assert set(allocation.paused) == set(STAGE)


def test_octet_rate_is_bits_per_second_since_the_last_sample() -> None:
    since_zero = OctetRate()
    assert since_zero.sample(12_500, 1.0) == 100_000  # counted from 0
    assert since_zero.sample(25_000, 0.5) == 200_000
    starts = OctetRate(last=None)
    assert starts.sample(99_999, 1.0) == 0  # the first sample only starts the count
    assert starts.sample(100_124, 1.0) == 1_000
