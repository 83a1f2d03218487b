"""The signaling protocol, version 1: JSON text frames, each an object with ``v`` and ``type``.

Client messages are validated into frozen, typed objects by :func:`parse`; anything else raises
:class:`ProtocolError` — one exception type, a stable ``code`` and a stable, human-readable
message naming the field. Server messages are built by :func:`server_message`. Every message is
documented in ``docs/signaling.md``.
"""

from __future__ import annotations

import enum
import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

VERSION = 1
# Revision of version 1 (docs/signaling.md, "Versions"): 2 added session resumption (``auth``'s
# ``resume``, ``welcome``'s ``resume``/``resumed``/``revision``). Additive: ``v`` stays 1.
REVISION = 2
MAX_RESUME = 128
MAX_SDP = 60 * 1024  # under the 64 KiB frame limit, with room for the envelope
MAX_TOKEN = 4096
PARTICIPANT_ID = r"^[pu][1-9][0-9]{0,9}$"

ParticipantId = Annotated[str, Field(pattern=PARTICIPANT_ID, max_length=11)]


class CloseCode(enum.IntEnum):
    """WebSocket close codes the server uses (4xxx: application codes, see docs/signaling.md)."""

    NORMAL = 1000
    GOING_AWAY = 1001
    POLICY = 1008  # no auth message in time, or another message before auth
    TOO_BIG = 1009
    SERVICE_RESTART = 1012  # the server is restarting: reconnect (after the ``reconnect`` hint)
    UNAUTHORIZED = 4401  # invalid or expired join token
    FORBIDDEN = 4403  # token for another meeting; or denied entry from the lobby
    REMOVED = 4404  # removed by the chair
    MEETING_OVER = 4410  # the meeting ended or its room is closed
    REPLACED = 4409  # the same participant connected again elsewhere
    SLOW = 4413  # the client did not read its messages (send queue overflow)
    FLOOD = 4429  # too many messages


class ProtocolError(Exception):
    """A client message the server does not accept. ``code`` is stable; so is ``message``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    v: Literal[1]


class Auth(_Message):
    """First message on every socket."""

    type: Literal["auth"]
    token: str = Field(min_length=1, max_length=MAX_TOKEN)
    # The resumption token of the previous ``welcome``: keep the roster entry and the media
    # through a socket reconnect within the grace period (docs/signaling.md §5a).
    resume: str | None = Field(default=None, min_length=1, max_length=MAX_RESUME)


class Offer(_Message):
    """An SDP offer (all ICE candidates included); the server replies with ``answer``."""

    type: Literal["offer"]
    sdp: str = Field(min_length=1, max_length=MAX_SDP)
    restart: bool = False


class MediaState(_Message):
    """The participant's own microphone and camera state (self-mute, camera off)."""

    type: Literal["media_state"]
    audio: bool
    video: bool


class ScreenShare(_Message):
    """Start or stop showing your screen (sent on the screen m-line negotiated at join)."""

    type: Literal["screen_share"]
    active: bool


class StopScreen(_Message):
    """The chair stops someone's screen share."""

    type: Literal["stop_screen"]
    participant: ParticipantId


class Hand(_Message):
    type: Literal["hand"]
    raised: bool


class Admit(_Message):
    type: Literal["admit"]
    participant: ParticipantId


class Deny(_Message):
    type: Literal["deny"]
    participant: ParticipantId


class Mute(_Message):
    type: Literal["mute"]
    participant: ParticipantId


class MuteAll(_Message):
    type: Literal["mute_all"]


class StopVideo(_Message):
    type: Literal["stop_video"]
    participant: ParticipantId


class Remove(_Message):
    type: Literal["remove"]
    participant: ParticipantId


class LowerHand(_Message):
    """The chair lowers someone's raised hand."""

    type: Literal["lower_hand"]
    participant: ParticipantId


class EndMeeting(_Message):
    type: Literal["end_meeting"]


class ThumbnailPage(_Message):
    """The chair's console pages through the grid of sites."""

    type: Literal["thumbnail_page"]
    page: int = Field(ge=0, le=1000)


class Present(_Message):
    """The presenter drives a document that every participant already holds: followers' viewers
    show this page at this zoom (a few bytes per page turn instead of a video stream).
    Moderators and whoever holds the floor may present."""

    type: Literal["present"]
    document: int = Field(ge=1, le=2**31 - 1)
    page: int = Field(default=1, ge=1, le=100_000)
    zoom: int = Field(default=100, ge=25, le=800)  # percent


class StopPresenting(_Message):
    type: Literal["stop_presenting"]


class Leave(_Message):
    type: Literal["leave"]


ClientMessage = (
    Auth
    | Offer
    | MediaState
    | ScreenShare
    | StopScreen
    | Hand
    | Admit
    | Deny
    | Mute
    | MuteAll
    | StopVideo
    | Remove
    | LowerHand
    | EndMeeting
    | ThumbnailPage
    | Present
    | StopPresenting
    | Leave
)
MESSAGE_TYPES: dict[str, type[_Message]] = {
    m.model_fields["type"].annotation.__args__[0]: m  # type: ignore[union-attr]
    for m in ClientMessage.__args__  # type: ignore[attr-defined]
}
MODERATOR_ONLY = frozenset(
    {
        "admit",
        "deny",
        "mute",
        "mute_all",
        "stop_video",
        "stop_screen",
        "remove",
        "lower_hand",
        "end_meeting",
    }
)
_ADAPTERS: dict[str, TypeAdapter[Any]] = {name: TypeAdapter(m) for name, m in MESSAGE_TYPES.items()}

_KINDS = {
    "string_type": "must be a string",
    "bool_type": "must be true or false",
    "int_type": "must be a whole number",
    "literal_error": "has a value that is not accepted",
    "string_pattern_mismatch": "is not a participant id",
    "string_too_short": "must not be empty",
    "string_too_long": "is too long",
    "greater_than_equal": "is too small",
    "less_than_equal": "is too large",
}


def _describe(error: Any, type_name: str) -> str:
    field = ".".join(str(p) for p in error["loc"]) or "message"
    kind = error["type"]
    if kind == "missing":
        return f"'{type_name}' needs the field '{field}'"
    if kind == "extra_forbidden":
        return f"'{field}' is not a field of '{type_name}'"
    return f"'{field}' {_KINDS.get(kind, 'is invalid')}"


def parse(raw: str | bytes) -> ClientMessage:
    """One client frame → a typed message, or :class:`ProtocolError`. Never anything else."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError("malformed_json", "The message is not UTF-8 text.") from None
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise ProtocolError("malformed_json", "The message is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ProtocolError("not_an_object", "The message must be a JSON object.")
    if "v" not in data:
        raise ProtocolError("unsupported_version", "The message has no version 'v'.")
    if data["v"] != VERSION or type(data["v"]) is not int:
        raise ProtocolError("unsupported_version", f"Only version {VERSION} is spoken here.")
    kind = data.get("type")
    if not isinstance(kind, str):
        raise ProtocolError("unknown_type", "The message has no 'type'.")
    adapter = _ADAPTERS.get(kind)
    if adapter is None:
        raise ProtocolError("unknown_type", f"Unknown message type '{kind[:40]}'.")
    try:
        return adapter.validate_python(data)  # type: ignore[no-any-return]
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        raise ProtocolError("invalid_message", _describe(first, kind) + ".") from None


def server_message(type_: str, **fields: Any) -> dict[str, Any]:
    """A server → client message (documented in docs/signaling.md)."""
    return {"v": VERSION, "type": type_, **fields}


def error_message(code: str, message: str, **fields: Any) -> dict[str, Any]:
    return server_message("error", code=code, message=message, **fields)


RECONNECT_AFTER = 1.0  # seconds: the hint in ``reconnect``; clients add jitter and back off


def reconnect_message(
    reason: str = "restart", retry_after: float = RECONNECT_AFTER
) -> dict[str, Any]:
    """Sent before close 1012: come back (with a fresh socket and a new offer) in a moment."""
    return server_message("reconnect", reason=reason, retry_after=retry_after)
