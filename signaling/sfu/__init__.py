"""The media plane: an SFU on aiortc that forwards encoded media (never decodes for fan-out).

Public API for the signaling hub (see docs/media.md):

- :class:`MediaRoom` (room.py): one per meeting; ``add_participant``/``remove_participant``,
  ``set_floor``, ``set_chair``, ``mute``, ``set_thumbnail_page``,
  ``share_screen``/``stop_screen``; events through ``on_event`` (events.py).
- :class:`MeetingCodec`, :class:`OfferRejected` (codecs.py).
- :class:`ParticipantKind`, :class:`Quality` (layout.py).
- :func:`check_passthrough` (passthrough.py): start-up self check of the aiortc hooks.
"""

from signaling.sfu.codecs import MeetingCodec, OfferRejected
from signaling.sfu.layout import ParticipantKind, Quality
from signaling.sfu.passthrough import check_passthrough, install_passthrough
from signaling.sfu.room import (
    ActiveSpeakerChanged,
    ConnectionStateChanged,
    JoinAnswer,
    LinkChanged,
    MediaEvent,
    MediaRoom,
    ParticipantExists,
    QualityRequested,
    ScreenShareChanged,
    ScreenShareRefused,
    SlotBinding,
    SlotsChanged,
)

__all__ = [
    "ActiveSpeakerChanged",
    "ConnectionStateChanged",
    "JoinAnswer",
    "LinkChanged",
    "MediaEvent",
    "MediaRoom",
    "MeetingCodec",
    "OfferRejected",
    "ParticipantExists",
    "ParticipantKind",
    "Quality",
    "QualityRequested",
    "ScreenShareChanged",
    "ScreenShareRefused",
    "SlotBinding",
    "SlotsChanged",
    "check_passthrough",
    "install_passthrough",
]
