"""One codec per meeting, forced on every transceiver; offers that cannot do it are refused.

Passthrough forwards a publisher's bitstream unchanged, so every peer in a meeting must speak the
same video codec: H.264 Constrained Baseline (profile-level-id 42e01f, packetization-mode 1) by
default, VP8 as an option. Audio is always Opus, with in-band FEC and DTX asked of every
publisher (:func:`resilient_audio`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from aiortc import RTCPeerConnection, RTCRtpReceiver
from aiortc.rtcrtpparameters import RTCRtpCodecCapability
from aiortc.sdp import SessionDescription

MAX_OFFER_BYTES = 64 * 1024
MAX_MEDIA_SECTIONS = 64


class MeetingCodec(enum.StrEnum):
    H264 = "h264"
    VP8 = "vp8"

    @property
    def mime_type(self) -> str:
        return "video/H264" if self is MeetingCodec.H264 else "video/VP8"


class OfferRejected(ValueError):
    """An SDP offer the SFU cannot accept. ``code`` is stable, ``message`` is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class MediaSection:
    """One m-line of an accepted offer."""

    mid: str
    kind: str  # "audio" | "video"
    sends: bool  # the remote peer sends media on it (a publication)
    receives: bool  # the remote peer wants media on it (a slot)


def _is_constrained_baseline(profile_level_id: object) -> bool:
    if not isinstance(profile_level_id, str) or len(profile_level_id) != 6:
        return False
    try:
        profile_idc = int(profile_level_id[0:2], 16)
        constraints = int(profile_level_id[2:4], 16)
    except ValueError:
        return False
    # Constrained Baseline: profile_idc 66 with constraint_set1 (42e0.., 4240.. family).
    return profile_idc == 0x42 and bool(constraints & 0x40)


def _video_codec_ok(codec: MeetingCodec, codecs: list) -> bool:
    for c in codecs:
        name = c.mimeType.lower()
        if codec is MeetingCodec.VP8 and name == "video/vp8":
            return True
        if (
            codec is MeetingCodec.H264
            and name == "video/h264"
            and str(c.parameters.get("packetization-mode", "0")) == "1"
            and _is_constrained_baseline(c.parameters.get("profile-level-id"))
        ):
            return True
    return False


def parse_offer(offer_sdp: object, codec: MeetingCodec) -> tuple[MediaSection, ...]:
    """Validate an SDP offer for a meeting using ``codec``; return its media sections in order.

    Raises :class:`OfferRejected` for anything that is not a usable offer: wrong type, oversized,
    unparsable, no media, no BUNDLE-able mids, a video section without ``codec``, an audio section
    without Opus.
    """
    if not isinstance(offer_sdp, str):
        raise OfferRejected("sdp_invalid", "the offer must be an SDP string")
    if len(offer_sdp.encode("utf-8", "surrogatepass")) > MAX_OFFER_BYTES:
        raise OfferRejected("sdp_too_large", f"the offer exceeds {MAX_OFFER_BYTES} bytes")
    try:
        description = SessionDescription.parse(offer_sdp)
    except Exception as exc:  # aiortc's parser raises many types on garbage
        raise OfferRejected("sdp_invalid", f"the offer is not valid SDP ({exc!s:.80})") from None
    if not description.media:
        raise OfferRejected("sdp_no_media", "the offer has no audio or video section")
    if len(description.media) > MAX_MEDIA_SECTIONS:
        raise OfferRejected("sdp_too_many_sections", "the offer has too many media sections")
    bundle = next((g for g in description.group if g.semantic == "BUNDLE"), None)
    bundled = set(bundle.items) if bundle else set()
    sections: list[MediaSection] = []
    seen_mids: set[str] = set()
    for media in description.media:
        if media.kind not in ("audio", "video"):
            raise OfferRejected("sdp_unsupported_media", f"unsupported media kind {media.kind!r}")
        if not media.rtp.muxId or media.rtp.muxId in seen_mids:
            raise OfferRejected("sdp_invalid", "every media section needs a unique a=mid")
        if not media.ice.usernameFragment or not media.dtls or not media.dtls.fingerprints:
            raise OfferRejected("sdp_invalid", "a media section lacks ICE or DTLS parameters")
        if media.rtp.muxId not in bundled:
            raise OfferRejected("sdp_bundle_required", "every media section must be in BUNDLE")
        seen_mids.add(media.rtp.muxId)
        if media.kind == "video" and not _video_codec_ok(codec, media.rtp.codecs):
            expected = (
                "H.264 constrained baseline (42e01f)" if codec is MeetingCodec.H264 else "VP8"
            )
            raise OfferRejected(
                "codec_unsupported",
                f"this meeting sends {expected}; the offer's video section {media.rtp.muxId} "
                "cannot receive or send it",
            )
        if media.kind == "audio" and not any(
            c.mimeType.lower() == "audio/opus" for c in media.rtp.codecs
        ):
            raise OfferRejected("codec_unsupported", "this meeting sends Opus audio")
        direction = media.direction or "sendrecv"
        sections.append(
            MediaSection(
                mid=media.rtp.muxId,
                kind=media.kind,
                sends=direction in ("sendrecv", "sendonly"),
                receives=direction in ("sendrecv", "recvonly"),
            )
        )
    return tuple(sections)


def preferred_codecs(kind: str, codec: MeetingCodec) -> list[RTCRtpCodecCapability]:
    """The capability list to pass to ``setCodecPreferences`` for ``kind`` (RTX kept for NACK)."""
    capabilities = RTCRtpReceiver.getCapabilities(kind).codecs
    if kind == "audio":
        return [c for c in capabilities if c.mimeType.lower() == "audio/opus"]
    chosen = []
    for c in capabilities:
        name = c.mimeType.lower()
        if codec is MeetingCodec.H264 and name == "video/h264":
            if c.parameters.get("profile-level-id") == "42e01f":
                chosen.insert(0, c)
        elif codec is MeetingCodec.VP8 and name == "video/vp8":
            chosen.append(c)
    chosen += [c for c in capabilities if c.mimeType.lower() == "video/rtx"]
    return chosen


def force_codec(pc: RTCPeerConnection, codec: MeetingCodec) -> None:
    """Restrict every transceiver of ``pc`` to the meeting codec (and Opus for audio)."""
    for transceiver in pc.getTransceivers():
        transceiver.setCodecPreferences(preferred_codecs(transceiver.kind, codec))


OPUS_RESILIENCE = {"useinbandfec": 1, "usedtx": 1, "minptime": 10}
"""What the SFU's answer says about the Opus it receives (RFC 7587 §6.1): it decodes in-band FEC
(``useinbandfec=1``: a publisher then carries a low-bitrate copy of the previous frame in each
packet, which the subscriber's decoder uses when a packet is lost) and prefers DTX (``usedtx=1``:
a silent microphone sends one packet every 400 ms instead of fifty a second, which on a commune's
narrow link leaves room for the speaker). The SFU forwards the packets unchanged, so subscribers
get the FEC too; their own offers already say they decode it."""


def resilient_audio(pc: RTCPeerConnection) -> None:
    """Ask for :data:`OPUS_RESILIENCE` in ``pc``'s answer. Call after ``setRemoteDescription``
    (which negotiates each transceiver's codecs) and before ``createAnswer``."""
    for transceiver in pc.getTransceivers():
        if transceiver.kind != "audio":
            continue
        for codec in transceiver._codecs:
            if codec.mimeType.lower() == "audio/opus":
                codec.parameters.update(OPUS_RESILIENCE)


def check_codec_hooks() -> tuple[str, ...]:
    """Problems that would break :func:`resilient_audio` (empty if none)."""
    from aiortc import RTCRtpTransceiver

    if "_codecs" not in RTCRtpTransceiver.__init__.__code__.co_names:
        return ("RTCRtpTransceiver no longer keeps its negotiated codecs in _codecs",)
    return ()
