"""Server-chosen layout: which participant feeds which slot of which subscriber.

Each participant receives a fixed set of slots negotiated once at join (one m-line each):
``main`` and ``second`` video, ``audio0..audio2``, and on the chair's console ``thumb0..`` (a
paged grid of all sites). The server decides the source of every slot from the room state —
floor holder, active speaker and the last speakers (from the RTP audio-level header, no
decoding), the chair, mutes — so the cost grows with participants × slots, not participants².

Everything here is pure (no aiortc, no I/O) so the rules are tested on their own.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

MAIN = "main"
SECOND = "second"
VIDEO_SLOTS = (MAIN, SECOND)
# A participant's publications ("sources"): microphone, camera, and a shared screen.
AUDIO = "audio"
CAMERA = "video"
SCREEN = "screen"
MAX_AUDIO_SLOTS = 3
LAST_N_SPEAKERS = 5


class ParticipantKind(enum.StrEnum):
    """What joins: a site's room system, a person's browser, or the chair's console."""

    ENDPOINT = "endpoint"
    BROWSER = "browser"
    CONSOLE = "console"  # the chair's console: also a paged grid of thumbnails


class Quality(enum.StrEnum):
    """What a publisher is asked to send (through signaling) for its camera."""

    FULL = "full"  # someone shows it in a main/second slot
    THUMBNAIL = "thumbnail"  # only the chair's grid shows it
    NONE = "none"  # nobody shows it: send no video


@dataclass(frozen=True)
class SlotPlan:
    video: tuple[str, ...]
    audio: tuple[str, ...]

    @classmethod
    def for_kind(cls, kind: ParticipantKind, thumbnails: int = 0) -> SlotPlan:
        video = VIDEO_SLOTS
        if kind is ParticipantKind.CONSOLE:
            video = video + tuple(f"thumb{i}" for i in range(thumbnails))
        return cls(video=video, audio=tuple(f"audio{i}" for i in range(MAX_AUDIO_SLOTS)))


@dataclass(frozen=True)
class RoomView:
    """A snapshot of what the layout depends on."""

    participants: tuple[str, ...]  # join order
    video_publishers: frozenset[str]
    audio_publishers: frozenset[str]
    muted: frozenset[str] = frozenset()
    floor: str | None = None
    chair: str | None = None
    speakers: tuple[str, ...] = ()  # most recent first; speakers[0] is the active speaker
    screen: str | None = None  # whose screen share is on (it publishes a screen source)

    def sharing_for(self, subscriber: str) -> str | None:
        """Whose screen ``subscriber`` is shown (never its own share)."""
        return self.screen if self.screen not in (None, subscriber) else None


def _first(
    candidates: Iterable[str | None], allowed: Iterable[str], exclude: set[str]
) -> str | None:
    allowed_set = set(allowed)
    for candidate in candidates:
        if candidate is not None and candidate in allowed_set and candidate not in exclude:
            return candidate
    return None


def assign_slots(
    view: RoomView,
    subscriber: str,
    video_slots: tuple[str, ...],
    audio_slots: tuple[str, ...],
    previous: Mapping[str, str | None],
    thumbnail_page: int = 0,
) -> dict[str, str | None]:
    """The source participant for each slot of ``subscriber`` (None: the slot is idle)."""
    result: dict[str, str | None] = {}
    publishers = view.video_publishers
    others = [p for p in view.participants if p != subscriber]
    sharer = view.sharing_for(subscriber)
    # main: a shared screen; else whoever has the floor, the active speaker, the chair, anyone
    if MAIN in video_slots and sharer is not None:
        result[MAIN] = sharer  # its screen source (see slot_sources)
    elif MAIN in video_slots:
        result[MAIN] = _first(
            (view.floor, *view.speakers, view.chair, *others), publishers, {subscriber}
        )
    # second, while a screen is shared: the camera of the speaker (floor, active speaker), else
    # of the sharer, the chair, anyone — the sharer's camera may sit beside its own screen
    if SECOND in video_slots and sharer is not None:
        result[SECOND] = _first(
            (view.floor, *view.speakers, sharer, view.chair, *others), publishers, {subscriber}
        )
    elif SECOND in video_slots:
        result[SECOND] = _first(
            (view.chair, view.floor, *view.speakers, *others),
            publishers,
            {subscriber, *(v for v in result.values() if v)},
        )
    thumbs = [s for s in video_slots if s not in VIDEO_SLOTS]
    if thumbs:
        grid = [p for p in others if p in publishers]
        start = thumbnail_page * len(thumbs)
        page = grid[start : start + len(thumbs)]
        for index, slot in enumerate(thumbs):
            result[slot] = page[index] if index < len(page) else None
    # audio: the floor, the chair, then the last speakers, unmuted; kept in their slot if still in
    audible = view.audio_publishers - view.muted - {subscriber}
    wanted: list[str] = []
    for candidate in (view.floor, view.chair, *view.speakers):
        if candidate in audible and candidate not in wanted:
            wanted.append(candidate)
    wanted = wanted[: len(audio_slots)]
    free = [s for s in audio_slots if previous.get(s) not in wanted]
    placed = {previous[s] for s in audio_slots if previous.get(s) in wanted}
    newcomers = [w for w in wanted if w not in placed]
    for slot in audio_slots:
        if slot not in free:
            result[slot] = previous[slot]
    for slot in free:
        result[slot] = newcomers.pop(0) if newcomers else None
    return result


def slot_sources(
    view: RoomView, subscriber: str, assignment: Mapping[str, str | None]
) -> dict[str, str | None]:
    """Which publication of the shown participant feeds each slot: ``audio``, ``video`` (the
    camera) or ``screen``; None for an idle slot. Only ``main`` ever shows a screen."""
    sharer = view.sharing_for(subscriber)
    sources: dict[str, str | None] = {}
    for slot, shown in assignment.items():
        if shown is None:
            sources[slot] = None
        elif slot.startswith("audio"):
            sources[slot] = AUDIO
        elif slot == MAIN and shown == sharer:
            sources[slot] = SCREEN
        else:
            sources[slot] = CAMERA
    return sources


def quality_demand(
    assignments: Mapping[str, Mapping[str, str | None]],
    video_publishers: Iterable[str],
    sources: Mapping[str, Mapping[str, str | None]] | None = None,
) -> dict[str, Quality]:
    """What each camera should send, given every subscriber's slot assignment (``sources``: the
    subscribers' :func:`slot_sources`; a slot showing a screen asks nothing of the camera)."""
    demand = {p: Quality.NONE for p in video_publishers}
    for subscriber, slots in assignments.items():
        kinds = sources.get(subscriber, {}) if sources is not None else {}
        for slot, source in slots.items():
            if source is None or source not in demand or kinds.get(slot) == SCREEN:
                continue
            if slot in VIDEO_SLOTS:
                demand[source] = Quality.FULL
            elif slot.startswith("thumb") and demand[source] is Quality.NONE:
                demand[source] = Quality.THUMBNAIL
    return demand


@dataclass
class SpeakerDetector:
    """Active speaker from RFC 6464 audio levels (0 = loudest, 127 = silence); no decoding.

    ``add`` is called per audio packet; ``tick`` periodically (every ~100 ms). A participant
    becomes the active speaker when its mean loudness over ``window`` seconds is the highest, above
    ``threshold``, for ``confirm`` consecutive ticks (hysteresis against flapping).
    """

    window: float = 0.3
    threshold: int = 60  # mean level at or below this (in -dBov) counts as speech
    confirm: int = 2
    min_packets: int = 5
    active: str | None = None
    recent: deque[str] = field(default_factory=lambda: deque(maxlen=LAST_N_SPEAKERS))
    _levels: dict[str, deque[tuple[float, int]]] = field(default_factory=dict)
    _candidate: str | None = None
    _streak: int = 0

    def add(self, participant_id: str, level: int, now: float) -> None:
        levels = self._levels.setdefault(participant_id, deque(maxlen=64))
        levels.append((now, level))

    def forget(self, participant_id: str) -> None:
        self._levels.pop(participant_id, None)
        if participant_id in self.recent:
            self.recent.remove(participant_id)
        if self.active == participant_id:
            self.active = None

    def mean_level(self, participant_id: str, now: float) -> float | None:
        levels = self._levels.get(participant_id)
        if not levels:
            return None
        while levels and levels[0][0] < now - self.window:
            levels.popleft()
        if len(levels) < self.min_packets:
            return None
        return sum(level for _, level in levels) / len(levels)

    def tick(self, now: float, muted: Iterable[str] = ()) -> str | None:
        """Return the new active speaker if it changed on this tick, else None."""
        muted_set = set(muted)
        best: str | None = None
        best_level = float(self.threshold)
        for participant_id in list(self._levels):
            if participant_id in muted_set:
                continue
            level = self.mean_level(participant_id, now)
            if level is not None and level <= best_level:
                best, best_level = participant_id, level
        if best is None or best == self.active:
            self._candidate, self._streak = None, 0
            return None
        if best == self._candidate:
            self._streak += 1
        else:
            self._candidate, self._streak = best, 1
        if self._streak < self.confirm:
            return None
        self.active = best
        self._candidate, self._streak = None, 0
        if best in self.recent:
            self.recent.remove(best)
        self.recent.appendleft(best)
        return best
