"""Who is shown in which slot: floor, chair, active speaker, mutes, the chair's thumbnail grid."""

from __future__ import annotations

from signaling.sfu.layout import (
    ParticipantKind,
    Quality,
    RoomView,
    SlotPlan,
    SpeakerDetector,
    assign_slots,
    quality_demand,
    slot_sources,
)

ENDPOINT = SlotPlan.for_kind(ParticipantKind.ENDPOINT)
CONSOLE = SlotPlan.for_kind(ParticipantKind.CONSOLE, thumbnails=4)


def national_view(**changes) -> RoomView:
    sites = tuple(f"site{i}" for i in range(10))
    everyone = ("chair", *sites)
    values = dict(
        participants=everyone,
        video_publishers=frozenset(everyone),
        audio_publishers=frozenset(everyone),
        muted=frozenset(sites),
        floor="site3",
        chair="chair",
    )
    values.update(changes)
    return RoomView(**values)


def test_everyone_sees_the_floor_holder_in_main_and_the_chair_second() -> None:
    slots = assign_slots(national_view(), "site7", ENDPOINT.video, ENDPOINT.audio, {})
    assert slots["main"] == "site3" and slots["second"] == "chair"
    # audio: only the unmuted (chair) — site3 is muted until the chair unmutes it
    assert slots["audio0"] == "chair" and slots["audio1"] is None


def test_floor_holder_sees_the_chair_in_main_never_itself() -> None:
    view = national_view(muted=frozenset())
    slots = assign_slots(view, "site3", ENDPOINT.video, ENDPOINT.audio, {})
    assert slots["main"] == "chair" and "site3" not in slots.values()


def test_audio_slots_keep_their_source_when_others_join() -> None:
    view = national_view(muted=frozenset(), speakers=("site5",))
    before = {"audio0": None, "audio1": "site5", "audio2": None}
    slots = assign_slots(view, "site7", ENDPOINT.video, ENDPOINT.audio, before)
    assert slots["audio1"] == "site5"  # unchanged slot: no switch for the listener
    assert {slots["audio0"], slots["audio2"]} == {"site3", "chair"}


def test_chair_console_pages_through_all_sites_as_thumbnails() -> None:
    view = national_view()
    page0 = assign_slots(view, "chair", CONSOLE.video, CONSOLE.audio, {}, thumbnail_page=0)
    page2 = assign_slots(view, "chair", CONSOLE.video, CONSOLE.audio, {}, thumbnail_page=2)
    assert [page0[f"thumb{i}"] for i in range(4)] == ["site0", "site1", "site2", "site3"]
    assert [page2[f"thumb{i}"] for i in range(4)] == ["site8", "site9", None, None]


def test_sources_nobody_watches_at_full_quality_are_asked_for_thumbnail_or_nothing() -> None:
    view = national_view()
    assignments = {
        p: assign_slots(view, p, ENDPOINT.video, ENDPOINT.audio, {})
        for p in view.participants
        if p != "chair"
    }
    assignments["chair"] = assign_slots(view, "chair", CONSOLE.video, CONSOLE.audio, {})
    demand = quality_demand(assignments, view.video_publishers)
    assert demand["site3"] is Quality.FULL and demand["chair"] is Quality.FULL
    assert demand["site1"] is Quality.THUMBNAIL  # on the chair's grid page
    assert demand["site9"] is Quality.NONE  # on no page being looked at


def test_active_speaker_needs_sustained_loudness_and_ignores_the_muted() -> None:
    detector = SpeakerDetector()
    now = 0.0
    for step in range(20):
        now = step * 0.02
        detector.add("a", 30, now)  # speech at -30 dBov
        detector.add("b", 127, now)  # silence
        detector.add("m", 10, now)  # very loud, but muted
    assert detector.tick(now, muted={"m"}) is None  # first win: not yet (hysteresis)
    assert detector.tick(now + 0.01, muted={"m"}) == "a"
    assert detector.tick(now + 0.02, muted={"m"}) is None  # unchanged
    assert list(detector.recent) == ["a"]


def test_a_screen_share_takes_main_and_the_speaker_stays_in_second() -> None:
    view = national_view(screen="site5")  # site3 holds the floor, site5 shares its screen
    slots = assign_slots(view, "site7", ENDPOINT.video, ENDPOINT.audio, {})
    sources = slot_sources(view, "site7", slots)
    assert (slots["main"], sources["main"]) == ("site5", "screen")
    assert (slots["second"], sources["second"]) == ("site3", "video")  # the speaker's camera
    assert sources["audio0"] == "audio"
    # Without a floor holder or speaker, the sharer's own camera goes beside its screen.
    quiet = national_view(screen="site5", floor=None)
    slots = assign_slots(quiet, "site7", ENDPOINT.video, ENDPOINT.audio, {})
    assert slots["main"] == slots["second"] == "site5"
    assert slot_sources(quiet, "site7", slots)["second"] == "video"
    # The sharer never sees its own screen; the chair's grid keeps showing cameras.
    own = assign_slots(view, "site5", ENDPOINT.video, ENDPOINT.audio, {})
    assert own["main"] == "site3" and slot_sources(view, "site5", own)["main"] == "video"
    console = assign_slots(view, "chair", CONSOLE.video, CONSOLE.audio, {})
    console_sources = slot_sources(view, "chair", console)
    assert console_sources["main"] == "screen"
    assert {console_sources[f"thumb{i}"] for i in range(4)} == {"video"}


def test_a_shown_screen_asks_nothing_of_the_sharers_camera() -> None:
    view = national_view(screen="site5", floor=None, chair=None, participants=("site5", "site6"))
    assignments = {p: assign_slots(view, p, ("main",), (), {}) for p in ("site5", "site6")}
    sources = {p: slot_sources(view, p, a) for p, a in assignments.items()}
    assert assignments["site6"]["main"] == "site5"
    demand = quality_demand(assignments, ["site5", "site6"], sources)
    assert demand["site5"] is Quality.NONE  # only its screen is on anyone's screen
    assert demand["site6"] is Quality.FULL  # site5 sees site6's camera
