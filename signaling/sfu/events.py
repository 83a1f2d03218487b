"""What a :class:`~signaling.sfu.room.MediaRoom` tells the signaling hub, and what it answers.

Events (``MediaEvent``) are relayed to clients by the hub; :class:`JoinAnswer` is the answer to
an offer; the exceptions carry stable codes for the client.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from signaling.sfu.layout import Quality

# -- events the hub relays to clients ---------------------------------------------------------


@dataclass(frozen=True)
class SlotsChanged:
    """``participant_id`` now sees ``slots`` (slot name → participant shown, None = idle);
    ``sources`` says which of that participant's publications: ``audio``, ``video`` (camera)
    or ``screen``."""

    participant_id: str
    slots: dict[str, str | None]
    sources: dict[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class QualityRequested:
    """Ask ``participant_id`` to send its camera at ``quality`` (full / thumbnail / none)."""

    participant_id: str
    quality: Quality


@dataclass(frozen=True)
class ActiveSpeakerChanged:
    participant_id: str | None


@dataclass(frozen=True)
class ConnectionStateChanged:
    """The participant's media connection changed (``failed``/``closed``: media is gone)."""

    participant_id: str
    state: str


@dataclass(frozen=True)
class ScreenShareChanged:
    """``participant_id`` shares its screen now (None: nobody); ``previous`` stopped sharing
    (it stopped, left, or was taken over / stopped by the chair)."""

    participant_id: str | None
    previous: str | None


@dataclass(frozen=True)
class MediaSilenceChanged:
    """No authenticated packet from ``participant_id`` for a while (``silent``), or packets again
    (liveness.py): the roster shows "connection lost" meanwhile."""

    participant_id: str
    silent: bool


@dataclass(frozen=True)
class LinkChanged:
    """What one subscriber's link carries (downlink.py): told to the site and to the chair when
    its paused slots change, and every few seconds for the link meter."""

    participant_id: str
    estimate_bps: int
    sending_bps: int
    loss: float  # fraction lost, latest receiver report
    rtt: float | None  # seconds
    paused: tuple[str, ...]  # video slots not sent: the link cannot carry them
    audio_only: bool  # no video fits: audio and the presented page only


@dataclass(frozen=True)
class MediaFlooded:
    """``participant_id`` sent far more than its ``source``'s budget for seconds on end: the
    room dropped its media (policer.py) and refuses its offers for a while."""

    participant_id: str
    source: str


MediaEvent = (
    SlotsChanged
    | QualityRequested
    | ActiveSpeakerChanged
    | ConnectionStateChanged
    | ScreenShareChanged
    | MediaSilenceChanged
    | MediaFlooded
    | LinkChanged
)


class ScreenShareRefused(ValueError):
    """A share the room does not start: ``screen_busy`` (someone else shares and the asker may
    not take over) or ``screen_not_negotiated`` (its offer has no screen m-line)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class SlotBinding:
    mid: str
    kind: str
    slot: str


@dataclass(frozen=True)
class JoinAnswer:
    """The SDP answer and which m-line carries which slot / publication."""

    sdp: str
    slots: tuple[SlotBinding, ...]
    publishes: tuple[str, ...]  # kinds the participant publishes ("audio", "video")


class ParticipantExists(ValueError):
    """The participant already has media in this room (remove it first, e.g. on reconnect)."""
